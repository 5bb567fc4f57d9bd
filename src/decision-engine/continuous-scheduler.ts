/**
 * Schedules CONTINUOUS audits. Only the process holding the `continuous-audits` advisory lock schedules, so many
 * decision engines can run on one database. Time comes from the injected clock: tests advance a ManualClock.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Leadership, Store } from '../store/store.js';
import { nextRunTime } from './schedule.js';

export interface ContinuousSchedulerDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  scanIntervalMs: number;
  /** Runs the audit now (the engine's worker pool). */
  runAudit(auditUuid: string): Promise<unknown>;
}

export interface ContinuousScheduler {
  start(): void;
  stop(): Promise<void>;
  /** One scan: end expired audits, run due ones. Returns the audits run. */
  tick(): Promise<string[]>;
}

export function createContinuousScheduler(deps: ContinuousSchedulerDeps): ContinuousScheduler {
  const log = deps.logger.child({ part: 'continuous-scheduler' });
  const stopping = new AbortController();
  let leadership: Leadership | undefined;
  let loop: Promise<void> | undefined;

  async function tick(): Promise<string[]> {
    if (leadership?.lost) {
      log.warn('lost the continuous-audits lock with its database session; trying to take it again');
      await leadership.release().catch(() => undefined);
      leadership = undefined;
    }
    leadership ??= await deps.store.tryAcquireLeadership('continuous-audits');
    if (!leadership) return [];
    const now = deps.clock.now();
    const audits = await deps.store.audits.list({
      limit: 1000,
      filters: { auditTypes: ['CONTINUOUS'], states: ['PENDING', 'ONGOING'] },
    });
    const ran: string[] = [];
    for (const audit of audits) {
      if (audit.endTime && audit.endTime.getTime() < now.getTime()) {
        await deps.store.audits.updateIfState(audit.uuid, ['PENDING', 'ONGOING'], {
          state: 'SUCCEEDED',
          nextRunTime: null,
        });
        log.info({ audit: audit.uuid }, 'continuous audit reached its end_time');
        continue;
      }
      if (audit.startTime && audit.startTime.getTime() > now.getTime()) continue;
      if (audit.nextRunTime && audit.nextRunTime.getTime() > now.getTime()) continue;
      if (!audit.interval) continue;
      await deps.store.audits.update(audit.uuid, { nextRunTime: nextRunTime(audit.interval, now) });
      await deps.runAudit(audit.uuid);
      ran.push(audit.uuid);
    }
    return ran;
  }

  return {
    start() {
      loop = (async () => {
        while (!stopping.signal.aborted) {
          try {
            await tick();
          } catch (error) {
            log.error({ err: error }, 'continuous audit scan failed');
          }
          await deps.clock.sleep(deps.scanIntervalMs, stopping.signal).catch(() => undefined);
        }
      })();
    },
    async stop() {
      stopping.abort();
      await loop;
      await leadership?.release();
      leadership = undefined;
    },
    tick,
  };
}
