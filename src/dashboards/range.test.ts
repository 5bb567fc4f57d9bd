import { describe, expect, it } from 'vitest';
import { StewardError } from '../errors.js';
import { chooseStep, dashboardRange, MAX_POINTS, parseRangeSeconds, timestamps } from './range.js';

describe('dashboard ranges', () => {
  it.each([
    ['1h', 60, 61],
    ['6h', 60, 361],
    ['8h', 60, 481],
    ['12h', 120, 361],
    ['24h', 300, 289],
    ['2d', 600, 289],
    ['3d', 600, 433],
    ['7d', 1800, 337],
    ['90m', 60, 91],
  ])('%s gets a %i s step and %i points, never more than the maximum', (text, step, points) => {
    const range = dashboardRange(text, new Date('2026-12-04T22:47:13Z'));
    expect(range.stepSeconds).toBe(step);
    expect(timestamps(range)).toHaveLength(points);
    expect(points).toBeLessThanOrEqual(MAX_POINTS);
  });

  it('picks the smallest round step under the limit for every range from 1h to 7d', () => {
    for (let seconds = 3600; seconds <= 7 * 86400; seconds += 3600) {
      const step = chooseStep(seconds);
      expect(Math.floor(seconds / step) + 1).toBeLessThanOrEqual(MAX_POINTS);
      const finer = [60, 120, 300, 600, 900, 1200, 1800, 3600].filter((candidate) => candidate < step);
      for (const candidate of finer) expect(Math.floor(seconds / candidate) + 1).toBeGreaterThan(MAX_POINTS);
    }
  });

  it('aligns both ends to the step, so a later request in the same step asks for the same grid', () => {
    const a = dashboardRange('24h', new Date('2026-12-04T22:47:13Z'));
    const b = dashboardRange('24h', new Date('2026-12-04T22:49:59Z'));
    expect(a.end.toISOString()).toBe('2026-12-04T22:45:00.000Z');
    expect(a.start.toISOString()).toBe('2026-12-03T22:45:00.000Z');
    expect(b).toEqual(a);
    // Each point averages at least 5 minutes, so rate() always has two scrapes.
    expect(dashboardRange('1h', new Date()).windowSeconds).toBe(300);
  });

  it.each([
    '8d',
    '169h',
    '59m',
    '0h',
    '-1h',
    '1.5h',
    '1w',
    '',
    '7d ',
    '1h{resource=~".*"}',
    '10000000d',
    '1e3h',
  ])('refuses %j with a 400 naming the bounds', (text) => {
    let error: unknown;
    try {
      parseRangeSeconds(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StewardError);
    expect((error as StewardError).kind).toBe('invalid');
    expect((error as StewardError).code).toBe('INVALID_RANGE');
    expect((error as StewardError).message).toContain('from 1h to 7d');
  });

  it('accepts the bounds themselves', () => {
    expect(parseRangeSeconds('1h')).toBe(3600);
    expect(parseRangeSeconds('60m')).toBe(3600);
    expect(parseRangeSeconds('7d')).toBe(604800);
    expect(parseRangeSeconds('168h')).toBe(604800);
  });
});
