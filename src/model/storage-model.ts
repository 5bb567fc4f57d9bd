/**
 * The storage part of the cluster data model (mission section 7, upstream's `StorageModelRoot`): Cinder volume
 * backends (`host@backend`), their pools (`host@backend#pool`) with capacities in GB, and the volumes placed in the
 * pools. A pool belongs to the backend its name starts with; a volume to the pool its `pool` names. Strategies get a
 * private clone (`clone()`), so their what-if moves never leak into the shared model.
 */
import type { StorageNode, StoragePool, Volume } from './elements.js';

/** `host@backend#pool` → `host@backend`; a name without `#` is its own backend (Cinder's `extract_host`). */
export function backendOf(poolName: string): string {
  const hash = poolName.indexOf('#');
  return hash === -1 ? poolName : poolName.slice(0, hash);
}

export class StorageModel {
  readonly #nodes = new Map<string, StorageNode>();
  readonly #pools = new Map<string, StoragePool>();
  readonly #volumes = new Map<string, Volume>();
  readonly #volumesByPool = new Map<string, Set<string>>();

  get nodeCount(): number {
    return this.#nodes.size;
  }

  get poolCount(): number {
    return this.#pools.size;
  }

  get volumeCount(): number {
    return this.#volumes.size;
  }

  nodes(): IterableIterator<StorageNode> {
    return this.#nodes.values();
  }

  pools(): IterableIterator<StoragePool> {
    return this.#pools.values();
  }

  volumes(): IterableIterator<Volume> {
    return this.#volumes.values();
  }

  /** By `host@backend`. */
  getNode(host: string): StorageNode | undefined {
    return this.#nodes.get(host);
  }

  /** By `host@backend#pool`. */
  getPool(name: string): StoragePool | undefined {
    return this.#pools.get(name);
  }

  getVolume(uuid: string): Volume | undefined {
    return this.#volumes.get(uuid);
  }

  /** The backend a pool belongs to; undefined when no `cinder-volume` service of that host is in the model. */
  nodeOf(poolName: string): StorageNode | undefined {
    return this.#nodes.get(backendOf(poolName));
  }

  poolsOf(host: string): StoragePool[] {
    return [...this.#pools.values()].filter((pool) => backendOf(pool.name) === host);
  }

  /** The pool a volume lives in; undefined when it is unscheduled or its pool is not in the model. */
  poolOf(volume: Volume): StoragePool | undefined {
    return volume.pool === null ? undefined : this.#pools.get(volume.pool);
  }

  volumesIn(poolName: string): Volume[] {
    const uuids = this.#volumesByPool.get(poolName);
    if (!uuids) return [];
    const result: Volume[] = [];
    for (const uuid of uuids) {
      const volume = this.#volumes.get(uuid);
      if (volume) result.push(volume);
    }
    return result;
  }

  upsertNode(node: StorageNode): void {
    this.#nodes.set(node.host, node);
  }

  /** Removes the backend with its pools and their volumes (upstream's scope does the same). */
  removeNode(host: string): void {
    for (const pool of this.poolsOf(host)) this.removePool(pool.name);
    this.#nodes.delete(host);
  }

  upsertPool(pool: StoragePool): void {
    this.#pools.set(pool.name, pool);
  }

  /** Removes the pool and the volumes in it. */
  removePool(name: string): void {
    for (const volume of this.volumesIn(name)) this.removeVolume(volume.uuid);
    this.#pools.delete(name);
    this.#volumesByPool.delete(name);
  }

  upsertVolume(volume: Volume): void {
    const previous = this.#volumes.get(volume.uuid);
    if (previous?.pool != null) this.#volumesByPool.get(previous.pool)?.delete(volume.uuid);
    this.#volumes.set(volume.uuid, volume);
    if (volume.pool !== null) this.#poolSet(volume.pool).add(volume.uuid);
  }

  removeVolume(uuid: string): void {
    const previous = this.#volumes.get(uuid);
    if (!previous) return;
    if (previous.pool !== null) this.#volumesByPool.get(previous.pool)?.delete(uuid);
    this.#volumes.delete(uuid);
  }

  /**
   * Moves a volume to another pool (a migration applied to the model). Its size leaves the source pool's allocated,
   * provisioned, free and virtual free capacities and counts on the destination's. That is Cinder's accounting for a
   * thick pool; a thin pool's physical free space may change less, so the model reads it conservatively.
   */
  moveVolume(uuid: string, toPool: string): void {
    const volume = this.#volumes.get(uuid);
    if (!volume) throw new RangeError(`volume ${uuid} is not in the model`);
    const destination = this.#pools.get(toPool);
    if (!destination) throw new RangeError(`pool ${toPool} is not in the model`);
    if (volume.pool === toPool) return;
    const source = this.poolOf(volume);
    if (source) this.#account(source, -volume.sizeGb, -1);
    this.#account(destination, volume.sizeGb, 1);
    this.upsertVolume({ ...volume, pool: toPool });
  }

  /**
   * Counts `sizeGb` (negative: frees it) and `volumes` on a pool the way `moveVolume` does, for a volume that
   * appeared, grew or went away (a notification applied to the model). Unknown pools are left alone.
   */
  chargePool(poolName: string, sizeGb: number, volumes: number): void {
    const pool = this.#pools.get(poolName);
    if (pool) this.#account(pool, sizeGb, volumes);
  }

  /** GB the volumes the model places in the pool add up to (what Cinder counts as allocated). */
  usedGb(poolName: string): number {
    let used = 0;
    for (const volume of this.volumesIn(poolName)) used += volume.sizeGb;
    return used;
  }

  clone(): StorageModel {
    const copy = new StorageModel();
    for (const node of this.#nodes.values()) copy.upsertNode(structuredClone(node));
    for (const pool of this.#pools.values()) copy.upsertPool(structuredClone(pool));
    for (const volume of this.#volumes.values()) copy.upsertVolume(structuredClone(volume));
    return copy;
  }

  #account(pool: StoragePool, sizeGb: number, volumes: number): void {
    pool.allocatedCapacityGb += sizeGb;
    pool.provisionedCapacityGb += sizeGb;
    pool.freeCapacityGb -= sizeGb;
    pool.virtualFreeGb -= sizeGb;
    pool.totalVolumes += volumes;
  }

  #poolSet(name: string): Set<string> {
    let set = this.#volumesByPool.get(name);
    if (!set) {
      set = new Set();
      this.#volumesByPool.set(name, set);
    }
    return set;
  }
}
