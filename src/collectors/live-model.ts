/**
 * A live model kept fresh by notifications, whatever the model (compute from Nova, storage from Cinder): a
 * periodic full sync (`periodic-sync.ts`) plus a notification subscription. No notification is lost to a sync:
 * while one runs, every notification is applied to the current model *and* journaled (`notification-journal.ts`);
 * when the sync's model arrives the journal is replayed on it before it replaces the old one, and the collector's
 * staleness rules drop what the sync already saw. Notifications that arrive before the first model exists wait in
 * the same journal. A `needs_resync` outcome schedules one sync, no sooner than `resyncMinIntervalMs` after the
 * last one started. When the bus reconnects after losing its connection, the notifications sent meanwhile are lost
 * for good, so a full sync follows at once (after the running one, which may have read the cloud before them). The
 * compute and storage providers are this, with their collector, scope and metrics.
 */
import type { Bus, Destination, Subscription } from '../bus/bus.js';
import { StewardError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { ModelRequest } from '../model/model-provider.js';
import { ScopeError } from '../model/scope.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { NotificationResult } from './nova-notifications.js';
import { NotificationJournal } from './notification-journal.js';
import { createPeriodicSync } from './periodic-sync.js';

/** What a live model needs of a collector: decode a raw message, apply a decoded one as an outcome value. */
export interface ModelNotificationCollector<M, N extends { eventType: string }> {
  receive(body: unknown): { ok: true; notification: N } | { ok: false; result: NotificationResult };
  apply(model: M, notification: N, receivedAt?: Date): NotificationResult;
}

/** The options both providers take from their callers. */
export interface LiveModelSettings<M> {
  /** A full sync from the cloud. Elements should be stamped no later than the reads. */
  collect: (signal?: AbortSignal) => Promise<M>;
  /** Where the notifications arrive; without it the model changes only by syncs. */
  bus?: Bus;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  /** Time between the end of one periodic sync and the start of the next (upstream's collector `period`). */
  syncIntervalMs: number;
  /** After a failed sync, the next try comes this soon. Default: the smaller of syncIntervalMs and one minute. */
  retryIntervalMs?: number;
  /**
   * Least time from the start of one sync to an on-demand one caused by `needs_resync`, so an element the sync
   * cannot add does not make every event for it trigger a sync. Default 30 s.
   */
  resyncMinIntervalMs?: number;
  /** Notifications journaled during one sync; beyond it they are still applied, and another sync follows. Default 100,000. */
  journalLimit?: number;
}

export interface LiveModelOptions<M, N extends { eventType: string }> extends LiveModelSettings<M> {
  /** Names the logs (`compute model synced`), the sync-duration metric label and the provider. */
  kind: 'compute' | 'storage';
  collector: ModelNotificationCollector<M, N>;
  /** The event types the collector handles: their names are safe metric labels. */
  eventTypes: Readonly<Record<string, unknown>>;
  destination: Destination;
  /** The model's element counts, for the `steward_model_elements` gauges and the sync log line. */
  elements(model: M): Record<string, number>;
  /** Log fields of a finished sync. */
  describe(model: M): Record<string, number>;
  /** A private copy filtered by an audit scope; throws ScopeError for a scope that cannot apply. */
  scope(model: M, scope: readonly unknown[] | undefined): M;
  /** The operator-facing sentence when no sync has succeeded yet. */
  unavailable(lastError: string | undefined): string;
}

/** What `ingest` did: a notification outcome, or `journaled` when no model exists yet to apply it to. */
export type IngestResult = NotificationResult | { outcome: 'journaled'; eventType: string };

export type LiveModelChange<M> =
  | { kind: 'sync'; model: M }
  | { kind: 'notification'; model: M; result: NotificationResult }
  | { kind: 'refresh'; model: M };

export interface LiveModel<M> {
  /** Subscribes to the notifications, then starts the first sync and the periodic ones; resolves once subscribed. */
  start(): Promise<void>;
  /** Unsubscribes and stops the periodic sync; a running sync is aborted through its signal. */
  stop(): Promise<void>;
  refresh(signal?: AbortSignal): Promise<void>;
  /** A private copy filtered by the request's scope, after a forced refresh or the first sync when needed. */
  read(request?: ModelRequest): Promise<M>;
  readonly lastSyncedAt: Date | undefined;
  /** The shared live model, for readers that copy what they need. Never mutate it. */
  readonly current: M | undefined;
  /** Feeds one raw bus message (what the subscription does); never throws. */
  ingest(body: unknown): IngestResult;
  /** Called after every sync and every applied notification; returns the unsubscribe function. */
  onChange(listener: (change: LiveModelChange<M>) => void): () => void;
  /** Resolves with the live model once `predicate` holds; rejects after `timeoutMs` on the injected clock. */
  waitFor(predicate: (model: M) => boolean, timeoutMs?: number): Promise<M>;
  /**
   * Applies a targeted change read from the cloud (a few elements re-read, not a sync) to the live model and tells
   * the listeners; false when there is no model yet.
   */
  amend(apply: (model: M) => void): boolean;
}

const DEFAULT_RESYNC_MIN_INTERVAL_MS = 30_000;
const DEFAULT_JOURNAL_LIMIT = 100_000;
const SAFE_EVENT_TYPE = /^[a-z0-9_.]{1,64}$/;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createLiveModel<M, N extends { eventType: string }>(
  options: LiveModelOptions<M, N>,
): LiveModel<M> {
  const { clock, metrics, collector, kind } = options;
  const log = options.logger.child({ part: `${kind}-model` });
  const journalLimit = options.journalLimit ?? DEFAULT_JOURNAL_LIMIT;
  const journal = new NotificationJournal<N>(journalLimit);
  const resyncMinIntervalMs = options.resyncMinIntervalMs ?? DEFAULT_RESYNC_MIN_INTERVAL_MS;
  const listeners = new Set<(change: LiveModelChange<M>) => void>();
  let model: M | undefined;
  let resyncWanted = false;
  let resyncScheduled = false;
  let syncAgain = false;
  let subscription: Subscription | undefined;

  const syncs = createPeriodicSync({
    name: `${kind} model provider`,
    clock,
    syncIntervalMs: options.syncIntervalMs,
    ...(options.retryIntervalMs !== undefined && { retryIntervalMs: options.retryIntervalMs }),
    sync: runSync,
    onSynced: () => {
      if (model !== undefined) emit({ kind: 'sync', model });
    },
    afterSync: () => {
      if (syncAgain) {
        syncAgain = false;
        syncs.refresh().catch(() => undefined);
        return;
      }
      if (resyncWanted) {
        resyncWanted = false;
        requestResync('a notification replayed after the sync still needs one');
      }
    },
  });

  // Event types come from the wire: keep the metric's label set bounded.
  const label = (eventType: string) =>
    eventType in options.eventTypes || SAFE_EVENT_TYPE.test(eventType) ? eventType : 'other';

  function count(result: NotificationResult): void {
    metrics?.notificationsTotal.inc({ event_type: label(result.eventType), outcome: result.outcome });
    const fields = { eventType: result.eventType, outcome: result.outcome, reason: result.reason };
    if (result.outcome === 'dropped_malformed' || result.outcome === 'undecodable')
      log.warn(fields, 'notification dropped');
    else if (result.outcome === 'needs_resync') log.info(fields, 'notification needs a sync');
    else log.debug(fields, 'notification');
  }

  function setElementGauges(current: M): void {
    if (!metrics) return;
    for (const [element, value] of Object.entries(options.elements(current))) {
      metrics.modelElements.set({ kind: element }, value);
    }
  }

  function onChange(listener: (change: LiveModelChange<M>) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  function emit(change: LiveModelChange<M>): void {
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (error) {
        log.error({ err: error }, 'model change listener failed');
      }
    }
  }

  function requestResync(reason: string): void {
    // A running sync replays the journaled event on its new model and decides then; otherwise one sync is
    // scheduled, no sooner than resyncMinIntervalMs after the last one started, for however many requests.
    if (syncs.running || resyncScheduled || syncs.stopping.aborted) return;
    resyncScheduled = true;
    metrics?.modelResyncs.inc({ model: kind, cause: 'needs_resync' });
    const started = syncs.lastSyncStartedAt;
    const waitMs = started ? Math.max(0, started.getTime() + resyncMinIntervalMs - clock.now().getTime()) : 0;
    log.info({ reason, inMs: waitMs }, `syncing the ${kind} model on demand`);
    clock.sleep(waitMs, syncs.stopping).then(
      () => {
        resyncScheduled = false;
        syncs.refresh().catch(() => undefined);
      },
      () => undefined,
    );
  }

  /** Not rate-limited as `needs_resync` is: a reconnection comes once per outage, and the loss is certain. */
  function resyncAfterReconnect(): void {
    if (syncs.stopping.aborted) return;
    metrics?.modelResyncs.inc({ model: kind, cause: 'bus_reconnect' });
    log.info(
      { syncRunning: syncs.running },
      `the bus reconnected; notifications sent while it was down are lost, so the ${kind} model syncs again`,
    );
    if (syncs.running) syncAgain = true;
    else syncs.refresh().catch(() => undefined);
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
      metrics?.modelSyncDuration.observe({ model: kind }, seconds);
      setElementGauges(fresh);
      log.info(
        { ...options.describe(fresh), journaled: entries.length, replayed, seconds },
        `${kind} model synced`,
      );
    } catch (error) {
      // Journaled events were applied to the old model already; before any model exists they wait for the next try.
      if (model !== undefined) journal.discard();
      if (signal.aborted) log.info({ err: error }, `${kind} model sync abandoned: stopping`);
      else
        log.error(
          { err: error, keptModel: model !== undefined },
          `${kind} model sync failed; the previous model stays`,
        );
      throw error;
    }
  }

  function ingest(body: unknown): IngestResult {
    const received = collector.receive(body);
    if (!received.ok) {
      count(received.result);
      return received.result;
    }
    const notification = received.notification;
    const receivedAt = clock.now();
    journal.record(notification, receivedAt, model !== undefined);
    if (model === undefined) return { outcome: 'journaled', eventType: notification.eventType };
    const result = collector.apply(model, notification, receivedAt);
    count(result);
    if (result.outcome === 'applied') {
      setElementGauges(model);
      emit({ kind: 'notification', model, result });
    }
    if (result.outcome === 'needs_resync') requestResync(result.reason ?? result.eventType);
    return result;
  }

  return {
    async start() {
      if (options.bus) {
        // Subscribed before the first sync starts, so nothing sent during it is missed. No queue name: every
        // process keeps its own model and needs every notification (fan-out).
        subscription = await options.bus.subscribe(
          options.destination,
          (message) => {
            try {
              ingest(message);
            } catch (error) {
              log.error({ err: error }, 'notification handling failed');
            }
            return Promise.resolve();
          },
          {
            onUndecodable: (reason) => count({ outcome: 'undecodable', eventType: 'unknown', reason }),
            onReconnected: resyncAfterReconnect,
          },
        );
      }
      syncs.start();
    },

    async stop() {
      // Aborts at once; the subscription closes before the loop is awaited.
      const stopped = syncs.stop();
      await subscription?.close();
      subscription = undefined;
      await stopped;
    },

    refresh: (signal) => syncs.refresh(signal),

    async read(request: ModelRequest = {}) {
      await syncs.ready(request, model !== undefined);
      if (model === undefined) {
        const lastError = syncs.lastError;
        throw new StewardError(
          'unavailable',
          'UPSTREAM_UNAVAILABLE',
          options.unavailable(lastError ? messageOf(lastError) : undefined),
          { cause: lastError, retryable: true },
        );
      }
      try {
        return options.scope(model, request.scope);
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

    onChange,

    amend(apply) {
      if (model === undefined) return false;
      apply(model);
      setElementGauges(model);
      emit({ kind: 'refresh', model });
      return true;
    },

    waitFor(predicate, timeoutMs = 5_000) {
      if (model !== undefined && predicate(model)) return Promise.resolve(model);
      return new Promise<M>((resolve, reject) => {
        const timer = new AbortController();
        const off = onChange((change) => {
          if (!predicate(change.model)) return;
          off();
          timer.abort();
          resolve(change.model);
        });
        clock.sleep(timeoutMs, timer.signal).then(
          () => {
            off();
            reject(new Error(`the ${kind} model did not reach the awaited state within ${timeoutMs} ms`));
          },
          () => undefined,
        );
      });
    },
  };
}
