import { ACTION_PARAMETERS } from '../../contract/actions.js';
import { StewardError } from '../../errors.js';
import { defineActionType, ok, skip } from '../action-type.js';

/** Logs a message. Its testing flags (upstream 2025.2) let operators and tests exercise skip and failure paths. */
export const nop = defineActionType({
  name: 'nop',
  parameters: ACTION_PARAMETERS.nop,
  abortable: true,
  describe: (params) => `Logging a NOP message: ${params.message ?? ''}`,
  check(_ctx, params) {
    if (params.fail_pre_condition) {
      return Promise.reject(
        new StewardError(
          'internal',
          'INTERNAL',
          'nop pre-condition failed as requested by fail_pre_condition',
        ),
      );
    }
    return Promise.resolve(params.skip_pre_condition ? skip('skip_pre_condition was requested') : ok);
  },
  execute(ctx, params) {
    if (params.fail_execute)
      return Promise.reject(
        new StewardError('internal', 'INTERNAL', 'nop failed as requested by fail_execute'),
      );
    ctx.log.info({ message: params.message }, 'nop action');
    return Promise.resolve();
  },
  verify(_ctx, params) {
    if (params.fail_post_condition) {
      return Promise.reject(
        new StewardError(
          'internal',
          'INTERNAL',
          'nop post-condition failed as requested by fail_post_condition',
        ),
      );
    }
    return Promise.resolve();
  },
});
