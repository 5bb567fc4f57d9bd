import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { silentLogger } from '../observability/logger.js';
import { checkAutoSettle, startAutoSettle, type AutoSettler } from './auto-settle.js';

/** A fake cloud: moves are due instants; settle drops those that are over and counts calls. */
function fakeMoves(clock: ManualClock) {
  const due: number[] = [];
  const calls: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    due,
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    settle: async (): Promise<void> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      calls.push(clock.now().getTime());
      await Promise.resolve();
      const now = clock.now().getTime();
      for (let k = due.length - 1; k >= 0; k--) if ((due[k] as number) <= now) due.splice(k, 1);
      inFlight--;
    },
    nextDueMs: (): number | null => (due.length === 0 ? null : Math.min(...due)),
  };
}

let settler: AutoSettler | undefined;
afterEach(async () => {
  await settler?.stop();
  settler = undefined;
  vi.useRealTimers();
});

describe("autoSettle 'exact'", () => {
  it("settles at each move's completion instant on the clock and sleeps when nothing runs", async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const t0 = clock.now().getTime();
    const moves = fakeMoves(clock);
    settler = startAutoSettle({
      clock,
      mode: 'exact',
      settle: moves.settle,
      nextDueMs: moves.nextDueMs,
      logger: silentLogger,
    });
    expect(clock.pendingSleepers).toBe(0);
    moves.due.push(t0 + 5_000, t0 + 2_000);
    settler.reschedule();
    await clock.advance(10_000);
    expect(moves.calls).toEqual([t0 + 2_000, t0 + 5_000]);
    expect(moves.due).toEqual([]);
    expect(clock.pendingSleepers).toBe(0);
  });

  it('re-plans when an earlier move starts during a sleep', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const t0 = clock.now().getTime();
    const moves = fakeMoves(clock);
    moves.due.push(t0 + 60_000);
    settler = startAutoSettle({
      clock,
      mode: 'exact',
      settle: moves.settle,
      nextDueMs: moves.nextDueMs,
      logger: silentLogger,
    });
    moves.due.push(t0 + 1_000);
    settler.reschedule();
    expect(clock.pendingSleepers).toBe(1);
    await clock.advance(1_000);
    expect(moves.calls).toEqual([t0 + 1_000]);
  });

  it('logs a failing settle and keeps planning', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const t0 = clock.now().getTime();
    const moves = fakeMoves(clock);
    const logger = { ...silentLogger, error: vi.fn() } as unknown as typeof silentLogger;
    let fail = true;
    const settle = async (): Promise<void> => {
      if (fail) {
        fail = false;
        throw new Error('bus down');
      }
      await moves.settle();
    };
    moves.due.push(t0 + 1_000);
    settler = startAutoSettle({ clock, mode: 'exact', settle, nextDueMs: moves.nextDueMs, logger });
    await clock.advance(1_000);
    expect(logger.error).toHaveBeenCalledTimes(1);
    await clock.advance(1);
    expect(moves.due).toEqual([]);
  });

  it('stops sleeping on stop', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const moves = fakeMoves(clock);
    moves.due.push(clock.now().getTime() + 1_000);
    settler = startAutoSettle({
      clock,
      mode: 'exact',
      settle: moves.settle,
      nextDueMs: moves.nextDueMs,
      logger: silentLogger,
    });
    await settler.stop();
    expect(clock.pendingSleepers).toBe(0);
    await clock.advance(5_000);
    expect(moves.calls).toEqual([]);
  });
});

describe('autoSettle { intervalMs }', () => {
  it('settles every interval of real time, one settle at a time, until stopped', async () => {
    vi.useFakeTimers();
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const moves = fakeMoves(clock);
    settler = startAutoSettle({
      clock,
      mode: { intervalMs: 100 },
      settle: moves.settle,
      nextDueMs: moves.nextDueMs,
      logger: silentLogger,
    });
    await vi.advanceTimersByTimeAsync(350);
    expect(moves.calls).toHaveLength(3);
    expect(moves.maxInFlight).toBe(1);
    await settler.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(moves.calls).toHaveLength(3);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('refuses an interval of %s ms', (intervalMs) => {
    expect(() => checkAutoSettle({ intervalMs })).toThrow(/autoSettle.intervalMs must be a positive number/);
  });
});
