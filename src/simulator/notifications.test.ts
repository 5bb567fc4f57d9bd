import { describe, expect, it } from 'vitest';
import { osloTimestamp } from './notifications.js';

describe('osloTimestamp', () => {
  it.each([
    ['2026-05-13T12:53:00.123Z', '2026-05-13 12:53:00.123000'],
    ['2026-05-13T12:53:00.000Z', '2026-05-13 12:53:00'],
    ['2026-01-02T03:04:05.009Z', '2026-01-02 03:04:05.009000'],
  ])('writes %s as Python str() of a naive UTC datetime: %s', (iso, want) => {
    expect(osloTimestamp(new Date(iso))).toBe(want);
  });
});
