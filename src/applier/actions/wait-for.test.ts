import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../observability/logger.js';
import type { ActionContext } from '../action-type.js';
import { waitFor } from './wait-for.js';

function context(clock: ManualClock, signal = new AbortController().signal): ActionContext {
  return {
    cloud: undefined,
    clock,
    log: silentLogger,
    signal,
    progress: () => undefined,
    timeoutMs: () => 60_000,
  };
}

/** Starts a wait that is reached at its `reachedAt`-th check, recording when (ms since the start) each check ran. */
async function wait(
  clock: ManualClock,
  options: { intervalMs: number; timeoutMs: number; reachedAt: number },
) {
  const startMs = clock.now().getTime();
  const checks: number[] = [];
  const done = waitFor(context(clock), { what: 'the test operation', ...options }, () => {
    checks.push(clock.now().getTime() - startMs);
    return Promise.resolve(checks.length >= options.reachedAt);
  });
  // The first check's answer is awaited before the first pause is asked for.
  await new Promise((resolve) => setImmediate(resolve));
  return { checks, done };
}

describe('waitFor', () => {
  it('checks at once and, when that is enough, does not sleep at all', async () => {
    const clock = new ManualClock();
    const { checks, done } = await wait(clock, { intervalMs: 1000, timeoutMs: 60_000, reachedAt: 1 });
    await done;
    expect(checks).toEqual([0]);
    expect(clock.pendingSleepers).toBe(0);
  });

  it('then pauses an eighth of the interval, doubling each time, and never longer than the interval', async () => {
    const clock = new ManualClock();
    const { checks, done } = await wait(clock, { intervalMs: 1000, timeoutMs: 60_000, reachedAt: 8 });
    await clock.advance(10_000);
    await done;
    expect(checks).toEqual([0, 125, 375, 875, 1875, 2875, 3875, 4875]);
  });

  it('fails with a TIMEOUT naming the operation once the deadline has passed', async () => {
    const clock = new ManualClock();
    const { checks, done } = await wait(clock, { intervalMs: 1000, timeoutMs: 5000, reachedAt: Infinity });
    const failed = expect(done).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: 'the test operation did not finish within 5 s',
    });
    await clock.advance(10_000);
    await failed;
    expect(checks.at(-1)).toBeGreaterThanOrEqual(5000);
    expect(checks.at(-2)).toBeLessThan(5000);
  });
});
