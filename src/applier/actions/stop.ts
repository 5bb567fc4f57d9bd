import { ACTION_PARAMETERS } from '../../contract/actions.js';
import { defineActionType } from '../action-type.js';
import { changeServerPower, checkServerPower, verifyServerPower } from './server-power.js';

/**
 * Stops an instance (upstream 2025.2, for host maintenance when moving is not allowed) and waits until it is
 * SHUTOFF. Skipped when it is gone or already stopped; the revert starts it again.
 */
export const stop = defineActionType({
  name: 'stop',
  parameters: ACTION_PARAMETERS.stop,
  abortable: false,
  describe: (p) => `Stop the instance ${p.resource_id}`,
  check: (ctx, p) => checkServerPower(ctx, p.resource_id, 'stop'),
  execute: (ctx, p) => changeServerPower(ctx, p.resource_id, 'stop'),
  verify: (ctx, p) => verifyServerPower(ctx, p.resource_id, 'stop'),
  // Nova's instance.power_off.end brings the state; a vanished instance shows nothing more to wait for.
  reflected: (model, p) => (model.getInstance(p.resource_id)?.state ?? 'stopped') === 'stopped',
  modelInstances: (p) => [p.resource_id],
  revert: (ctx, p) => changeServerPower(ctx, p.resource_id, 'start'),
});
