/**
 * The periodic full sync of the storage model (upstream's `CinderClusterDataModelCollector`): Cinder's
 * `cinder-volume` services are the backends (`host@backend`, with zone, status and state), the scheduler's pool
 * stats are the pools (`host@backend#pool`, capacities in GB), and every volume sits in the pool its
 * `os-vol-host-attr:host` names. Volume types land on a backend through their `volume_backend_name` extra spec.
 */
import type { BlockStorageApi, StoragePoolInfo, StorageService, VolumeInfo } from '../cloud/ports.js';
import type { StorageNode, StoragePool, Volume } from '../model/elements.js';
import { isStewardError, type StewardError } from '../errors.js';
import { backendOf, StorageModel } from '../model/storage-model.js';

export interface StorageSyncOptions {
  signal?: AbortSignal;
  /** Every element's `updatedAt`: the start of the sync. */
  now?: Date;
}

export interface StorageSyncResult {
  model: StorageModel;
  /** Pools left out, each with why (no `cinder-volume` service for its backend). */
  skippedPools: { name: string; reason: string }[];
  /** Volumes kept without a pool in the model: not yet scheduled, or on a pool that was left out. */
  unplacedVolumes: number;
  /** Set (to the catalog's answer) when the cloud has no Cinder: the model is then empty, which is not an error. */
  cinderMissing?: string;
}

/** Keystone's answer when the catalog has no block-storage endpoint (see cloud/keystone.ts). */
const isCatalogMiss = (error: unknown): error is StewardError =>
  isStewardError(error) && error.extra.details?.call === 'catalog lookup';

type VolumeType = { name: string; backendName: string | null };

/**
 * Cinder's `calculate_virtual_free_capacity`: what a new volume may still take. A thin pool may give out its total
 * times the over-subscription ratio, less what is provisioned; a thick pool its free space; both less the reserve.
 */
export function virtualFreeGb(pool: StoragePoolInfo): number {
  const total = pool.totalCapacityGb;
  if (!Number.isFinite(total)) return Number.POSITIVE_INFINITY;
  const reserved = Math.floor((total * pool.reservedPercentage) / 100);
  return pool.thinProvisioning
    ? total * pool.maxOverSubscriptionRatio - pool.provisionedCapacityGb - reserved
    : pool.freeCapacityGb - reserved;
}

/**
 * A backend's types: those whose `volume_backend_name` is one of its pools' backend names, or, as upstream reads
 * it, the backend part of its host (`host@backend`).
 */
export function toStorageNode(input: {
  service: StorageService;
  pools: readonly StoragePoolInfo[];
  volumeTypes: readonly VolumeType[];
  now: Date;
}): StorageNode {
  const { service } = input;
  const backendNames = new Set<string>();
  const section = service.host.split('@')[1];
  if (section !== undefined) backendNames.add(section);
  for (const pool of input.pools)
    if (backendOf(pool.name) === service.host && pool.backendName !== null)
      backendNames.add(pool.backendName);
  const types = input.volumeTypes
    .filter((type) => type.backendName !== null && backendNames.has(type.backendName))
    .map((type) => type.name);
  return {
    host: service.host,
    zone: service.zone,
    status: service.status,
    state: service.state,
    disabledReason: service.disabledReason,
    volumeType: [...new Set(types)].sort(),
    updatedAt: input.now,
  };
}

export function toStoragePool(pool: StoragePoolInfo, volumesInPool: number, now: Date): StoragePool {
  return {
    name: pool.name,
    totalCapacityGb: pool.totalCapacityGb,
    freeCapacityGb: pool.freeCapacityGb,
    allocatedCapacityGb: pool.allocatedCapacityGb,
    provisionedCapacityGb: pool.provisionedCapacityGb,
    virtualFreeGb: virtualFreeGb(pool),
    maxOverSubscriptionRatio: pool.maxOverSubscriptionRatio,
    totalVolumes: pool.totalVolumes ?? volumesInPool,
    volumeTypes: [...pool.volumeTypes].sort(),
    updatedAt: now,
  };
}

export function toVolume(volume: VolumeInfo, now: Date): Volume {
  return {
    uuid: volume.uuid,
    name: volume.name,
    sizeGb: volume.sizeGb,
    status: volume.status,
    volumeType: volume.volumeType,
    pool: volume.host,
    attachments: volume.attachments.map((attachment) => ({ serverId: attachment.serverId })),
    projectId: volume.projectId,
    bootable: volume.bootable,
    migrationStatus: volume.migrationStatus,
    ...(volume.createdAt && { createdAt: volume.createdAt }),
    updatedAt: now,
  };
}

/** Reads the whole storage side of the cloud into a fresh model. */
export async function collectStorageModel(
  blockStorage: BlockStorageApi,
  options: StorageSyncOptions = {},
): Promise<StorageSyncResult> {
  const now = options.now ?? new Date();
  let services, pools, volumes, volumeTypes;
  try {
    [services, pools, volumes, volumeTypes] = await Promise.all([
      blockStorage.listServices({ binary: 'cinder-volume' }),
      blockStorage.listPools(),
      blockStorage.listVolumes(),
      blockStorage.listVolumeTypes(),
    ]);
  } catch (error) {
    // Upstream collects storage only when Cinder exists; a cloud without it has an empty storage model.
    if (!isCatalogMiss(error)) throw error;
    return { model: new StorageModel(), skippedPools: [], unplacedVolumes: 0, cinderMissing: error.message };
  }
  options.signal?.throwIfAborted();

  const model = new StorageModel();
  for (const service of services) {
    // The listing is filtered already; a cloud that ignores the filter still gives only backends here.
    if (service.binary !== 'cinder-volume') continue;
    model.upsertNode(toStorageNode({ service, pools, volumeTypes, now }));
  }
  const perPool = new Map<string, number>();
  for (const volume of volumes)
    if (volume.host !== null) perPool.set(volume.host, (perPool.get(volume.host) ?? 0) + 1);
  const skippedPools: StorageSyncResult['skippedPools'] = [];
  for (const pool of pools) {
    if (!model.getNode(backendOf(pool.name))) {
      skippedPools.push({
        name: pool.name,
        reason: `no cinder-volume service for backend ${backendOf(pool.name)}`,
      });
      continue;
    }
    model.upsertPool(toStoragePool(pool, perPool.get(pool.name) ?? 0, now));
  }
  let unplacedVolumes = 0;
  for (const volume of volumes) {
    const element = toVolume(volume, now);
    if (element.pool === null || !model.getPool(element.pool)) unplacedVolumes++;
    model.upsertVolume(element);
  }
  return { model, skippedPools, unplacedVolumes };
}
