import { Type, type Static } from 'typebox';
import { hardwareMaintenance } from '../goals/hardware-maintenance.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { Instance, Volume } from '../model/elements.js';
import type { StorageModel } from '../model/storage-model.js';
import type { Outcome, SolutionBuilder } from './solution-builder.js';
import { SpreadingDestinations } from './spreading-destinations.js';
import { defineStrategy, type StrategyLog } from './strategy.js';

/**
 * Description: empties the listed compute nodes and storage pools for hardware maintenance: every instance on a
 * source node migrates (live when active or paused, cold when stopped) to its paired node, every volume in a source
 * pool migrates to its paired pool or is retyped, in the priority order asked for, with the parallelism limits as
 * ordering edges of the plan (the `dependency` planner keeps them).
 * Requirements: Cinder for volumes (the storage model).
 * Limitations: without `dst_node` Steward names the destination where upstream lets Nova choose.
 */

const ComputeNodePair = Type.Object(
  {
    src_node: Type.String({ description: 'Compute node from which instances migrate' }),
    dst_node: Type.Optional(Type.String({ description: 'Compute node to which instances migrate' })),
  },
  { additionalProperties: false },
);

const srcPool = Type.String({ description: 'Storage pool from which volumes migrate' });
const srcType = Type.Optional(Type.String({ description: 'Volume type from which volumes migrate' }));
/** Upstream's `oneOf`: a pool to migrate to, or a type to retype to, never both. */
const StoragePoolPair = Type.Union([
  Type.Object(
    {
      src_pool: srcPool,
      dst_pool: Type.String({ description: 'Storage pool to which volumes migrate' }),
      src_type: srcType,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      src_pool: srcPool,
      dst_type: Type.String({ description: 'Volume type to which volumes migrate' }),
      src_type: srcType,
    },
    { additionalProperties: false },
  ),
]);

const Priority = Type.Object(
  {
    project: Type.Optional(Type.Array(Type.String())),
    compute_node: Type.Optional(Type.Array(Type.String())),
    storage_pool: Type.Optional(Type.Array(Type.String())),
    compute: Type.Optional(Type.String({ enum: ['vcpu_num', 'mem_size', 'disk_size', 'created_at'] })),
    storage: Type.Optional(Type.String({ enum: ['size', 'created_at'] })),
  },
  { description: 'List prioritizes instances and volumes', additionalProperties: false },
);

const parameters = Type.Object({
  compute_nodes: Type.Optional(
    Type.Array(ComputeNodePair, {
      description:
        'Compute nodes to empty: [{"src_node": …, "dst_node": …}]; without dst_node Steward picks the destination',
    }),
  ),
  storage_pools: Type.Optional(
    Type.Array(StoragePoolPair, {
      description:
        'Storage pools to empty: [{"src_pool": …, "dst_pool": …}] or [{"src_pool": …, "dst_type": …}], optionally only volumes of src_type',
    }),
  ),
  parallel_total: Type.Optional(
    Type.Integer({
      description: 'The number of actions to be run in parallel in total (0: no limit)',
      minimum: 0,
      default: 6,
    }),
  ),
  parallel_per_node: Type.Optional(
    Type.Integer({
      description: 'The number of actions to be run in parallel per compute node (0: no limit)',
      minimum: 0,
      default: 2,
    }),
  ),
  parallel_per_pool: Type.Optional(
    Type.Integer({
      description: 'The number of actions to be run in parallel per storage pool (0: no limit)',
      minimum: 0,
      default: 2,
    }),
  ),
  priority: Type.Optional(Priority),
  with_attached_volume: Type.Optional(
    Type.Boolean({ description: 'instance migrates just after attached volumes or not', default: false }),
  ),
});

type Parameters = Static<typeof parameters>;
type PoolPair = Static<typeof StoragePoolPair>;

/**
 * The parallelism limits as ordering edges. Targets are taken in waves, each as upstream takes its one batch: in
 * priority order, skipping a target whose source already has its limit in the wave, until the wave holds
 * `parallel_total`. The i-th action of a wave waits for the i-th of the wave before, and the k-th action of a source in
 * a wave for the k-th of that source in the wave before: at most `parallel_total` chains in all and the per-source
 * limit per source, so no more ever run at once, in whatever order the applier takes the DAG. 0 is no limit.
 */
class ParallelWaves {
  readonly #total: (number | undefined)[] = [];
  readonly #bySource = new Map<string, (number | undefined)[]>();
  #inWave = 0;
  readonly #inWaveBySource = new Map<string, number>();

  constructor(
    readonly totalLimit: number,
    readonly limitOf: (source: string) => number,
  ) {}

  get isFull(): boolean {
    return this.totalLimit > 0 && this.#inWave >= this.totalLimit;
  }

  canTake(source: string): boolean {
    const limit = this.limitOf(source);
    return !this.isFull && (limit === 0 || (this.#inWaveBySource.get(source) ?? 0) < limit);
  }

  /** The actions the next one from `source` must wait for. */
  after(source: string): number[] {
    const waits: number[] = [];
    const total = this.totalLimit > 0 ? this.#total[this.#inWave] : undefined;
    if (total !== undefined) waits.push(total);
    const own =
      this.limitOf(source) > 0
        ? this.#bySource.get(source)?.[this.#inWaveBySource.get(source) ?? 0]
        : undefined;
    if (own !== undefined) waits.push(own);
    return waits;
  }

  record(source: string, index: number): void {
    const k = this.#inWaveBySource.get(source) ?? 0;
    if (this.totalLimit > 0) this.#total[this.#inWave] = index;
    if (this.limitOf(source) > 0) {
      let chains = this.#bySource.get(source);
      if (!chains) this.#bySource.set(source, (chains = []));
      chains[k] = index;
    }
    this.#inWave += 1;
    this.#inWaveBySource.set(source, k + 1);
  }

  nextWave(): void {
    this.#inWave = 0;
    this.#inWaveBySource.clear();
  }
}

type Target = { volume: Volume; instance?: never } | { instance: Instance; volume?: never };

const sourceOf = (target: Target): string =>
  target.volume ? `pool:${target.volume.pool}` : `node:${target.instance.hostname}`;

/** One upstream priority filter as a sort key: lower first. */
type SortKey<T> = (item: T) => number;

/** A rank in a preference list: listed values first, in list order; the rest after, as they were. */
const rankIn =
  (list: readonly string[]) =>
  (value: string | null): number => {
    const at = value === null ? -1 : list.indexOf(value);
    return at === -1 ? list.length : at;
  };

const age = (date: Date | undefined): number => date?.getTime() ?? Number.POSITIVE_INFINITY;

/**
 * Upstream applies the priority filters last key first, each a stable sort: the first key decides, later keys break
 * ties. That is a stable sort on the keys in the order the parameter lists them.
 */
function priorityKeys(priority: Parameters['priority']): {
  instance: SortKey<Instance>[];
  volume: SortKey<Volume>[];
} {
  const instance: SortKey<Instance>[] = [];
  const volume: SortKey<Volume>[] = [];
  for (const [key, value] of Object.entries(priority ?? {})) {
    if (key === 'project' && Array.isArray(value)) {
      const rank = rankIn(value);
      instance.push((item) => rank(item.projectId));
      volume.push((item) => rank(item.projectId));
    } else if (key === 'compute_node' && Array.isArray(value)) {
      const rank = rankIn(value);
      instance.push((item) => rank(item.hostname));
    } else if (key === 'storage_pool' && Array.isArray(value)) {
      const rank = rankIn(value);
      volume.push((item) => rank(item.pool));
    } else if (key === 'compute') {
      // Biggest first; the oldest first.
      if (value === 'vcpu_num') instance.push((item) => -item.vcpus);
      else if (value === 'mem_size') instance.push((item) => -item.memoryMb);
      else if (value === 'disk_size') instance.push((item) => -item.diskGb);
      else if (value === 'created_at') instance.push((item) => age(item.createdAt));
    } else if (key === 'storage') {
      if (value === 'size') volume.push((item) => -item.sizeGb);
      else if (value === 'created_at') volume.push((item) => age(item.createdAt));
    }
  }
  return { instance, volume };
}

function sortByKeys<T>(items: T[], keys: readonly SortKey<T>[]): T[] {
  if (keys.length === 0) return items;
  const decorated = items.map((item) => ({ item, values: keys.map((key) => key(item)) }));
  decorated.sort((a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const [x, y] = [a.values[k]!, b.values[k]!];
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
  return decorated.map(({ item }) => item);
}

/**
 * Upstream's `get_dst_pool_and_type`: an entry naming the volume's pool and type wins, else the first naming its pool
 * without a type.
 */
function pairFor(pairs: readonly PoolPair[], volume: Volume): PoolPair | undefined {
  return (
    pairs.find(
      (pair) =>
        pair.src_type !== undefined && pair.src_pool === volume.pool && pair.src_type === volume.volumeType,
    ) ?? pairs.find((pair) => pair.src_type === undefined && pair.src_pool === volume.pool)
  );
}

const isLive = (instance: Instance) => instance.state === 'active' || instance.state === 'paused';
const isCold = (instance: Instance) => instance.state === 'stopped';

interface Counts {
  live: number;
  plannedLive: number;
  cold: number;
  plannedCold: number;
  volumes: number;
  plannedVolumes: number;
}

class ZoneMigrationPlan {
  readonly counts: Counts = {
    live: 0,
    plannedLive: 0,
    cold: 0,
    plannedCold: 0,
    volumes: 0,
    plannedVolumes: 0,
  };
  readonly #waves: ParallelWaves;
  readonly #destinationOf: ReadonlyMap<string, string | undefined>;
  readonly #spreading: SpreadingDestinations;
  readonly #handled = new Set<string>();
  #instanceTargets = new Map<string, Instance>();

  constructor(
    readonly model: ClusterModel,
    readonly solution: SolutionBuilder,
    readonly log: StrategyLog,
    readonly params: Parameters,
  ) {
    const perNode = params.parallel_per_node ?? 2;
    const perPool = params.parallel_per_pool ?? 2;
    this.#waves = new ParallelWaves(params.parallel_total ?? 6, (source) =>
      source.startsWith('pool:') ? perPool : perNode,
    );
    const destinations = new Map<string, string | undefined>();
    for (const pair of params.compute_nodes ?? [])
      if (!destinations.has(pair.src_node)) destinations.set(pair.src_node, pair.dst_node);
    this.#destinationOf = destinations;
    this.#spreading = new SpreadingDestinations(model, new Set(destinations.keys()));
  }

  /** Instances on the source nodes, source by source, in priority order. */
  instances(keys: readonly SortKey<Instance>[]): Instance[] {
    const found: Instance[] = [];
    for (const source of this.#destinationOf.keys()) {
      if (!this.model.getNode(source)) {
        this.log.warn({ node: source }, 'zone_migration: the source node is not in the audit’s model');
        continue;
      }
      found.push(...this.model.instancesOn(source));
    }
    return sortByKeys(found, keys);
  }

  /** Volumes in the source pools (of the source type where one is given), in priority order. */
  volumes(storage: StorageModel, keys: readonly SortKey<Volume>[]): Volume[] {
    const pairs = this.params.storage_pools ?? [];
    const sourcePools = new Set(pairs.map((pair) => pair.src_pool));
    const found: Volume[] = [];
    for (const pool of sourcePools) {
      if (!storage.getPool(pool)) {
        this.log.warn({ pool }, 'zone_migration: the source pool is not in the audit’s storage model');
        continue;
      }
      for (const volume of storage.volumesIn(pool)) if (pairFor(pairs, volume)) found.push(volume);
    }
    return sortByKeys(found, keys);
  }

  /** Plans every target, volumes first as upstream does, wave after wave (see ParallelWaves). */
  run(instances: readonly Instance[], volumes: readonly Volume[], signal: AbortSignal): void {
    for (const instance of instances) {
      if (isLive(instance)) this.counts.live += 1;
      else if (isCold(instance)) this.counts.cold += 1;
    }
    this.counts.volumes = volumes.length;
    this.#instanceTargets = new Map(instances.map((instance) => [instance.uuid, instance]));
    let pending: Target[] = [
      ...volumes.map((volume) => ({ volume })),
      ...instances.map((instance) => ({ instance })),
    ];
    while (pending.length > 0) {
      signal.throwIfAborted();
      const deferred: Target[] = [];
      for (let at = 0; at < pending.length; at++) {
        const target = pending[at]!;
        if (this.#waves.isFull) {
          deferred.push(...pending.slice(at));
          break;
        }
        if (target.instance && this.#handled.has(target.instance.uuid)) continue;
        if (!this.#waves.canTake(sourceOf(target))) deferred.push(target);
        else if (target.volume) this.#moveVolume(target.volume);
        else this.#migrateInstance(target.instance);
      }
      pending = deferred;
      this.#waves.nextWave();
    }
  }

  #moveVolume(volume: Volume): void {
    const pair = pairFor(this.params.storage_pools ?? [], volume)!;
    const source = sourceOf({ volume });
    const after = this.#waves.after(source);
    let outcome: Outcome;
    if ('dst_type' in pair && pair.dst_type !== volume.volumeType) {
      outcome = this.solution.retypeVolume(volume, { type: pair.dst_type, after });
    } else if ('dst_pool' in pair) {
      outcome = this.solution.migrateVolume(volume, { to: pair.dst_pool, after });
    } else {
      this.log.info(
        { volume: volume.uuid, pool: volume.pool },
        'zone_migration: the volume already has the destination type and no destination pool is given',
      );
      return;
    }
    if (!outcome.ok) {
      this.log.info(
        { volume: volume.uuid, rule: outcome.rule, reason: outcome.reason },
        'zone_migration: volume not moved',
      );
      return;
    }
    this.counts.plannedVolumes += 1;
    this.#waves.record(source, outcome.index);
    if (this.params.with_attached_volume !== true) return;
    // Upstream migrates the volume's servers right after it (those that are targets), within the same limits.
    for (const attachment of volume.attachments) {
      const instance = this.#instanceTargets.get(attachment.serverId);
      if (instance && !this.#handled.has(instance.uuid) && this.#waves.canTake(sourceOf({ instance })))
        this.#migrateInstance(instance);
    }
  }

  #migrateInstance(target: Instance): void {
    this.#handled.add(target.uuid);
    const instance = this.model.getInstance(target.uuid);
    if (!instance || instance.hostname === null) return;
    const live = isLive(instance);
    if (!live && !isCold(instance)) return;
    const source = sourceOf({ instance });
    const named = this.#destinationOf.get(instance.hostname);
    const kind = live ? 'live' : 'cold';
    const to =
      named ?? this.#spreading.choose((hostname) => !this.solution.refuseMigration(instance, hostname, kind));
    if (to === undefined) {
      this.log.info(
        { instance: instance.uuid, source: instance.hostname },
        'zone_migration: no destination can take the instance',
      );
      return;
    }
    const outcome = this.solution.migrate(instance, { to, live, after: this.#waves.after(source) });
    if (!outcome.ok) {
      this.log.info(
        { instance: instance.uuid, rule: outcome.rule, reason: outcome.reason },
        'zone_migration: instance not moved',
      );
      return;
    }
    if (named === undefined) this.#spreading.update(to);
    if (live) this.counts.plannedLive += 1;
    else this.counts.plannedCold += 1;
    this.#waves.record(source, outcome.index);
  }
}

export const zoneMigration = defineStrategy({
  name: 'zone_migration',
  goal: hardwareMaintenance,
  displayName: 'Zone migration',
  parameters,
  metrics: [],
  supportLevel: 'experimental',
  planner: 'dependency',
  docs: {
    description:
      'Empties the listed compute nodes and storage pools for hardware maintenance, with upstream’s parameters. Every instance on a `src_node` migrates to its `dst_node` — live when active or paused, cold when stopped; other states stay — and every volume in a `src_pool` (only those of `src_type` when given) migrates to its `dst_pool` (`volume_migrate`, `migrate`; an in-use volume is copied by its server, which must be active or paused), or is retyped to `dst_type` when that differs from its type. Targets are ordered as upstream orders them: `priority` keys in the order given, each sorting by the one before (`project`, `compute_node`, `storage_pool` lists first; `compute` biggest `vcpu_num`/`mem_size`/`disk_size` or oldest `created_at` first; `storage` biggest `size` or oldest `created_at` first); volumes are planned before instances, and with `with_attached_volume` each volume’s server (when it is a target) right after it. Every move goes through the solution builder, so Nova’s and Cinder’s rules hold; a refused one is logged and left out. Efficacy: targets and planned moves per kind, as upstream (live, cold, volume; attached volumes counted with volumes, upstream’s alias).\n\nParallelism: upstream plans one batch per audit — in priority order, at most `parallel_total` actions, `parallel_per_node` per source node and `parallel_per_pool` per source pool — and leaves the rest to the next audit; its weight planner then runs two actions of a type at a time whatever the parameters. Steward plans every move, batch after batch taken the same way (its first batch is upstream’s plan), and puts the limits in the plan’s DAG: the i-th action of a batch waits for the i-th of the batch before, and the k-th of a source for the k-th of that source in the batch before. That makes at most `parallel_total` chains in all and the per-source limit per source, so no more actions run at once in any order the applier takes. The `dependency` planner keeps exactly these edges and the builder’s own (an instance’s move after its volumes’, a move into a full host or pool after the moves out that make room). 0 means no limit of that kind.',
    requirements:
      'For volumes, Cinder (the storage model; without it `storage_pools` finds nothing). The source nodes and pools must be in the audit’s scope.',
    limitations:
      'Without `dst_node`, upstream lets Nova’s scheduler choose (it may pick another node being emptied); Steward names the destination itself: the schedulable host outside the sources with the most free memory that Nova would accept, so the plan can be checked. Moves into one destination host run one after another (the builder chains them so its room holds in every order), so a one-to-one `src_node`/`dst_node` pair moves one instance at a time whatever `parallel_per_node` says. A retype leaves the pool to Cinder’s scheduler; the model assumes it keeps the volume in its pool when that serves the new type, else the serving pool with the most free capacity. `created_at` ordering needs the creation time a sync reads: elements only notified about so far sort last.',
  },
  async execute(ctx, params) {
    const { model, solution, log, signal } = ctx;
    signal.throwIfAborted();
    const plan = new ZoneMigrationPlan(model, solution, log, params);
    const keys = priorityKeys(params.priority);
    const instances = plan.instances(keys.instance);
    let volumes: Volume[] = [];
    if ((params.storage_pools ?? []).length > 0) {
      if (ctx.storage) {
        const storage = await ctx.storage();
        signal.throwIfAborted();
        volumes = plan.volumes(storage, keys.volume);
      } else {
        log.warn({}, 'zone_migration: the cloud has no Cinder; storage_pools are ignored');
      }
    }
    plan.run(instances, volumes, signal);
    const { counts } = plan;
    solution.indicator('live_migrate_instance_count', counts.live);
    solution.indicator('planned_live_migrate_instance_count', counts.plannedLive);
    solution.indicator('cold_migrate_instance_count', counts.cold);
    solution.indicator('planned_cold_migrate_instance_count', counts.plannedCold);
    solution.indicator('volume_migrate_count', counts.volumes);
    solution.indicator('planned_volume_migrate_count', counts.plannedVolumes);
    solution.indicator('volume_update_count', counts.volumes);
    solution.indicator('planned_volume_update_count', counts.plannedVolumes);
  },
});
