import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { ScaledClock } from './scaled-clock.js';

describe('ScaledClock', () => {
  it('moves speed times as fast as the clock under it, from the given start', async () => {
    const real = new ManualClock('2026-05-01T12:00:00Z');
    const clock = new ScaledClock({ speed: 60, start: new Date('2026-01-01T00:00:00Z'), real });
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    await real.advance(1000);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:01:00.000Z');
  });

  it('starts at the real time when no start is given', () => {
    const real = new ManualClock('2026-05-01T12:00:00Z');
    expect(new ScaledClock({ speed: 10, real }).now()).toEqual(real.now());
  });

  it('wakes a sleeper after its simulated time, i.e. a speed-th of it in real time', async () => {
    const real = new ManualClock();
    const clock = new ScaledClock({ speed: 60, real });
    let woke = false;
    void clock.sleep(60_000).then(() => (woke = true));
    await real.advance(999);
    expect(woke).toBe(false);
    await real.advance(1);
    expect(woke).toBe(true);
  });

  it.each([0, -1, Number.NaN, Infinity])('refuses speed %d', (speed) => {
    expect(() => new ScaledClock({ speed })).toThrow(RangeError);
  });
});
