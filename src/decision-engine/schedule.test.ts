import { describe, expect, it } from 'vitest';
import { nextRunTime, validateInterval } from './schedule.js';

describe('continuous audit schedules', () => {
  it.each([
    ['600', '2026-01-01T00:00:00Z', '2026-01-01T00:10:00.000Z'],
    ['3600', '2026-01-01T00:30:00Z', '2026-01-01T01:30:00.000Z'],
    ['*/15 * * * *', '2026-01-01T00:05:00Z', '2026-01-01T00:15:00.000Z'],
    ['*/15 * * * *', '2026-01-01T00:15:00Z', '2026-01-01T00:30:00.000Z'],
    ['0 3 * * *', '2026-01-01T04:00:00Z', '2026-01-02T03:00:00.000Z'],
  ])('runs an audit with interval %s next after %s at %s', (interval, after, expected) => {
    expect(nextRunTime(interval, new Date(after)).toISOString()).toBe(expected);
  });

  it.each([['0'], ['not a cron'], ['61 * * * *']])(
    'rejects the interval %s with a readable error',
    (interval) => {
      expect(() => validateInterval(interval)).toThrow(RangeError);
    },
  );

  it.each([['1'], ['600'], ['*/5 * * * *'], ['0 0 * * 1']])('accepts the interval %s', (interval) => {
    expect(() => validateInterval(interval)).not.toThrow();
  });
});
