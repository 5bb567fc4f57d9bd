import { ACTION_PARAMETERS } from '../../contract/actions.js';
import { defineActionType, ok } from '../action-type.js';

/** Waits `duration` seconds on the injected clock; abortable. */
export const sleep = defineActionType({
  name: 'sleep',
  parameters: ACTION_PARAMETERS.sleep,
  abortable: true,
  describe: (params) => `Wait for ${params.duration} seconds.`,
  check: () => Promise.resolve(ok),
  async execute(ctx, params) {
    await ctx.clock.sleep(params.duration * 1000, ctx.signal);
  },
});
