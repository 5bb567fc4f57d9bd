/**
 * Synthetic Cinder storage beside a compute cluster, for benchmarks of the storage strategies (zone_migration,
 * storage_capacity_balance) at a size no recorded scenario has: `hosts` storage hosts, each one `cinder-volume` backend
 * `storage-NNNNN@lvm` with two thick pools, `#ssd` (volume type `ssd`) and `#hdd` (volume type `hdd`), and `volumes`
 * volumes placed the way the compute generator places instances — on a random pool with room, pools preferred by a
 * weight r² + 0.05 drawn once per pool, so some pools are nearly empty and some pass the 80 % that
 * storage_capacity_balance watches. Volume sizes 10–500 GB, types `ssd` / `hdd` / none (a type-less volume lands on
 * either kind), about 60 % attached to an instance of the compute cluster (the first volume of an instance is its boot
 * volume half the time) and the rest detached. Every draw comes from Steward's seeded PRNG: a seed gives the same model.
 */
import { createRandom, type Random } from '../lib/rng.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { StorageNode, StoragePool, Volume } from '../model/elements.js';
import { StorageModel } from '../model/storage-model.js';
import { uuid5 } from './scenario-generator.js';

export interface StorageGeneratorOptions {
  /** Storage hosts, one backend each (two pools per backend). */
  hosts: number;
  volumes: number;
  seed?: number;
  /** Capacity of each pool, GB (default 1,000: with 5 volumes of 77.5 GB on average per pool, 39 % used overall). */
  poolCapacityGb?: number;
}

/** Volume sizes in GB and their weights (small volumes are the common case; mean 77.5 GB). */
const SIZES = [
  { sizeGb: 10, weight: 25 },
  { sizeGb: 20, weight: 25 },
  { sizeGb: 50, weight: 20 },
  { sizeGb: 100, weight: 15 },
  { sizeGb: 200, weight: 10 },
  { sizeGb: 500, weight: 5 },
] as const;
const POOL_KINDS = ['ssd', 'hdd'] as const;
/** Attempts at a weighted pick before taking the first pool with room, as the compute generator does. */
const PLACEMENT_ATTEMPTS = 20;
/** Placement leaves this share of a pool free, as Cinder's reserved_percentage would. */
const PLACEMENT_LIMIT = 0.95;
const ATTACHED_SHARE = 0.6;
const CREATED_FROM = Date.UTC(2025, 0, 1);

export const storageHostname = (h: number): string => `storage-${String(h).padStart(5, '0')}@lvm`;

function cumulative(weights: readonly number[]): Float64Array {
  const sums = new Float64Array(weights.length);
  let running = 0;
  weights.forEach((weight, index) => (sums[index] = running += weight));
  return sums;
}

function weightedIndex(random: Random, sums: Float64Array): number {
  const target = random.next() * sums[sums.length - 1]!;
  let low = 0;
  let high = sums.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sums[middle]! > target) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Storage for `compute` (whose instances the attached volumes belong to); throws when the volumes do not fit. */
export function generateStorage(compute: ClusterModel, options: StorageGeneratorOptions): StorageModel {
  const random = createRandom(options.seed ?? 42);
  const capacityGb = options.poolCapacityGb ?? 1000;
  const storage = new StorageModel();
  const pools: StoragePool[] = [];
  for (let h = 0; h < options.hosts; h++) {
    const host = storageHostname(h);
    const node: StorageNode = {
      host,
      zone: 'nova',
      status: 'enabled',
      state: 'up',
      disabledReason: null,
      volumeType: [],
    };
    storage.upsertNode(node);
    for (const kind of POOL_KINDS)
      pools.push({
        name: `${host}#${kind}`,
        totalCapacityGb: capacityGb,
        freeCapacityGb: capacityGb,
        allocatedCapacityGb: 0,
        provisionedCapacityGb: 0,
        virtualFreeGb: capacityGb,
        maxOverSubscriptionRatio: 1,
        totalVolumes: 0,
        volumeTypes: [kind],
      });
  }
  const poolWeights = cumulative(pools.map(() => random.next() ** 2 + 0.05));
  const sizeWeights = cumulative(SIZES.map((size) => size.weight));
  const instances = [...compute.instances()].filter((instance) => instance.hostname !== null);
  const volumesOf = new Map<string, number>();
  const usedGb = new Float64Array(pools.length);
  const fits = (p: number, sizeGb: number, type: string | null) =>
    (type === null || pools[p]!.volumeTypes.includes(type)) &&
    usedGb[p]! + sizeGb <= PLACEMENT_LIMIT * pools[p]!.totalCapacityGb;

  const volumes: Volume[] = [];
  for (let v = 0; v < options.volumes; v++) {
    const sizeGb = SIZES[weightedIndex(random, sizeWeights)]!.sizeGb;
    const draw = random.next();
    const type = draw < 0.3 ? 'ssd' : draw < 0.8 ? 'hdd' : null;
    let placed = -1;
    for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS && placed < 0; attempt++) {
      const p = weightedIndex(random, poolWeights);
      if (fits(p, sizeGb, type)) placed = p;
    }
    for (let p = 0; p < pools.length && placed < 0; p++) if (fits(p, sizeGb, type)) placed = p;
    if (placed < 0)
      throw new RangeError(
        `${pools.length} pools cannot hold ${options.volumes} volumes: full at volume ${v}`,
      );
    usedGb[placed]! += sizeGb;
    const attachedTo =
      instances.length > 0 && random.next() < ATTACHED_SHARE
        ? instances[Math.floor(random.next() * instances.length)]!
        : undefined;
    const earlier = attachedTo ? (volumesOf.get(attachedTo.uuid) ?? 0) : 0;
    if (attachedTo) volumesOf.set(attachedTo.uuid, earlier + 1);
    const bootable = attachedTo !== undefined && earlier === 0 && random.next() < 0.5;
    const uuid = uuid5(`volume-${v}`);
    volumes.push({
      uuid,
      name: `vol-${String(v).padStart(6, '0')}`,
      sizeGb,
      status: attachedTo ? 'in-use' : 'available',
      volumeType: type,
      pool: pools[placed]!.name,
      attachments: attachedTo ? [{ serverId: attachedTo.uuid }] : [],
      projectId: attachedTo?.projectId ?? uuid5(`project-${v % 8}`),
      bootable,
      migrationStatus: null,
      createdAt: new Date(CREATED_FROM + Math.floor(random.next() * 365 * 86_400) * 1000),
    });
  }
  pools.forEach((pool, p) => {
    const used = usedGb[p]!;
    pool.allocatedCapacityGb = used;
    pool.provisionedCapacityGb = used;
    pool.freeCapacityGb = pool.totalCapacityGb - used;
    pool.virtualFreeGb = pool.totalCapacityGb - used;
    storage.upsertPool(pool);
  });
  for (const volume of volumes) {
    storage.upsertVolume(volume);
    storage.getPool(volume.pool!)!.totalVolumes += 1;
  }
  return storage;
}
