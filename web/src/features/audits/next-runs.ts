/**
 * When a continuous audit would run, as Steward schedules it (`src/decision-engine/schedule.ts`): every N seconds,
 * or the times a cron expression names, read by the same library (croner) in UTC.
 */
import { Cron } from 'croner';

export type NextRuns = { ok: true; times: Date[] } | { ok: false; reason: string };

export function nextRuns(interval: string, after: Date, count = 3): NextRuns {
  const text = interval.trim();
  if (text === '') return { ok: false, reason: 'no interval yet' };
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    if (seconds <= 0) return { ok: false, reason: 'the interval must be a positive number of seconds' };
    return {
      ok: true,
      times: Array.from(
        { length: count },
        (_, index) => new Date(after.getTime() + (index + 1) * seconds * 1000),
      ),
    };
  }
  try {
    const times = new Cron(text, { paused: true, timezone: 'UTC' }).nextRuns(count, after);
    return times.length === 0
      ? { ok: false, reason: 'this cron expression has no future run' }
      : { ok: true, times };
  } catch (error) {
    return {
      ok: false,
      reason: `not a valid cron expression (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
