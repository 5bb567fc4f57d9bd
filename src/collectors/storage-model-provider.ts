/**
 * The live storage model: a periodic full sync from Cinder (`collect`, src/collectors/cinder-sync.ts) on the
 * shared sync loop (`periodic-sync.ts`), kept fresh between syncs by Cinder's notifications
 * (`cinder-notifications.ts`). As in the compute provider, notifications that arrive during a sync are applied and
 * journaled (`notification-journal.ts`), then replayed on the sync's model; a `needs_resync` outcome (an unknown
 * pool, a capacity report the model cannot explain) schedules a sync. Each caller gets a private copy filtered by
 * the audit scope's `storage` rules (`src/model/storage-scope.ts`).
 */
import { DESTINATIONS } from '../bus/bus.js';
import type { StorageModelProvider } from '../model/model-provider.js';
import type { StorageModel } from '../model/storage-model.js';
import { scopeStorageModel } from '../model/storage-scope.js';
import {
  CINDER_EVENT_HANDLING,
  CinderNotificationCollector,
  type CinderNotification,
} from './cinder-notifications.js';
import { createLiveModel, type IngestResult, type LiveModelSettings } from './live-model.js';

export interface StorageModelProviderOptions extends LiveModelSettings<StorageModel> {
  /** Message ids remembered to drop redeliveries. Default 10,000. */
  duplicateWindow?: number;
}

/** What `ingest` did: a notification outcome, or `journaled` when no model exists yet to apply it to. */
export type StorageIngestResult = IngestResult;

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

export function createStorageModelProvider(options: StorageModelProviderOptions): LiveStorageModelProvider {
  const live = createLiveModel<StorageModel, CinderNotification>({
    ...options,
    kind: 'storage',
    collector: new CinderNotificationCollector(
      options.duplicateWindow !== undefined ? { duplicateWindow: options.duplicateWindow } : {},
    ),
    eventTypes: CINDER_EVENT_HANDLING,
    destination: DESTINATIONS.cinderNotifications,
    elements: (model) => ({
      storage_node: model.nodeCount,
      pool: model.poolCount,
      volume: model.volumeCount,
    }),
    describe: (model) => ({ nodes: model.nodeCount, pools: model.poolCount, volumes: model.volumeCount }),
    scope: scopeStorageModel,
    unavailable: (lastError) =>
      `The storage data model is not available: no sync from Cinder has succeeded yet${lastError ? ` (last error: ${lastError})` : ''}; check that the cloud offers Cinder and the decision engine logs.`,
  });
  return {
    start: () => live.start(),
    stop: () => live.stop(),
    refresh: (signal) => live.refresh(signal),
    getStorageModel: (request) => live.read(request),
    get lastSyncedAt() {
      return live.lastSyncedAt;
    },
    get current() {
      return live.current;
    },
    ingest: (body) => live.ingest(body),
    onChange: (listener) => live.onChange((change) => listener(change.model)),
  };
}
