/**
 * The live compute model: a periodic full sync (Nova + Placement, `collect`) kept fresh between syncs by Nova's
 * versioned notifications. No notification is lost to a sync: while one runs, every notification is applied to
 * the current model *and* journaled; when the sync's model arrives the journal is replayed on it before it
 * replaces the old one, and the staleness rules drop what the sync already saw. Notifications that arrive before
 * the first model exists wait in the same journal (mission section 7, upstream bug 2152645).
 */
import { DESTINATIONS, type Bus, type Subscription } from '../bus/bus.js';
import { StewardError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { ComputeModelProvider, ModelRequest } from '../model/model-provider.js';
import { ScopeError, scopeComputeModel } from '../model/scope.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import {
  EVENT_HANDLING,
  NovaNotificationCollector,
  type NotificationResult,
  type NovaNotification,
} from './nova-notifications.js';
import { NotificationJournal } from './notification-journal.js';
import { createPeriodicSync } from './periodic-sync.js';

export interface ComputeModelProviderOptions {
  /** A full sync from the cloud (src/collectors/nova-sync.ts). Elements should be stamped no later than the reads. */
  collect: (signal?: AbortSignal) => Promise<ClusterModel>;
  /** Where Nova's notifications arrive; without it the model changes only by syncs. */
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
  /**
   * Least time from the start of one sync to an on-demand one caused by `needs_resync`, so a host the sync cannot
   * add (no Placement inventory) does not make every event for it trigger a sync. Default 30 s.
   */
  resyncMinIntervalMs?: number;
  /** Notifications journaled during one sync; beyond it they are still applied, and another sync follows. Default 100,000. */
  journalLimit?: number;
  /** Nova's `[DEFAULT] default_availability_zone`. Default `nova`. */
  defaultAvailabilityZone?: string;
}

/** What `ingest` did: a notification outcome, or `journaled` when no model exists yet to apply it to. */
export type IngestResult = NotificationResult | { outcome: 'journaled'; eventType: string };

export type ModelChange =
  | { kind: 'sync'; model: ClusterModel }
  | { kind: 'notification'; model: ClusterModel; result: NotificationResult };

export interface LiveComputeModelProvider extends ComputeModelProvider {
  /** Subscribes to Nova's notifications, then starts the first sync and the periodic ones; resolves once subscribed. */
  start(): Promise<void>;
  /** Unsubscribes and stops the periodic sync; a running sync is aborted through its signal. */
  stop(): Promise<void>;
  /** The shared live model, for readers that copy what they need (the data-model API). Never mutate it. */
  readonly current: ClusterModel | undefined;
  /** Feeds one raw bus message (what the subscription does); never throws. */
  ingest(body: unknown): IngestResult;
  /** Called after every sync and every applied notification; returns the unsubscribe function. */
  onChange(listener: (change: ModelChange) => void): () => void;
  /** Resolves with the live model once `predicate` holds; rejects after `timeoutMs` on the injected clock. */
  waitFor(predicate: (model: ClusterModel) => boolean, timeoutMs?: number): Promise<ClusterModel>;
}

const DEFAULT_RESYNC_MIN_INTERVAL_MS = 30_000;
const DEFAULT_JOURNAL_LIMIT = 100_000;
const SAFE_EVENT_TYPE = /^[a-z0-9_.]{1,64}$/;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createComputeModelProvider(options: ComputeModelProviderOptions): LiveComputeModelProvider {
  const { clock, metrics } = options;
  const log = options.logger.child({ part: 'compute-model' });
  const collector = new NovaNotificationCollector({
    ...(options.duplicateWindow !== undefined && { duplicateWindow: options.duplicateWindow }),
    ...(options.defaultAvailabilityZone !== undefined && {
      defaultAvailabilityZone: options.defaultAvailabilityZone,
    }),
  });
  const journalLimit = options.journalLimit ?? DEFAULT_JOURNAL_LIMIT;
  const resyncMinIntervalMs = options.resyncMinIntervalMs ?? DEFAULT_RESYNC_MIN_INTERVAL_MS;
  const listeners = new Set<(change: ModelChange) => void>();

  let model: ClusterModel | undefined;
  const journal = new NotificationJournal<NovaNotification>(journalLimit);
  let resyncWanted = false;
  let resyncScheduled = false;
  let subscription: Subscription | undefined;
  const syncs = createPeriodicSync({
    name: 'compute model provider',
    clock,
    syncIntervalMs: options.syncIntervalMs,
    ...(options.retryIntervalMs !== undefined && { retryIntervalMs: options.retryIntervalMs }),
    sync: runSync,
    onSynced: () => {
      if (model) emit({ kind: 'sync', model });
    },
    afterSync: () => {
      if (resyncWanted) {
        resyncWanted = false;
        requestResync('a notification replayed after the sync still needs one');
      }
    },
  });
  const stopping = syncs.stopping;

  // Event types come from the wire: keep the metric's label set bounded.
  const label = (eventType: string) =>
    eventType in EVENT_HANDLING || SAFE_EVENT_TYPE.test(eventType) ? eventType : 'other';

  function count(result: NotificationResult): void {
    metrics?.notificationsTotal.inc({ event_type: label(result.eventType), outcome: result.outcome });
    const fields = { eventType: result.eventType, outcome: result.outcome, reason: result.reason };
    if (result.outcome === 'dropped_malformed') log.warn(fields, 'notification dropped');
    else if (result.outcome === 'needs_resync') log.info(fields, 'notification needs a sync');
    else log.debug(fields, 'notification');
  }

  function setElementGauges(current: ClusterModel): void {
    if (!metrics) return;
    metrics.modelElements.set({ kind: 'compute_node' }, current.nodeCount);
    metrics.modelElements.set({ kind: 'instance' }, current.instanceCount);
    let aggregates = 0;
    for (const _aggregate of current.aggregates()) aggregates++;
    metrics.modelElements.set({ kind: 'aggregate' }, aggregates);
  }

  function onChange(listener: (change: ModelChange) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  function emit(change: ModelChange): void {
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
    if (syncs.running || resyncScheduled || stopping.aborted) return;
    resyncScheduled = true;
    const started = syncs.lastSyncStartedAt;
    const waitMs = started ? Math.max(0, started.getTime() + resyncMinIntervalMs - clock.now().getTime()) : 0;
    log.info({ reason, inMs: waitMs }, 'syncing the compute model on demand');
    clock.sleep(waitMs, stopping).then(
      () => {
        resyncScheduled = false;
        refresh().catch(() => undefined);
      },
      () => undefined,
    );
  }

  async function runSync(signal: AbortSignal, started: Date): Promise<void> {
    journal.open();
    try {
      const fresh = await options.collect(signal);
      const { entries: replay, overflowed } = journal.take();
      let replayed = 0;
      for (const entry of replay) {
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
      metrics?.modelSyncDuration.observe({ model: 'compute' }, seconds);
      setElementGauges(fresh);
      log.info(
        {
          nodes: fresh.nodeCount,
          instances: fresh.instanceCount,
          journaled: replay.length,
          replayed,
          seconds,
        },
        'compute model synced',
      );
    } catch (error) {
      // Journaled events were applied to the old model already; before any model exists they wait for the next try.
      if (model) journal.discard();
      if (signal.aborted) log.info({ err: error }, 'compute model sync abandoned: stopping');
      else
        log.error(
          { err: error, keptModel: model !== undefined },
          'compute model sync failed; the previous model stays',
        );
      throw error;
    }
  }

  const refresh = (signal?: AbortSignal): Promise<void> => syncs.refresh(signal);

  function ingest(body: unknown): IngestResult {
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
      emit({ kind: 'notification', model, result });
    }
    if (result.outcome === 'needs_resync') requestResync(result.reason ?? result.eventType);
    return result;
  }

  function unavailable(): StewardError {
    return new StewardError(
      'unavailable',
      'UPSTREAM_UNAVAILABLE',
      `The compute data model is not available: no sync from Nova and Placement has succeeded yet${syncs.lastError ? ` (last error: ${messageOf(syncs.lastError)})` : ''}; check the cloud connection and the decision engine logs.`,
      { cause: syncs.lastError, retryable: true },
    );
  }

  return {
    async start() {
      if (options.bus) {
        // Subscribed before the first sync starts, so nothing sent during it is missed. No queue name: every
        // process keeps its own model and needs every notification (fan-out).
        subscription = await options.bus.subscribe(DESTINATIONS.novaNotifications, (message) => {
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
      // Aborts at once; the subscription closes before the loop is awaited.
      const stopped = syncs.stop();
      await subscription?.close();
      subscription = undefined;
      await stopped;
    },

    refresh,

    async getComputeModel(request: ModelRequest = {}) {
      await syncs.ready(request, model !== undefined);
      if (!model) throw unavailable();
      try {
        return scopeComputeModel(model, request.scope);
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

    waitFor(predicate, timeoutMs = 5_000) {
      if (model && predicate(model)) return Promise.resolve(model);
      return new Promise<ClusterModel>((resolve, reject) => {
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
            reject(new Error(`the compute model did not reach the awaited state within ${timeoutMs} ms`));
          },
          () => undefined,
        );
      });
    },
  };
}
