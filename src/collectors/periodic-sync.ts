/**
 * The sync loop a live model runs on (shared by the compute and storage providers): one full sync at a time
 * (callers join the running one), a periodic loop on the injected clock that waits `syncIntervalMs` after each
 * sync and only `retryIntervalMs` after a failed one, and the bookkeeping readers ask about (`lastSyncedAt`, the
 * last failure). What a sync reads and how it installs the new model is the caller's `sync`.
 */
import type { Clock } from '../lib/clock.js';

export interface PeriodicSyncOptions {
  clock: Clock;
  /** Time between the end of one periodic sync and the start of the next. */
  syncIntervalMs: number;
  /** After a failed sync, the next try comes this soon. Default: the smaller of syncIntervalMs and one minute. */
  retryIntervalMs?: number;
  /** What the provider is called in errors (`compute model provider`). */
  name: string;
  /** One full sync: read the cloud and install the new model; reject to keep the old one. */
  sync(signal: AbortSignal, startedAt: Date): Promise<void>;
  /** After a successful sync, once `lastSyncedAt` is set (listeners are told here). */
  onSynced?(): void;
  /** After every sync, once it no longer counts as running. */
  afterSync?(): void;
}

export interface PeriodicSync {
  /** Starts the periodic loop; its first sync starts at once. */
  start(): void;
  /** Aborts a running sync through its signal and ends the loop. */
  stop(): Promise<void>;
  /** Joins the running sync or starts one; `signal` stops only this caller's wait. */
  refresh(signal?: AbortSignal): Promise<void>;
  /**
   * What a reader does before answering: a forced refresh, or, while no model exists, waiting for the first sync
   * (after a failed one it answers at once: the loop retries, callers do not each wait for the cloud again).
   */
  ready(request: { forceRefresh?: boolean; signal?: AbortSignal }, hasModel: boolean): Promise<void>;
  /** Aborted when the provider stops. */
  readonly stopping: AbortSignal;
  readonly running: boolean;
  /** The start of the last successful sync. */
  readonly lastSyncedAt: Date | undefined;
  readonly lastSyncStartedAt: Date | undefined;
  readonly lastSyncFailed: boolean;
  readonly lastError: unknown;
}

const MAX_RETRY_MS = 60_000;

/** Waits for `promise`, or rejects as soon as `signal` aborts (the shared work itself goes on). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted)
    return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function createPeriodicSync(options: PeriodicSyncOptions): PeriodicSync {
  const { clock } = options;
  const retryIntervalMs = options.retryIntervalMs ?? Math.min(options.syncIntervalMs, MAX_RETRY_MS);
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  let loop: Promise<void> | undefined;
  let lastSyncedAt: Date | undefined;
  let lastSyncStartedAt: Date | undefined;
  let lastSyncFailed = false;
  let lastError: unknown;

  async function runSync(): Promise<void> {
    const started = clock.now();
    lastSyncStartedAt = started;
    try {
      await options.sync(stopping.signal, started);
      lastSyncedAt = started;
      lastSyncFailed = false;
      lastError = undefined;
      options.onSynced?.();
    } catch (error) {
      lastSyncFailed = true;
      lastError = error;
      throw error;
    } finally {
      running = undefined;
      options.afterSync?.();
    }
  }

  function refresh(signal?: AbortSignal): Promise<void> {
    if (stopping.signal.aborted) return Promise.reject(new Error(`the ${options.name} is stopped`));
    running ??= runSync();
    return untilAborted(running, signal);
  }

  async function periodicSyncs(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await refresh(stopping.signal);
      } catch {
        // The caller's sync logs its failure; the loop retries sooner.
      }
      try {
        await clock.sleep(lastSyncFailed ? retryIntervalMs : options.syncIntervalMs, stopping.signal);
      } catch {
        return;
      }
    }
  }

  return {
    start() {
      loop ??= periodicSyncs();
    },
    async stop() {
      stopping.abort(new Error(`the ${options.name} is stopping`));
      await loop;
    },
    refresh,
    async ready(request, hasModel) {
      if (request.forceRefresh) await refresh(request.signal);
      else if (!hasModel) {
        const first = running ?? (lastSyncFailed ? undefined : refresh());
        if (first) await untilAborted(first, request.signal).catch(() => undefined);
      }
      request.signal?.throwIfAborted();
    },
    stopping: stopping.signal,
    get running() {
      return running !== undefined;
    },
    get lastSyncedAt() {
      return lastSyncedAt;
    },
    get lastSyncStartedAt() {
      return lastSyncStartedAt;
    },
    get lastSyncFailed() {
      return lastSyncFailed;
    },
    get lastError() {
      return lastError;
    },
  };
}
