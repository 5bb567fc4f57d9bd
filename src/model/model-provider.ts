/**
 * How the decision engine and the API obtain the cluster data model. The collectors implement it (periodic sync +
 * notifications); the engine never talks to the cloud itself.
 */
import type { ClusterModel } from './cluster-model.js';
import type { StorageModel } from './storage-model.js';

export interface ModelRequest {
  /** Watcher's audit scope list (`[{compute: [...]}, {storage: [...]}]` or the short form); [] = whole cluster. */
  scope?: readonly unknown[];
  /** Re-read the cloud before answering (an operator asked for a fresh model). */
  forceRefresh?: boolean;
  signal?: AbortSignal;
}

export interface ComputeModelProvider {
  /** A private copy of the model, filtered to the scope: callers may mutate it freely. */
  getComputeModel(request?: ModelRequest): Promise<ClusterModel>;
  /** Full resynchronisation from the cloud, on demand. */
  refresh(signal?: AbortSignal): Promise<void>;
  /** When the model was last fully synchronised; undefined before the first sync. */
  readonly lastSyncedAt: Date | undefined;
}

/** The storage side (Cinder): kept by its own periodic sync, scoped by the audit scope's `storage` rules. */
export interface StorageModelProvider {
  /** A private copy of the storage model, filtered to the scope's `storage` rules: callers may mutate it freely. */
  getStorageModel(request?: ModelRequest): Promise<StorageModel>;
  /** Full resynchronisation from Cinder, on demand. */
  refresh(signal?: AbortSignal): Promise<void>;
  /** When the storage model was last fully synchronised; undefined before the first sync. */
  readonly lastSyncedAt: Date | undefined;
}
