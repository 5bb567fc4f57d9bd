/**
 * The whole loop on the embedded defaults: an audit plans migrations, the operator starts the plan, the applier
 * moves instances through the simulated Nova API with Steward's real clients, and the data model shows where they
 * went. A migration whose pre-condition no longer holds is SKIPPED with the reason; one Nova refuses ends FAILED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

type Json = Record<string, unknown>;

describe('action plans executed against the embedded simulated cloud', () => {
  let server: TestServer;

  const api = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        'OpenStack-API-Version': 'infra-optim latest',
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const dataModel = async () =>
    (await api('GET', '/v1/data_model?data_model_type=compute')).body.context as Json[];

  /** Runs an actuator audit with these actions, starts its plan and waits for the plan to finish. */
  const runPlan = async (actions: Json[]) => {
    const audit = await api('POST', '/v1/audits', {
      goal: 'unclassified',
      strategy: 'actuator',
      audit_type: 'ONESHOT',
      parameters: { actions },
    });
    expect(audit.status).toBe(201);
    const uuid = audit.body.uuid as string;
    await eventually(
      () => api('GET', `/v1/audits/${uuid}`),
      (answer) => answer.body.state === 'SUCCEEDED' || answer.body.state === 'FAILED',
    );
    const plans = (await api('GET', `/v1/action_plans?audit_uuid=${uuid}`)).body.action_plans as Json[];
    const plan = plans[0]!.uuid as string;
    expect((await api('POST', `/v1/action_plans/${plan}/start`)).status).toBe(200);
    const done = await eventually(
      () => api('GET', `/v1/action_plans/${plan}`),
      (answer) => ['SUCCEEDED', 'FAILED'].includes(answer.body.state as string),
      90_000,
    );
    const list = (await api('GET', `/v1/actions/detail?action_plan_uuid=${plan}`)).body.actions as Json[];
    return { plan: done.body, actions: list };
  };

  beforeAll(async () => {
    server = await startTestServer();
    await eventually(dataModel, (rows) => rows.length === 120);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('live-migrates an instance, skips one that is no longer on its source, and the plan SUCCEEDS', async () => {
    const rows = await dataModel();
    const [first, second] = rows.filter(
      (row) => row.server_state === 'active' && (row.server_memory as number) <= 4096,
    );
    const source = first!.node_hostname as string;
    const destination = rows.find(
      (row) => row.node_hostname !== source && row.node_hostname !== second!.node_hostname,
    )!.node_hostname as string;
    const { plan, actions } = await runPlan([
      {
        action_type: 'migrate',
        resource_id: first!.server_uuid,
        input_parameters: { migration_type: 'live', source_node: source, destination_node: destination },
      },
      {
        action_type: 'migrate',
        resource_id: second!.server_uuid,
        input_parameters: {
          migration_type: 'live',
          source_node: 'compute-elsewhere',
          destination_node: destination,
        },
      },
    ]);
    expect(plan.state).toBe('SUCCEEDED');
    expect(actions.map((action) => action.state).sort()).toEqual(['SKIPPED', 'SUCCEEDED']);
    const skipped = actions.find((action) => action.state === 'SKIPPED')!;
    expect(skipped.status_message).toMatch(/not on compute-elsewhere/);
    expect(plan.status_message).toMatch(/skipped/i);
    const moved = await eventually(
      dataModel,
      (list) => list.find((row) => row.server_uuid === first!.server_uuid)?.node_hostname === destination,
      10_000,
    );
    expect(moved).toHaveLength(120);
  });

  it('ends the plan FAILED when Nova refuses the migration, naming the reason', async () => {
    const rows = await dataModel();
    const row = rows.find((candidate) => candidate.server_state === 'active')!;
    const { plan, actions } = await runPlan([
      {
        action_type: 'migrate',
        resource_id: row.server_uuid,
        input_parameters: {
          migration_type: 'live',
          source_node: row.node_hostname,
          destination_node: 'compute-99999',
        },
      },
    ]);
    expect(plan.state).toBe('FAILED');
    expect(actions[0]!.state).toBe('FAILED');
    expect(actions[0]!.status_message).toMatch(/compute-99999/);
  });
});
