/** Polls the cloud until a long operation reaches its goal, with a per-action timeout and abort support. */
import { StewardError } from '../../errors.js';
import type { ActionContext } from '../action-type.js';

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  intervalMs: number;
}

export async function waitFor(
  ctx: ActionContext,
  options: WaitOptions,
  reached: () => Promise<boolean>,
): Promise<void> {
  const deadline = ctx.clock.now().getTime() + options.timeoutMs;
  for (;;) {
    if (await reached()) return;
    if (ctx.clock.now().getTime() >= deadline) {
      throw new StewardError(
        'unavailable',
        'TIMEOUT',
        `${options.what} did not finish within ${options.timeoutMs / 1000} s`,
        {
          retryable: false,
        },
      );
    }
    await ctx.clock.sleep(options.intervalMs, ctx.signal);
  }
}

export function requireCloud(ctx: ActionContext) {
  if (!ctx.cloud) {
    throw new StewardError(
      'unavailable',
      'UPSTREAM_UNAVAILABLE',
      'no cloud is configured: this action needs the Compute API',
    );
  }
  return ctx.cloud;
}
