/**
 * Simulated time that runs `speed` times faster than another clock, for `steward simulator --speed`: a day of
 * PlanetLab load or an hour of migrations passes in minutes while everything still reads time from one `Clock`.
 */
import { systemClock, type Clock } from '../lib/clock.js';

export interface ScaledClockOptions {
  /** Simulated seconds per real second; 1 is real time. */
  speed: number;
  /** Simulated time at the start (default: the real clock's now). */
  start?: Date;
  /** The clock being sped up (default: the system clock); tests pass a ManualClock. */
  real?: Clock;
}

export class ScaledClock implements Clock {
  readonly #real: Clock;
  readonly #speed: number;
  readonly #realStartMs: number;
  readonly #startMs: number;

  constructor(options: ScaledClockOptions) {
    if (!(options.speed > 0) || !Number.isFinite(options.speed))
      throw new RangeError(`clock speed must be a positive number, got ${options.speed}`);
    this.#real = options.real ?? systemClock;
    this.#speed = options.speed;
    this.#realStartMs = this.#real.now().getTime();
    this.#startMs = options.start?.getTime() ?? this.#realStartMs;
  }

  now(): Date {
    return new Date(this.#startMs + (this.#real.now().getTime() - this.#realStartMs) * this.#speed);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#real.sleep(ms / this.#speed, signal);
  }
}
