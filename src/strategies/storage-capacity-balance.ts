import { Type } from 'typebox';
import { workloadBalancing } from '../goals/workload-balancing.js';
import type { StoragePool, Volume } from '../model/elements.js';
import type { StorageModel } from '../model/storage-model.js';
import type { SolutionBuilder } from './solution-builder.js';
import { defineStrategy, type StrategyLog } from './strategy.js';

/**
 * Description: moves volumes out of the Cinder pools used at or above `volume_threshold` % into pools under it, so
 * every pool ends under the threshold, with as few moves as it can.
 * Requirements: Cinder (the storage model), at least two pools.
 * Limitations: migrates only (no retype); snapshots are not in the model, so a volume with snapshots may be chosen.
 */

/** What upstream counts as a pool's use: total less free capacity. */
const usedGb = (pool: StoragePool): number => pool.totalCapacityGb - pool.freeCapacityGb;
const usedRatio = (pool: StoragePool): number =>
  Number.isFinite(pool.totalCapacityGb) && pool.totalCapacityGb > 0 ? usedGb(pool) / pool.totalCapacityGb : 0;

/** Upstream's candidates: available or in-use, not mid-migration. */
const isMovable = (volume: Volume): boolean =>
  (volume.status === 'available' || volume.status === 'in-use') &&
  (volume.migrationStatus === null || volume.migrationStatus === 'success');

/** Upstream moves detached volumes first, then attached data volumes, then attached boot volumes. */
function byDisruption(volumes: readonly Volume[]): Volume[][] {
  const bySize = (list: Volume[]) => list.sort((a, b) => a.sizeGb - b.sizeGb || (a.uuid < b.uuid ? -1 : 1));
  const movable = volumes.filter(isMovable);
  return [
    bySize(movable.filter((volume) => volume.status === 'available')),
    bySize(movable.filter((volume) => volume.status === 'in-use' && !volume.bootable)),
    bySize(movable.filter((volume) => volume.status === 'in-use' && volume.bootable)),
  ];
}

function standardDeviation(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
}

class PoolBalancer {
  moves = 0;

  constructor(
    readonly storage: StorageModel,
    readonly solution: SolutionBuilder,
    readonly log: StrategyLog,
    readonly threshold: number,
    /** Pools under the threshold when the audit started, the only destinations (as upstream). */
    readonly destinations: readonly StoragePool[],
  ) {}

  /**
   * The destination upstream's `migrate_fit` would pick: the pool with the most free capacity in proportion that
   * stays under the threshold with the volume, among those Cinder would take it in.
   */
  placeOf(volume: Volume): string | undefined {
    let best: StoragePool | undefined;
    let bestRatio = Number.POSITIVE_INFINITY;
    for (const candidate of this.destinations) {
      const pool = this.storage.getPool(candidate.name)!;
      if (pool.name === volume.pool) continue;
      if (usedGb(pool) + volume.sizeGb >= this.threshold * pool.totalCapacityGb) continue;
      const ratio = usedRatio(pool);
      if (ratio >= bestRatio) continue;
      if (this.solution.refuseVolumeMigration(volume, pool.name)) continue;
      best = pool;
      bestRatio = ratio;
    }
    return best?.name;
  }

  move(volume: Volume, to: string): boolean {
    const outcome = this.solution.migrateVolume(volume, { to });
    if (!outcome.ok) {
      this.log.info(
        { volume: volume.uuid, rule: outcome.rule, reason: outcome.reason },
        'storage_capacity_balance: volume not moved',
      );
      return false;
    }
    this.moves += 1;
    return true;
  }

  /**
   * Sheds the pool's excess with few moves: in upstream's order of classes, the smallest volume that alone brings the
   * pool under the threshold, else the largest one that can go, and again. Returns whether the pool got under.
   */
  relieve(source: StoragePool): boolean {
    const limitGb = this.threshold * source.totalCapacityGb;
    const overGb = () => usedGb(this.storage.getPool(source.name)!) - limitGb;
    for (const candidates of byDisruption(this.storage.volumesIn(source.name))) {
      while (overGb() >= 0 && candidates.length > 0) {
        const excess = overGb();
        let moved = false;
        // Smallest first among those big enough alone, then largest first.
        const enough = candidates.findIndex((volume) => volume.sizeGb > excess);
        const order = [
          ...(enough === -1 ? [] : candidates.slice(enough)),
          ...candidates.slice(0, enough === -1 ? candidates.length : enough).reverse(),
        ];
        for (const volume of order) {
          const to = this.placeOf(volume);
          candidates.splice(candidates.indexOf(volume), 1);
          if (to !== undefined && this.move(volume, to)) {
            moved = true;
            break;
          }
        }
        if (!moved) break;
      }
      if (overGb() < 0) return true;
    }
    return false;
  }
}

export const storageCapacityBalance = defineStrategy({
  name: 'storage_capacity_balance',
  goal: workloadBalancing,
  displayName: 'Storage Capacity Balance Strategy',
  parameters: Type.Object({
    volume_threshold: Type.Optional(
      Type.Number({ description: 'volume threshold for capacity balance', default: 80.0 }),
    ),
  }),
  metrics: [],
  supportLevel: 'experimental',
  planner: 'weight',
  docs: {
    description:
      'Moves volumes between Cinder pools so that every pool’s used capacity (total less free, as upstream reads it) falls under `volume_threshold` % of its total, reading the storage model. Pools at or above the threshold are the sources, most used first; pools under it are the destinations. From each source it takes, as upstream, detached (available) volumes first, then attached data volumes, then attached boot volumes, skipping volumes that are moving; within a class, where upstream moves the smallest volumes first until the pool is under, Steward moves the smallest volume that alone brings it under, else the largest that can go, and again — fewer moves for the same result. Each volume goes (`volume_migrate`, `migrate`) to the destination with the most free capacity in proportion that stays under the threshold with it, and that Cinder’s rules accept through the solution builder: a pool that serves the volume’s type, enabled and up, with room (virtual free capacity) for it. Efficacy indicators: upstream’s (no instance migrations), plus the standard deviation of the pools’ used fractions before and after the plan.',
    requirements: 'Cinder (the storage model), with at least two pools.',
    limitations:
      'Upstream retypes volumes that have a type (to a type of a pool with room, leaving the pool to Cinder’s scheduler); Steward migrates them to a pool that serves their type, so the destination and its room are known when planning. The storage model has no snapshots, so unlike upstream it may choose a volume with snapshots (Cinder refuses to migrate it, and the action fails). Upstream’s `ex_pools` option is not offered: use the audit scope’s storage rules to leave pools out. When the pools under the threshold cannot take enough, a source pool stays over it; the plan does what fits.',
  },
  async execute(ctx, { volume_threshold = 80.0 }) {
    const { solution, log, signal } = ctx;
    signal.throwIfAborted();
    solution.indicator('instance_migrations_count', 0);
    solution.indicator('instances_count', 0);
    if (!ctx.storage) {
      log.info({}, 'storage_capacity_balance: the cloud has no Cinder');
      return;
    }
    const storage = await ctx.storage();
    signal.throwIfAborted();
    const threshold = volume_threshold / 100;
    const pools = [...storage.pools()].filter(
      (pool) => Number.isFinite(pool.totalCapacityGb) && pool.totalCapacityGb > 0,
    );
    const ratios = () => pools.map((pool) => usedRatio(storage.getPool(pool.name)!));
    solution.indicator('standard_deviation_before_audit', standardDeviation(ratios()));
    const isOver = (pool: StoragePool) => usedGb(pool) >= threshold * pool.totalCapacityGb;
    const sources = pools.filter(isOver).sort((a, b) => usedRatio(b) - usedRatio(a));
    const destinations = pools.filter((pool) => {
      const backend = storage.nodeOf(pool.name);
      return !isOver(pool) && backend?.status !== 'disabled' && backend?.state !== 'down';
    });
    if (sources.length > 0 && destinations.length > 0) {
      const balancer = new PoolBalancer(storage, solution, log, threshold, destinations);
      for (const source of sources) {
        signal.throwIfAborted();
        if (!balancer.relieve(source))
          log.info({ pool: source.name }, 'storage_capacity_balance: the pool stays over the threshold');
      }
    } else if (sources.length > 0) {
      log.info({}, 'storage_capacity_balance: no pool is under the threshold to take volumes');
    }
    solution.indicator('standard_deviation_after_audit', standardDeviation(ratios()));
  },
});
