/** When a continuous audit runs next: every N seconds, or at the next time a cron expression names (croner). */
import { Cron } from 'croner';

export function isIntervalSeconds(interval: string): boolean {
  return /^\d+$/.test(interval.trim());
}

/** Throws a readable error for an interval that is neither whole seconds nor a valid cron expression. */
export function validateInterval(interval: string): void {
  if (isIntervalSeconds(interval)) {
    if (Number(interval) <= 0) throw new RangeError('interval must be a positive number of seconds');
    return;
  }
  try {
    new Cron(interval, { paused: true });
  } catch (error) {
    throw new RangeError(
      `Provided cron is invalid: ${interval} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

export function nextRunTime(interval: string, after: Date): Date {
  if (isIntervalSeconds(interval)) return new Date(after.getTime() + Number(interval) * 1000);
  const next = new Cron(interval, { paused: true, timezone: 'UTC' }).nextRun(after);
  if (!next) throw new RangeError(`cron expression ${interval} has no future run`);
  return next;
}
