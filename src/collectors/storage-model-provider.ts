/**
 * The live storage model: a periodic full sync from Cinder (`collect`, src/collectors/cinder-sync.ts) on the
 * shared sync loop (`periodic-sync.ts`), kept fresh between syncs by Cinder's notifications
 * (`cinder-notifications.ts`). As in the compute provider, notifications that arrive during a sync are applied and
 * journaled (`notification-journal.ts`), then replayed on the sync's model; a `needs_resync` outcome (an unknown
 * pool, a capacity report the model cannot explain) schedules a sync. Each caller gets a private copy filtered by
 * the audit scope's `storage` rules (`src/model/storage-scope.ts`).
 */
import { DESTINATIONS, type Bus, type Subscription } from '../bus/bus.js';
import { StewardError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { ModelRequest, StorageModelProvider } from '../model/model-provider.js';
import { ScopeError } from '../model/scope.js';
import type { StorageModel } from '../model/storage-model.js';
import { scopeStorageModel } from '../model/storage-scope.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import {
  CINDER_EVENT_HANDLING,
  CinderNotificationCollector,
  type CinderNotification,
} from './cinder-notifications.js';
import type { NotificationResult } from './nova-notifications.js';
import { NotificationJournal } from './notification-journal.js';
import { createPeriodicSync } from './periodic-sync.js';

export interface StorageModelProviderOptions {
  /** A full sync from Cinder. */
  collect: (signal?: AbortSignal) => Promise<StorageModel>;
  /** Where Cinder's notifications arrive; without it the model changes only by syncs. */
  bus?: Bus;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  /** Time between the end of one periodic sync and the start of the next (upstream's collector `period`). */
  syncIntervalMs: number;
  /** After a failed sync, the next try comes this soon. Default: the smaller of syncIntervalMs and one minute. */
  retryIntervalMs?: number;
  /** Message ids remembered to drop redeliveries. Default 10,000. */
  duplicateWindow?: number;
  /** Least time from the start of one sync to an on-demand one caused by `needs_resync`. Default 30 s. */
  resyncMinIntervalMs?: number;
  /** Notifications journaled during one sync; beyond it they are still applied, and another sync follows. Default 100,000. */
  journalLimit?: number;
}

/** What `ingest` did: a notification outcome, or `journaled` when no model exists yet to apply it to. */
export type StorageIngestResult = NotificationResult | { outcome: 'journaled'; eventType: string };

export interface LiveStorageModelProvider extends StorageModelProvider {
  /** Subscribes to Cinder's notifications, then starts the first sync and the periodic ones. */
  start(): Promise<void>;
  /** Unsubscribes and stops the periodic sync; a running sync is aborted through its signal. */
  stop(): Promise<void>;
  /** The shared live model, for readers that copy what they need. Never mutate it. */
  readonly current: StorageModel | undefined;
  /** Feeds one raw bus message (what the subscription does); never throws. */
  ingest(body: unknown): StorageIngestResult;
  /** Called after every sync and every applied notification; returns the unsubscribe function. */
  onChange(listener: (model: StorageModel) => void): () => void;
}

const DEFAULT_RESYNC_MIN_INTERVAL_MS = 30_000;
const DEFAULT_JOURNAL_LIMIT = 100_000;
const SAFE_EVENT_TYPE = /^[a-z0-9_.]{1,64}$/;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createStorageModelProvider(options: StorageModelProviderOptions): LiveStorageModelProvider {
  const { clock, metrics } = options;
  const log = options.logger.child({ part: 'storage-model' });
  const collector = new CinderNotificationCollector(
    options.duplicateWindow !== undefined ? { duplicateWindow: options.duplicateWindow } : {},
  );
  const journalLimit = options.journalLimit ?? DEFAULT_JOURNAL_LIMIT;
  const journal = new NotificationJournal<CinderNotification>(journalLimit);
  const resyncMinIntervalMs = options.resyncMinIntervalMs ?? DEFAULT_RESYNC_MIN_INTERVAL_MS;
  const listeners = new Set<(model: StorageModel) => void>();
  let model: StorageModel | undefined;
  let resyncWanted = false;
  let resyncScheduled = false;
  let subscription: Subscription | undefined;

  const syncs = createPeriodicSync({
    name: 'storage model provider',
    clock,
    syncIntervalMs: options.syncIntervalMs,
    ...(options.retryIntervalMs !== undefined && { retryIntervalMs: options.retryIntervalMs }),
    sync: runSync,
    onSynced: () => {
      if (model) emit(model);
    },
    afterSync: () => {
      if (resyncWanted) {
        resyncWanted = false;
        requestResync('a notification replayed after the sync still needs one');
      }
    },
  });

  const label = (eventType: string) =>
    eventType in CINDER_EVENT_HANDLING || SAFE_EVENT_TYPE.test(eventType) ? eventType : 'other';

  function count(result: NotificationResult): void {
    metrics?.notificationsTotal.inc({ event_type: label(result.eventType), outcome: result.outcome });
    const fields = { eventType: result.eventType, outcome: result.outcome, reason: result.reason };
    if (result.outcome === 'dropped_malformed') log.warn(fields, 'notification dropped');
    else if (result.outcome === 'needs_resync') log.info(fields, 'notification needs a sync');
    else log.debug(fields, 'notification');
  }

  function setElementGauges(current: StorageModel): void {
    metrics?.modelElements.set({ kind: 'storage_node' }, current.nodeCount);
    metrics?.modelElements.set({ kind: 'pool' }, current.poolCount);
    metrics?.modelElements.set({ kind: 'volume' }, current.volumeCount);
  }

  function emit(current: StorageModel): void {
    for (const listener of [...listeners]) {
      try {
        listener(current);
      } catch (error) {
        log.error({ err: error }, 'model change listener failed');
      }
    }
  }

  function requestResync(reason: string): void {
    if (syncs.running || resyncScheduled || syncs.stopping.aborted) return;
    resyncScheduled = true;
    const started = syncs.lastSyncStartedAt;
    const waitMs = started ? Math.max(0, started.getTime() + resyncMinIntervalMs - clock.now().getTime()) : 0;
    log.info({ reason, inMs: waitMs }, 'syncing the storage model on demand');
    clock.sleep(waitMs, syncs.stopping).then(
      () => {
        resyncScheduled = false;
        syncs.refresh().catch(() => undefined);
      },
      () => undefined,
    );
  }

  async function runSync(signal: AbortSignal, started: Date): Promise<void> {
    journal.open();
    try {
      const fresh = await options.collect(signal);
      const { entries, overflowed } = journal.take();
      let replayed = 0;
      for (const entry of entries) {
        const result = collector.apply(fresh, entry.notification, entry.receivedAt);
        if (!entry.counted) count(result);
        if (result.outcome === 'applied') replayed++;
        if (result.outcome === 'needs_resync') resyncWanted = true;
      }
      if (overflowed) {
        log.warn(
          { journalLimit },
          'more notifications arrived during the sync than the journal holds; syncing again',
        );
        resyncWanted = true;
      }
      model = fresh;
      const seconds = (clock.now().getTime() - started.getTime()) / 1000;
      metrics?.modelSyncDuration.observe({ model: 'storage' }, seconds);
      setElementGauges(fresh);
      log.info(
        {
          nodes: fresh.nodeCount,
          pools: fresh.poolCount,
          volumes: fresh.volumeCount,
          journaled: entries.length,
          replayed,
          seconds,
        },
        'storage model synced',
      );
    } catch (error) {
      if (model) journal.discard();
      if (signal.aborted) log.info({ err: error }, 'storage model sync abandoned: stopping');
      else
        log.error(
          { err: error, keptModel: model !== undefined },
          'storage model sync failed; the previous model stays',
        );
      throw error;
    }
  }

  function ingest(body: unknown): StorageIngestResult {
    const received = collector.receive(body);
    if (!received.ok) {
      count(received.result);
      return received.result;
    }
    const notification = received.notification;
    const receivedAt = clock.now();
    journal.record(notification, receivedAt, model !== undefined);
    if (!model) return { outcome: 'journaled', eventType: notification.eventType };
    const result = collector.apply(model, notification, receivedAt);
    count(result);
    if (result.outcome === 'applied') {
      setElementGauges(model);
      emit(model);
    }
    if (result.outcome === 'needs_resync') requestResync(result.reason ?? result.eventType);
    return result;
  }

  function unavailable(): StewardError {
    const lastError = syncs.lastError;
    return new StewardError(
      'unavailable',
      'UPSTREAM_UNAVAILABLE',
      `The storage data model is not available: no sync from Cinder has succeeded yet${lastError ? ` (last error: ${messageOf(lastError)})` : ''}; check that the cloud offers Cinder and the decision engine logs.`,
      { cause: lastError, retryable: true },
    );
  }

  return {
    async start() {
      if (options.bus) {
        // Subscribed before the first sync starts; no queue name: every process keeps its own model (fan-out).
        subscription = await options.bus.subscribe(DESTINATIONS.cinderNotifications, (message) => {
          try {
            ingest(message);
          } catch (error) {
            log.error({ err: error }, 'notification handling failed');
          }
          return Promise.resolve();
        });
      }
      syncs.start();
    },

    async stop() {
      const stopped = syncs.stop();
      await subscription?.close();
      subscription = undefined;
      await stopped;
    },

    refresh: (signal) => syncs.refresh(signal),

    async getStorageModel(request: ModelRequest = {}) {
      await syncs.ready(request, model !== undefined);
      if (!model) throw unavailable();
      try {
        return scopeStorageModel(model, request.scope);
      } catch (error) {
        if (error instanceof ScopeError)
          throw new StewardError('invalid', 'INVALID_SCOPE', error.message, { cause: error });
        throw error;
      }
    },

    get lastSyncedAt() {
      return syncs.lastSyncedAt;
    },

    get current() {
      return model;
    },

    ingest,

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
