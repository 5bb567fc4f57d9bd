import { ACTION_PARAMETERS } from '../../contract/actions.js';
import { defineActionType } from '../action-type.js';
import { changeServerPower, checkServerPower, verifyServerPower } from './server-power.js';

/**
 * Starts a stopped instance and waits until it is ACTIVE: `stop`'s revert, and an action of its own. Skipped when
 * the instance is gone or already active; the revert stops it again.
 */
export const start = defineActionType({
  name: 'start',
  parameters: ACTION_PARAMETERS.start,
  abortable: false,
  describe: (p) => `Start the instance ${p.resource_id}`,
  check: (ctx, p) => checkServerPower(ctx, p.resource_id, 'start'),
  execute: (ctx, p) => changeServerPower(ctx, p.resource_id, 'start'),
  verify: (ctx, p) => verifyServerPower(ctx, p.resource_id, 'start'),
  // Nova's instance.power_on.end brings the state; a vanished instance shows nothing more to wait for.
  reflected: (model, p) => (model.getInstance(p.resource_id)?.state ?? 'active') === 'active',
  modelInstances: (p) => [p.resource_id],
  revert: (ctx, p) => changeServerPower(ctx, p.resource_id, 'stop'),
});
