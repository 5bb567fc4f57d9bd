/**
 * The live compute model: `live-model.ts` with Nova's collector. A periodic full sync (Nova + Placement,
 * `collect`) is kept fresh between syncs by Nova's versioned notifications; notifications that arrive during a
 * sync, or before the first model exists, are journaled and replayed on the sync's model, so none is lost
 * (mission section 7, upstream bug 2152645). Each caller gets a private copy filtered by the audit scope.
 */
import { DESTINATIONS } from '../bus/bus.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode } from '../model/elements.js';
import type { ComputeModelProvider } from '../model/model-provider.js';
import { scopeComputeModel } from '../model/scope.js';
import {
  createLiveModel,
  type IngestResult,
  type LiveModelChange,
  type LiveModelSettings,
} from './live-model.js';
import { EVENT_HANDLING, NovaNotificationCollector, type NovaNotification } from './nova-notifications.js';
import { toInstance, type ComputeNodeReading } from './nova-sync.js';
import type { Server } from '../cloud/ports.js';

export interface ComputeModelProviderOptions extends LiveModelSettings<ClusterModel> {
  /** Reads one server from Nova, for targeted refreshes; without it `refreshInstances` runs a full sync. */
  readServer?: (uuid: string) => Promise<Server | undefined>;
  /** Re-reads one compute node's changing state, for targeted refreshes; without it `refreshNodes` runs a full sync. */
  readNode?: (node: { uuid: string; hostname: string }) => Promise<ComputeNodeReading>;
  /** Message ids remembered to drop redeliveries. Default 10,000. */
  duplicateWindow?: number;
  /** Nova's `[DEFAULT] default_availability_zone`. Default `nova`. */
  defaultAvailabilityZone?: string;
}

export type { IngestResult };
export type ModelChange = LiveModelChange<ClusterModel>;

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
  /**
   * A targeted refresh: re-reads these instances from Nova into the live model (one Nova no longer has is
   * removed), for when the notifications of a change did not arrive in time.
   */
  refreshInstances(uuids: readonly string[]): Promise<void>;
  /**
   * A targeted refresh of compute nodes, named by hostname or uuid: re-reads their traits, power state and service
   * status (`readNode`) into the live model, keeping the rest of each node. A name the model does not hold is
   * skipped: only a sync adds a host, since its capacity comes from Placement.
   */
  refreshNodes(names: readonly string[]): Promise<void>;
}

export function createComputeModelProvider(options: ComputeModelProviderOptions): LiveComputeModelProvider {
  const live = createLiveModel<ClusterModel, NovaNotification>({
    ...options,
    kind: 'compute',
    collector: new NovaNotificationCollector({
      ...(options.duplicateWindow !== undefined && { duplicateWindow: options.duplicateWindow }),
      ...(options.defaultAvailabilityZone !== undefined && {
        defaultAvailabilityZone: options.defaultAvailabilityZone,
      }),
    }),
    eventTypes: EVENT_HANDLING,
    destination: DESTINATIONS.novaNotifications,
    elements: (model) => {
      let aggregates = 0;
      for (const _aggregate of model.aggregates()) aggregates++;
      return { compute_node: model.nodeCount, instance: model.instanceCount, aggregate: aggregates };
    },
    describe: (model) => ({ nodes: model.nodeCount, instances: model.instanceCount }),
    scope: scopeComputeModel,
    unavailable: (lastError) =>
      `The compute data model is not available: no sync from Nova and Placement has succeeded yet${lastError ? ` (last error: ${lastError})` : ''}; check the cloud connection and the decision engine logs.`,
  });
  return {
    start: () => live.start(),
    stop: () => live.stop(),
    refresh: (signal) => live.refresh(signal),
    getComputeModel: (request) => live.read(request),
    get lastSyncedAt() {
      return live.lastSyncedAt;
    },
    get current() {
      return live.current;
    },
    ingest: (body) => live.ingest(body),
    onChange: (listener) => live.onChange(listener),
    waitFor: (predicate, timeoutMs) => live.waitFor(predicate, timeoutMs),
    async refreshInstances(uuids) {
      const { readServer } = options;
      if (!readServer) return live.refresh();
      const read = await Promise.all(uuids.map(async (uuid) => [uuid, await readServer(uuid)] as const));
      live.amend((model) => {
        for (const [uuid, server] of read) {
          if (!server) {
            model.removeInstance(uuid);
            continue;
          }
          // A server read alone does not name its group's policy: keep what the model knew.
          const known = model.getInstance(uuid);
          const instance = toInstance(server, new Map(), new Map());
          model.upsertInstance({ ...instance, serverGroup: known?.serverGroup ?? instance.serverGroup });
        }
      });
    },
    async refreshNodes(names) {
      const { readNode } = options;
      if (!readNode) return live.refresh();
      const nodes = new Map<string, ComputeNode>();
      for (const name of names) {
        const node = live.current?.getNode(name) ?? live.current?.getNodeByUuid(name);
        if (node) nodes.set(node.hostname, node);
      }
      const readAt = options.clock.now();
      const read = await Promise.all(
        [...nodes.values()].map(async (node) => [node.hostname, await readNode(node)] as const),
      );
      live.amend((model) => {
        for (const [hostname, reading] of read) {
          const node = model.getNode(hostname);
          // Stamped with the read's start, so a service notification sent before it is ignored as stale.
          if (node) model.upsertNode({ ...node, ...reading, updatedAt: readAt });
        }
      });
    },
  };
}
