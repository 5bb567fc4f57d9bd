/** A RECOMMENDED action plan of `actions` `nop` actions ("step 1" … "step N"), made by the actuator strategy. */
import type { StewardClient } from '../../src/contract/client.js';
import { eventually } from './server.js';

export async function nopPlan(client: StewardClient, actions: number): Promise<string> {
  const audit = await client.create('audits', {
    audit_type: 'ONESHOT',
    goal: 'unclassified',
    strategy: 'actuator',
    parameters: {
      actions: Array.from({ length: actions }, (_, index) => ({
        action_type: 'nop',
        input_parameters: { message: `step ${index + 1}` },
      })),
    },
  });
  await eventually(
    () => client.show('audits', audit.uuid),
    (shown) => shown.state === 'SUCCEEDED',
  );
  const [plan] = await client.list('action_plans', { audit_uuid: audit.uuid });
  if (!plan) throw new Error(`audit ${audit.uuid} SUCCEEDED without an action plan`);
  return plan.uuid;
}
