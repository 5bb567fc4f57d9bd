/**
 * `--wait` on `audit create` and `actionplan start`: poll the resource until it ends, then print it; the exit status
 * says how it ended, as `steward actionplan watch`'s does, so a script can branch on it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WATCH_EXIT } from './action-plan-watch.js';

/** Exit status of a resource that ended in this state (the watch's, for plans and audits alike). */
export const END_EXIT: Readonly<Record<string, number>> = {
  SUCCEEDED: WATCH_EXIT.SUCCEEDED,
  FAILED: WATCH_EXIT.FAILED,
  CANCELLED: WATCH_EXIT.CANCELLED,
  SUSPENDED: WATCH_EXIT.CANCELLED,
  DELETED: WATCH_EXIT.CANCELLED,
  SUPERSEDED: WATCH_EXIT.SUPERSEDED,
};

/** How often `--wait` asks the API. */
export const WAIT_INTERVAL_MS = 500;

/** Reads the resource until its state is an end state (END_EXIT); returns it. API errors propagate. */
export async function waitUntilEnded<T extends { state?: unknown }>(
  read: () => Promise<T>,
  intervalMs = WAIT_INTERVAL_MS,
): Promise<T> {
  for (;;) {
    const current = await read();
    if (typeof current.state === 'string' && current.state in END_EXIT) return current;
    await sleep(intervalMs);
  }
}
