/**
 * The system clock, plus whatever time a test skips ahead (Temporal's time skipping, for a live Steward whose
 * simulated cloud shares its clock): an end-to-end test that needs a minute of metrics history after an event skips
 * it instead of sleeping. Sleeps stay real; a sleeper started before a skip wakes at its real time, later in clock
 * terms, as a process does after a pause. Keep skips under `serviceDownTimeSeconds` (90 s by default), or Steward's
 * own processes look silent and their work is taken over.
 */
import { systemClock, type Clock } from '../../src/lib/clock.js';

export class SkippingClock implements Clock {
  #skippedMs = 0;

  now(): Date {
    return new Date(Date.now() + this.#skippedMs);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  /** Moves the clock `ms` ahead at once. */
  skip(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only skips ahead, not ${ms} ms`);
    this.#skippedMs += ms;
  }
}
