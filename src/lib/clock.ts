/**
 * Time is injected everywhere so continuous audits, timeouts and heartbeats are testable without sleeping
 * (Temporal's time-skipping idea). `sleep` honours an AbortSignal.
 */
export interface Clock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(typeof reason === 'string' ? reason : 'aborted');
}

interface Sleeper {
  wakeAt: number;
  resolve: () => void;
  reject: (reason: Error) => void;
}

/** A clock that only moves when told to; sleepers wake in order as time is advanced. */
export class ManualClock implements Clock {
  #nowMs: number;
  readonly #sleepers: Sleeper[] = [];

  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.#nowMs = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#nowMs);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const sleeper: Sleeper = { wakeAt: this.#nowMs + Math.max(0, ms), resolve, reject };
      this.#sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.#sleepers.indexOf(sleeper);
          if (index >= 0) this.#sleepers.splice(index, 1);
          reject(abortReason(signal));
        },
        { once: true },
      );
    });
  }

  /** Moves time forward, waking every sleeper whose time has come, and lets their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.#nowMs + ms;
    for (;;) {
      this.#sleepers.sort((a, b) => a.wakeAt - b.wakeAt);
      const next = this.#sleepers[0];
      if (!next || next.wakeAt > target) break;
      this.#sleepers.shift();
      this.#nowMs = next.wakeAt;
      next.resolve();
      await flushMicrotasks();
    }
    this.#nowMs = target;
    await flushMicrotasks();
  }

  get pendingSleepers(): number {
    return this.#sleepers.length;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
