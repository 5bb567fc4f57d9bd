import { describe, expect, it } from 'vitest';
import { nextRuns } from './next-runs.js';

const after = new Date('2026-12-04T10:07:30Z');

describe('nextRuns', () => {
  it('adds whole seconds for an interval', () => {
    expect(nextRuns('3600', after, 2)).toEqual({
      ok: true,
      times: [new Date('2026-12-04T11:07:30Z'), new Date('2026-12-04T12:07:30Z')],
    });
  });

  it('reads a cron expression in UTC, as the server schedules it', () => {
    expect(nextRuns('*/30 * * * *', after, 3)).toEqual({
      ok: true,
      times: [
        new Date('2026-12-04T10:30:00Z'),
        new Date('2026-12-04T11:00:00Z'),
        new Date('2026-12-04T11:30:00Z'),
      ],
    });
  });

  it.each([
    ['', 'no interval yet'],
    ['0', 'the interval must be a positive number of seconds'],
    ['every hour', 'not a valid cron expression'],
  ])('says why %j has no runs', (interval, reason) => {
    const runs = nextRuns(interval, after);
    expect(runs.ok).toBe(false);
    expect(runs.ok ? '' : runs.reason).toContain(reason);
  });
});
