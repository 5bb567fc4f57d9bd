/**
 * Settling moves without a request. The HTTP server settles on every request, but an embedded Steward may send
 * none for minutes: a live migration would never finish and its notifications never be published. This runs
 * the same settle on its own while the cloud listens.
 *
 * - `{ intervalMs }` polls in real time, whatever the clock (an unref'd timer, so it never keeps a process alive).
 * - `'exact'` sleeps on the cloud's `Clock` until the next move is due, so a ScaledClock (or a ManualClock being
 *   advanced) settles each move at its own completion instant; it re-plans after every request that may have
 *   started or cancelled a move.
 *
 * Either way one settle runs at a time and a failing settle is logged, never thrown into a timer.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../observability/logger.js';

export type AutoSettle = 'exact' | { intervalMs: number };

export interface AutoSettlerOptions {
  clock: Clock;
  mode: AutoSettle;
  settle: () => Promise<void>;
  /** Simulated time (ms) when the earliest running move finishes, or null when none is running. */
  nextDueMs: () => number | null;
  logger: Logger;
}

export interface AutoSettler {
  /** Moves may have started or stopped: plan the next settle again (exact mode; a no-op for intervals). */
  reschedule(): void;
  /** Stops planning and waits for a settle in flight, so nothing is published after the cloud closes. */
  stop(): Promise<void>;
}

/** Refuses an unusable mode when the cloud is created rather than when it starts listening. */
export function checkAutoSettle(mode: AutoSettle): void {
  if (mode === 'exact') return;
  if (!(mode.intervalMs > 0 && Number.isFinite(mode.intervalMs)))
    throw new RangeError(
      `autoSettle.intervalMs must be a positive number of milliseconds, got ${mode.intervalMs}`,
    );
}

export function startAutoSettle(o: AutoSettlerOptions): AutoSettler {
  checkAutoSettle(o.mode);
  let isStopped = false;
  let running: Promise<void> | null = null;
  const settleOnce = (): Promise<void> => {
    running = o
      .settle()
      .catch((error: unknown) =>
        o.logger.error({ err: error }, 'automatic settle of simulated moves failed'),
      );
    return running.finally(() => (running = null));
  };

  if (typeof o.mode === 'object') {
    const { intervalMs } = o.mode;
    let timer: NodeJS.Timeout | undefined;
    // A timeout re-armed after each settle rather than setInterval: a slow settle (a busy bus) never overlaps the next.
    const arm = (): void => {
      timer = setTimeout(() => void settleOnce().then(() => (isStopped ? undefined : arm())), intervalMs);
      timer.unref();
    };
    arm();
    return {
      reschedule: () => undefined,
      stop: async () => {
        isStopped = true;
        clearTimeout(timer);
        await running;
      },
    };
  }

  let sleeping: AbortController | null = null;
  const reschedule = (): void => {
    sleeping?.abort();
    sleeping = null;
    // A settle in flight re-plans when it ends, which also sees any move started meanwhile.
    if (isStopped || running) return;
    const due = o.nextDueMs();
    if (due === null) return;
    const controller = new AbortController();
    sleeping = controller;
    o.clock.sleep(Math.max(0, due - o.clock.now().getTime()), controller.signal).then(
      () => {
        if (sleeping !== controller) return;
        sleeping = null;
        // Timers may fire a hair early; the move is then still running and the next plan sleeps the rest.
        void settleOnce().then(reschedule);
      },
      () => undefined, // aborted: a newer plan replaced this one
    );
  };
  reschedule();
  return {
    reschedule,
    stop: async () => {
      isStopped = true;
      sleeping?.abort();
      sleeping = null;
      await running;
    },
  };
}
