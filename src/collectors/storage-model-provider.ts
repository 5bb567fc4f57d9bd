/**
 * The live storage model: a periodic full sync from Cinder (`collect`, src/collectors/cinder-sync.ts) on the
 * shared sync loop (`periodic-sync.ts`), with forced refreshes joining the running sync. Cinder's notifications are
 * not read yet, so the model changes only by syncs. Each caller gets a private copy filtered by the audit scope's
 * `storage` rules (`src/model/storage-scope.ts`).
 */
import { StewardError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { ModelRequest, StorageModelProvider } from '../model/model-provider.js';
import { ScopeError } from '../model/scope.js';
import type { StorageModel } from '../model/storage-model.js';
import { scopeStorageModel } from '../model/storage-scope.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createPeriodicSync } from './periodic-sync.js';

export interface StorageModelProviderOptions {
  /** A full sync from Cinder. */
  collect: (signal?: AbortSignal) => Promise<StorageModel>;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  /** Time between the end of one periodic sync and the start of the next (upstream's collector `period`). */
  syncIntervalMs: number;
  /** After a failed sync, the next try comes this soon. Default: the smaller of syncIntervalMs and one minute. */
  retryIntervalMs?: number;
}

export interface LiveStorageModelProvider extends StorageModelProvider {
  /** Starts the first sync and the periodic ones. */
  start(): void;
  /** Stops the periodic sync; a running sync is aborted through its signal. */
  stop(): Promise<void>;
  /** The shared live model, for readers that copy what they need. Never mutate it. */
  readonly current: StorageModel | undefined;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createStorageModelProvider(options: StorageModelProviderOptions): LiveStorageModelProvider {
  const { clock, metrics } = options;
  const log = options.logger.child({ part: 'storage-model' });
  let model: StorageModel | undefined;

  const syncs = createPeriodicSync({
    name: 'storage model provider',
    clock,
    syncIntervalMs: options.syncIntervalMs,
    ...(options.retryIntervalMs !== undefined && { retryIntervalMs: options.retryIntervalMs }),
    async sync(signal, started) {
      try {
        const fresh = await options.collect(signal);
        model = fresh;
        const seconds = (clock.now().getTime() - started.getTime()) / 1000;
        metrics?.modelSyncDuration.observe({ model: 'storage' }, seconds);
        metrics?.modelElements.set({ kind: 'storage_node' }, fresh.nodeCount);
        metrics?.modelElements.set({ kind: 'pool' }, fresh.poolCount);
        metrics?.modelElements.set({ kind: 'volume' }, fresh.volumeCount);
        log.info(
          { nodes: fresh.nodeCount, pools: fresh.poolCount, volumes: fresh.volumeCount, seconds },
          'storage model synced',
        );
      } catch (error) {
        if (signal.aborted) log.info({ err: error }, 'storage model sync abandoned: stopping');
        else
          log.error(
            { err: error, keptModel: model !== undefined },
            'storage model sync failed; the previous model stays',
          );
        throw error;
      }
    },
  });

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
    start: () => syncs.start(),
    stop: () => syncs.stop(),
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
  };
}
