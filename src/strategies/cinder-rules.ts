/**
 * What Cinder would refuse when a volume is moved, as pure checks over the storage model (and the compute model,
 * for the server a volume is attached to) — the storage twin of nova-rules.ts. The solution builder asks them before
 * it plans a `volume_migrate`, and the plan validator asks them again when it replays a stored plan.
 *
 * The rules follow Cinder's `migrate_volume` and `retype` API checks and its scheduler filters:
 * - the volume: `available` or `in-use` and not already migrating or retyping; an attached volume is copied by its
 *   server's hypervisor (Nova's swap_volume), which takes an ACTIVE or PAUSED server only;
 * - the destination pool (migrate): known, not the volume's own pool, its `cinder-volume` service enabled and up
 *   (the scheduler ignores the others), serving the volume's type when that type is bound to backends
 *   (`volume_backend_name`, CapabilitiesFilter), with room for the volume (CapacityFilter: the pool's virtual free
 *   capacity, which for a thin pool is `total × max_over_subscription_ratio − provisioned − reserved`);
 * - the destination type (retype): not the volume's type, and some pool that serves it can take the volume. Cinder's
 *   scheduler then picks the pool: the volume stays where it is when its pool serves the new type, else it goes to
 *   the serving pool with the most virtual free capacity (the default CapacityWeigher) — `retypeDestination`.
 */
import type { ClusterModel } from '../model/cluster-model.js';
import type { StorageNode, StoragePool, Volume } from '../model/elements.js';
import type { StorageModel } from '../model/storage-model.js';

export const VOLUME_RULES = {
  VOLUME_UNKNOWN: 'the volume is not in the audit’s storage model',
  VOLUME_STATE: 'the volume must be available or in-use, and not moving, to be moved',
  VOLUME_SERVER_STATE: 'the volume is attached to a server that is not ACTIVE or PAUSED',
  VOLUME_SOURCE_DOWN: 'the cinder-volume service of the volume’s own pool is down',
  SAME_POOL: 'the destination is the volume’s own pool',
  SAME_TYPE: 'the volume already has the destination type',
  POOL_UNKNOWN: 'the destination pool is not in the audit’s storage model',
  POOL_DISABLED: 'the destination pool’s cinder-volume service is disabled',
  POOL_DOWN: 'the destination pool’s cinder-volume service is down',
  POOL_VOLUME_TYPE: 'the destination pool does not serve the volume’s type',
  POOL_CAPACITY: 'the destination pool has no room left for the volume',
  TYPE_NO_POOL: 'no pool that serves the destination type can take the volume',
} as const;

export type VolumeRule = keyof typeof VOLUME_RULES;

export interface VolumeRefusal {
  readonly rule: VolumeRule;
  readonly reason: string;
}

const refuse = (rule: VolumeRule, detail: string): VolumeRefusal => ({
  rule,
  reason: `${VOLUME_RULES[rule]} (${detail})`,
});

/** Server states an attached volume may move under (Nova's swap_volume). */
const SERVER_STATES_FOR_SWAP: ReadonlySet<string> = new Set(['active', 'paused']);

/**
 * Which pools serve which volume types. A type no pool or backend lists is bound to no backend and lands anywhere;
 * built once per plan (pool types do not change while one is planned, nor does which backend a pool belongs to).
 */
export class VolumeTypeIndex {
  readonly #bound = new Set<string>();
  /**
   * Per type, the pools that serve it with their backends, found on first use: a retype weighs every pool that serves
   * the type, once per volume, and looking each pool's backend up by name again made that most of zone_migration's time.
   */
  readonly #serving = new Map<string, readonly ServingPool[]>();

  constructor(readonly storage: StorageModel) {
    for (const pool of storage.pools()) for (const type of pool.volumeTypes) this.#bound.add(type);
    for (const node of storage.nodes()) for (const type of node.volumeType) this.#bound.add(type);
  }

  serves(pool: StoragePool, type: string | null): boolean {
    if (type === null || !this.#bound.has(type)) return true;
    return (
      pool.volumeTypes.includes(type) || (this.storage.nodeOf(pool.name)?.volumeType.includes(type) ?? false)
    );
  }

  /** The pools that serve `type`, in the storage model's order, each with its backend (read its state live). */
  servingPools(type: string): readonly ServingPool[] {
    let serving = this.#serving.get(type);
    if (!serving) {
      const found: ServingPool[] = [];
      for (const pool of this.storage.pools())
        if (this.serves(pool, type)) found.push({ pool, backend: this.storage.nodeOf(pool.name) });
      this.#serving.set(type, (serving = found));
    }
    return serving;
  }
}

interface ServingPool {
  readonly pool: StoragePool;
  readonly backend: StorageNode | undefined;
}

/** The volume-side rules: whether this volume may be moved at all, wherever to. */
export function refuseVolumeState(
  storage: StorageModel,
  volume: Volume,
  compute: ClusterModel | undefined,
): VolumeRefusal | undefined {
  const name = `${volume.name} ${volume.uuid}`;
  if (volume.status !== 'available' && volume.status !== 'in-use')
    return refuse('VOLUME_STATE', `${name} is ${volume.status}`);
  if (volume.migrationStatus === 'migrating' || volume.migrationStatus === 'starting')
    return refuse('VOLUME_STATE', `${name} is migrating`);
  if (volume.pool !== null && storage.nodeOf(volume.pool)?.state === 'down')
    return refuse('VOLUME_SOURCE_DOWN', `${name} on ${volume.pool}`);
  for (const attachment of volume.attachments) {
    const server = compute?.getInstance(attachment.serverId);
    // A server outside the compute model (another scope) cannot be checked here; the applier checks it again.
    if (server && !SERVER_STATES_FOR_SWAP.has(server.state))
      return refuse('VOLUME_SERVER_STATE', `${name} is attached to ${server.uuid}, which is ${server.state}`);
  }
  return undefined;
}

/** The destination-pool rules for a migration, given the pool's room now (`pool.virtualFreeGb`). */
export function refuseDestinationPool(
  storage: StorageModel,
  types: VolumeTypeIndex,
  volume: Volume,
  poolName: string,
): VolumeRefusal | undefined {
  if (volume.pool === poolName) return refuse('SAME_POOL', poolName);
  const pool = storage.getPool(poolName);
  if (!pool) return refuse('POOL_UNKNOWN', poolName);
  const backend = storage.nodeOf(poolName);
  if (backend?.status === 'disabled')
    return refuse('POOL_DISABLED', `${poolName}: ${backend.disabledReason ?? 'no reason given'}`);
  if (backend?.state === 'down') return refuse('POOL_DOWN', poolName);
  if (!types.serves(pool, volume.volumeType))
    return refuse('POOL_VOLUME_TYPE', `${poolName} does not serve ${volume.volumeType ?? 'untyped volumes'}`);
  if (volume.sizeGb > pool.virtualFreeGb + 1e-9)
    return refuse('POOL_CAPACITY', `${poolName}: ${volume.sizeGb} GB > ${pool.virtualFreeGb} GB free`);
  return undefined;
}

/** Whether Cinder would take this migration now. */
export function refuseVolumeMigration(
  storage: StorageModel,
  types: VolumeTypeIndex,
  compute: ClusterModel | undefined,
  volume: Volume,
  poolName: string,
): VolumeRefusal | undefined {
  return (
    refuseVolumeState(storage, volume, compute) ?? refuseDestinationPool(storage, types, volume, poolName)
  );
}

/**
 * Where a retype to `type` leaves the volume: its own pool when that serves the type, else the serving pool (enabled
 * and up) with room and the most virtual free capacity, ties to the first name; undefined when none can take it.
 */
export function retypeDestination(
  storage: StorageModel,
  types: VolumeTypeIndex,
  volume: Volume,
  type: string,
): string | undefined {
  const own = volume.pool === null ? undefined : storage.getPool(volume.pool);
  if (own && types.serves(own, type)) return own.name;
  let best: StoragePool | undefined;
  for (const { pool, backend } of types.servingPools(type)) {
    if (volume.sizeGb > pool.virtualFreeGb + 1e-9) continue;
    if (backend?.status === 'disabled' || backend?.state === 'down') continue;
    if (
      !best ||
      pool.virtualFreeGb > best.virtualFreeGb ||
      (pool.virtualFreeGb === best.virtualFreeGb && pool.name < best.name)
    )
      best = pool;
  }
  return best?.name;
}

/** Whether Cinder would take this retype now; on success, the pool the volume ends in. */
export function refuseVolumeRetype(
  storage: StorageModel,
  types: VolumeTypeIndex,
  compute: ClusterModel | undefined,
  volume: Volume,
  type: string,
): VolumeRefusal | { destination: string } {
  const byVolume = refuseVolumeState(storage, volume, compute);
  if (byVolume) return byVolume;
  if (volume.volumeType === type) return refuse('SAME_TYPE', `${volume.uuid} is ${type}`);
  const destination = retypeDestination(storage, types, volume, type);
  if (destination === undefined) return refuse('TYPE_NO_POOL', `${type} for ${volume.sizeGb} GB`);
  return { destination };
}
