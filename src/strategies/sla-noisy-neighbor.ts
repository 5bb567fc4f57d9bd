import { Type, type Static } from 'typebox';
import type { MetricName, MetricsSource } from '../datasources/metrics-source.js';
import { StewardError } from '../errors.js';
import { serviceLevel } from '../goals/service-level.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';
import { refuseInstanceMove } from './nova-rules.js';
import { isAuditLimit, isSchedulable, type SolutionBuilder } from './solution-builder.js';
import { defineStrategy, type StrategyLog } from './strategy.js';

/** The service-level signals: the metric read, the parameter holding its threshold, its default. */
export const SIGNALS = [
  { key: 'cpu_steal', metric: 'instance_cpu_steal_pct', threshold: 'cpu_steal_threshold', default: 10 },
  { key: 'io_wait', metric: 'instance_io_wait_pct', threshold: 'io_wait_threshold', default: 20 },
  { key: 'cache_miss', metric: 'instance_cache_miss_rate', threshold: 'cache_miss_threshold', default: 0.3 },
] as const satisfies readonly { key: string; metric: MetricName; threshold: string; default: number }[];

type SignalKey = (typeof SIGNALS)[number]['key'];

const parameters = Type.Object({
  cpu_steal_threshold: Type.Optional(
    Type.Number({
      description:
        'Mean CPU steal (% of the instance’s vCPUs runnable but not running) over the period above which its service level is breached',
      minimum: 0,
      maximum: 100,
      default: 10,
    }),
  ),
  io_wait_threshold: Type.Optional(
    Type.Number({
      description:
        'Mean I/O wait (% of time its block devices were busy serving it) over the period above which its service level is breached',
      minimum: 0,
      maximum: 100,
      default: 20,
    }),
  ),
  cache_miss_threshold: Type.Optional(
    Type.Number({
      description:
        'Last-level cache misses / references (0..1) over the period above which its service level is breached',
      minimum: 0,
      maximum: 1,
      default: 0.3,
    }),
  ),
  period: Type.Optional(
    Type.Integer({
      description: 'The window in seconds over which each instance’s mean readings are taken',
      minimum: 1,
      default: 300,
    }),
  ),
  granularity: Type.Optional(
    Type.Integer({
      description:
        'The time between two measures of a metric, in seconds; accepted for compatibility (Prometheus aggregates over the whole period)',
      minimum: 1,
      default: 300,
    }),
  ),
  max_migrations: Type.Optional(
    Type.Integer({
      description: 'The most noisy neighbours one audit moves (0 for no limit)',
      minimum: 0,
      default: 3,
    }),
  ),
});

export type SlaNoisyNeighborParameters = Static<typeof parameters>;

/** One instance's mean readings over the period. */
interface Reading {
  /** CPU served, % of its vCPUs. */
  cpuPct: number;
  stealPct: number;
  ioWaitPct: number;
  cacheMissRate: number;
}

/** A breach of one signal by a victim, and the neighbour it is blamed on (undefined: none on its host). */
interface Breach {
  victim: Instance;
  signal: SignalKey;
  culprit: Instance | undefined;
}

/**
 * Description: the 2025.2 SLA noisy-neighbour strategy (goal `service_level`): finds instances whose service level
 * is breached (CPU steal, I/O wait or cache-miss rate over its threshold), blames each breach on the neighbour on
 * the same host that drives that kind of contention, and live-migrates the most blamed neighbour (never a victim
 * for its own breach) to a host with the allocation and the physical CPU left for it.
 * Requirements: instance_cpu_usage, instance_cpu_steal_pct, instance_io_wait_pct and instance_cache_miss_rate.
 * Limitations: contention is estimated from the audited instances' readings; the hypervisor's own load is not.
 */
export const slaNoisyNeighbor = defineStrategy({
  name: 'sla_noisy_neighbor',
  goal: serviceLevel,
  displayName: 'SLA noisy neighbour',
  parameters,
  metrics: ['instance_cpu_usage', ...SIGNALS.map((signal) => signal.metric)],
  supportLevel: 'experimental',
  planner: 'weight',
  docs: {
    description: [
      'Replaces the deprecated L3-cache `noisy_neighbor` with the service-level approach agreed at the 2025.2 PTG. For every active instance it reads the mean over `period` of its CPU use, CPU steal (`instance_cpu_steal_pct`), I/O wait (`instance_io_wait_pct`) and cache-miss rate (`instance_cache_miss_rate`). An instance whose steal, I/O wait or miss rate is above `cpu_steal_threshold`, `io_wait_threshold` or `cache_miss_threshold` is in breach of its service level.',
      '',
      'Each breach is blamed on the neighbour on the same host, other than the victim, that drives that kind of contention: for steal the one demanding the most CPU (vCPUs × (use + steal)), for I/O wait the one with the most I/O wait, for cache misses the one causing the most misses (vCPUs × use × miss rate). The host’s noisy neighbour is the instance blamed for the most breaches (ties: the larger CPU demand). It is live-migrated, through the solution builder (Nova’s rules, `lifecycle:*` metadata, the audit’s limits), to the schedulable host that would have the most physical cores to spare after taking its CPU demand, among those whose cores are not over-demanded with it. A host whose noisy neighbour Nova would not live-migrate (locked, excluded, `lifecycle:live-migratable=false`…) or that has no such destination is left alone: its victims are never moved in its place. Hosts are handled in order of their number of breaches, up to `max_migrations` moves; each move is applied to the working model, so later choices see it.',
      '',
      'Efficacy: `breached_instances_before_audit` counts the instances in breach now; `breached_instances_after_audit` estimates them after the plan from the model. Steal is the part of the CPU demand a host’s physical cores cannot serve: an instance’s steal after the plan is its steal now, less its share of its host’s excess demand now (1 − cores / demand), plus its share of its host’s excess demand after the moves. An I/O-wait or cache-miss breach counts as relieved when the instance and the neighbour it was blamed on no longer share a host. `noisy_neighbours_moved_count` is the number of moves planned.',
    ].join('\n'),
    requirements:
      'A datasource serving instance_cpu_usage, instance_cpu_steal_pct (Prometheus: the libvirt exporter’s `libvirt_domain_vcpu_delay_seconds_total`), instance_io_wait_pct (its block-device read and write times) and instance_cache_miss_rate (Ceilometer’s `perf.cache.misses` / `perf.cache.references`, libvirt perf events). The simulated cloud serves all four, with steal that follows each host’s over-demand (docs/simulator.md).',
    limitations:
      'Only ACTIVE instances are read and moved, by live migration. A host’s CPU demand is the sum of its audited instances’ demand: the hypervisor’s own use and instances outside the audit’s scope are not counted. I/O and cache contention have no capacity in the model, so their relief is assumed when the blamed neighbour leaves. An instance without readings is neither a victim nor blamed. `granularity` is accepted for compatibility.',
  },
  async execute({ model, metrics, solution, log, signal }, params) {
    signal.throwIfAborted();
    const period = params.period ?? 300;
    const thresholds: Record<SignalKey, number> = {
      cpu_steal: params.cpu_steal_threshold ?? 10,
      io_wait: params.io_wait_threshold ?? 20,
      cache_miss: params.cache_miss_threshold ?? 0.3,
    };
    const maxMigrations = params.max_migrations ?? 3;
    const audited = [...model.nodes()].flatMap((node) =>
      model.instancesOn(node.hostname).filter((instance) => instance.state === 'active'),
    );
    solution.indicator('instances_count', audited.length);
    const readings = await readInstances(metrics, audited, period, log);
    signal.throwIfAborted();

    // Breaches and their culprits as read; the estimate after the plan judges these, not ones found afresh.
    const found = findBreaches(model, readings, thresholds);
    const before = new Set(found.map((breach) => breach.victim.uuid));
    solution.indicator('breached_instances_before_audit', before.size);
    const originalHost = new Map(audited.map((instance) => [instance.uuid, instance.hostname!]));
    const open = [...found];
    let moved = 0;
    const tried = new Set<string>();
    while (maxMigrations === 0 || moved < maxMigrations) {
      signal.throwIfAborted();
      if (moveNextNoisy(model, solution, readings, open, tried, log) === 'stop') break;
      moved += 1;
      // Breaches an earlier move already relieves point at no more neighbours.
      const still = breachedInstances(model, readings, thresholds, open, originalHost);
      for (let n = open.length - 1; n >= 0; n--)
        if (!still.has(open[n]!.victim.uuid) || relieved(model, open[n]!)) open.splice(n, 1);
    }
    const after = breachedInstances(model, readings, thresholds, found, originalHost);
    solution.indicator('breached_instances_after_audit', after.size);
    solution.indicator('noisy_neighbours_moved_count', moved);
    log.info(
      { breachedBefore: before.size, breachedAfter: after.size, moved },
      before.size === 0 ? 'no instance is in breach of its service level' : 'sla_noisy_neighbor planned',
    );
  },
});

async function readInstances(
  metrics: MetricsSource | undefined,
  instances: readonly Instance[],
  periodSeconds: number,
  log: StrategyLog,
): Promise<Map<string, Reading>> {
  if (!metrics)
    throw new StewardError(
      'unavailable',
      'METRIC_UNAVAILABLE',
      'no datasource is configured to serve instance_cpu_steal_pct, instance_io_wait_pct and instance_cache_miss_rate',
      { details: { metric: 'instance_cpu_steal_pct' } },
    );
  if (instances.length === 0) return new Map();
  const resources = instances.map((i) => ({ kind: 'instance' as const, uuid: i.uuid, vcpus: i.vcpus }));
  const options = { periodSeconds, aggregate: 'mean' as const };
  const read = (metric: MetricName) => metrics.statistics(resources, metric, options);
  const [cpu, steal, ioWait, cacheMiss] = await Promise.all([
    read('instance_cpu_usage'),
    read('instance_cpu_steal_pct'),
    read('instance_io_wait_pct'),
    read('instance_cache_miss_rate'),
  ]);
  const readings = new Map<string, Reading>();
  const missing: string[] = [];
  for (const { uuid } of instances) {
    const cpuPct = cpu.get(uuid);
    const stealPct = steal.get(uuid);
    const ioWaitPct = ioWait.get(uuid);
    const cacheMissRate = cacheMiss.get(uuid);
    if (
      cpuPct === undefined ||
      stealPct === undefined ||
      ioWaitPct === undefined ||
      cacheMissRate === undefined
    )
      missing.push(uuid);
    else readings.set(uuid, { cpuPct, stealPct, ioWaitPct, cacheMissRate });
  }
  if (readings.size === 0)
    throw new StewardError(
      'unavailable',
      'METRIC_UNAVAILABLE',
      `datasource ${metrics.name} has no complete service-level readings for any of the ${instances.length} instance(s) over the last ${periodSeconds} s`,
      { details: { metric: 'instance_cpu_steal_pct', missing: missing.slice(0, 5) } },
    );
  if (missing.length > 0)
    log.warn(
      { instances: missing.slice(0, 10), count: missing.length },
      'instances without service-level readings left out',
    );
  return readings;
}

/** Cores the instance asks for: what it was served plus what it waited for. */
const demandCores = (instance: Instance, reading: Reading): number =>
  (instance.vcpus * (reading.cpuPct + reading.stealPct)) / 100;

/** How much of a signal's contention a neighbour drives. */
function noise(signal: SignalKey, instance: Instance, reading: Reading): number {
  switch (signal) {
    case 'cpu_steal':
      return demandCores(instance, reading);
    case 'io_wait':
      return reading.ioWaitPct;
    case 'cache_miss':
      return (instance.vcpus * reading.cpuPct * reading.cacheMissRate) / 100;
  }
}

const value = (signal: SignalKey, reading: Reading): number =>
  signal === 'cpu_steal'
    ? reading.stealPct
    : signal === 'io_wait'
      ? reading.ioWaitPct
      : reading.cacheMissRate;

/** Every breach on every host, each blamed on the noisiest neighbour for its signal. */
function findBreaches(
  model: ClusterModel,
  readings: ReadonlyMap<string, Reading>,
  thresholds: Record<SignalKey, number>,
): Breach[] {
  const breaches: Breach[] = [];
  for (const node of model.nodes()) {
    const onHost = model.instancesOn(node.hostname).filter((i) => readings.has(i.uuid));
    for (const victim of onHost)
      for (const { key } of SIGNALS) {
        if (value(key, readings.get(victim.uuid)!) <= thresholds[key]) continue;
        let culprit: Instance | undefined;
        let loudest = 0;
        for (const neighbour of onHost) {
          if (neighbour.uuid === victim.uuid) continue;
          const loud = noise(key, neighbour, readings.get(neighbour.uuid)!);
          if (loud > loudest) [culprit, loudest] = [neighbour, loud];
        }
        breaches.push({ victim, signal: key, culprit });
      }
  }
  return breaches;
}

/** Whether an I/O or cache breach's victim and culprit no longer share a host. */
const relieved = (model: ClusterModel, breach: Breach): boolean =>
  breach.signal !== 'cpu_steal' &&
  breach.culprit !== undefined &&
  model.getInstance(breach.victim.uuid)?.hostname !== model.getInstance(breach.culprit.uuid)?.hostname;

/** The physical cores' shortfall on a host: 1 − cores / demand, 0 while the demand fits. */
function excessShare(model: ClusterModel, node: ComputeNode, readings: ReadonlyMap<string, Reading>): number {
  let demand = 0;
  for (const instance of model.instancesOn(node.hostname)) {
    const reading = readings.get(instance.uuid);
    if (reading) demand += demandCores(instance, reading);
  }
  return demand > node.vcpus ? 1 - node.vcpus / demand : 0;
}

/**
 * The instances still in breach with the model as it is now: steal estimated from each host's CPU demand against
 * its cores (`originalHost` says where each instance was when read), the other signals relieved when the blamed
 * neighbour has left.
 */
function breachedInstances(
  model: ClusterModel,
  readings: ReadonlyMap<string, Reading>,
  thresholds: Record<SignalKey, number>,
  breaches: readonly Breach[],
  originalHost: ReadonlyMap<string, string>,
): Set<string> {
  const excessNow = new Map<string, number>();
  const excessOf = (hostname: string): number => {
    let share = excessNow.get(hostname);
    if (share === undefined) {
      const node = model.getNode(hostname);
      excessNow.set(hostname, (share = node ? excessShare(model, node, readings) : 0));
    }
    return share;
  };
  const excessRead = new Map<string, number>();
  const breached = new Set<string>();
  for (const breach of breaches) {
    if (breach.signal !== 'cpu_steal') {
      if (!relieved(model, breach)) breached.add(breach.victim.uuid);
      continue;
    }
    const instance = model.getInstance(breach.victim.uuid);
    const reading = readings.get(breach.victim.uuid)!;
    const from = originalHost.get(breach.victim.uuid);
    if (!instance?.hostname || from === undefined) {
      breached.add(breach.victim.uuid);
      continue;
    }
    let readShare = excessRead.get(from);
    if (readShare === undefined)
      excessRead.set(from, (readShare = readExcess(model, from, readings, originalHost)));
    const demandShare = (reading.cpuPct + reading.stealPct) / 100;
    const steal =
      Math.max(0, reading.stealPct - 100 * demandShare * readShare) +
      100 * demandShare * excessOf(instance.hostname);
    if (steal > thresholds.cpu_steal) breached.add(breach.victim.uuid);
  }
  return breached;
}

/** A host's excess share as it was read: with the instances that were on it then. */
function readExcess(
  model: ClusterModel,
  hostname: string,
  readings: ReadonlyMap<string, Reading>,
  originalHost: ReadonlyMap<string, string>,
): number {
  const node = model.getNode(hostname);
  if (!node) return 0;
  let demand = 0;
  for (const [uuid, host] of originalHost) {
    if (host !== hostname) continue;
    const instance = model.getInstance(uuid);
    const reading = readings.get(uuid);
    if (instance && reading) demand += demandCores(instance, reading);
  }
  return demand > node.vcpus ? 1 - node.vcpus / demand : 0;
}

/**
 * Moves the noisy neighbour of the host with the most breaches that has one it can move somewhere; 'stop' when no
 * host has, or the audit's limits are reached.
 */
function moveNextNoisy(
  model: ClusterModel,
  solution: SolutionBuilder,
  readings: ReadonlyMap<string, Reading>,
  breaches: readonly Breach[],
  tried: Set<string>,
  log: StrategyLog,
): 'moved' | 'stop' {
  const byHost = new Map<string, Breach[]>();
  for (const breach of breaches) {
    const hostname = model.getInstance(breach.victim.uuid)?.hostname;
    if (hostname && breach.culprit)
      (byHost.get(hostname) ?? byHost.set(hostname, []).get(hostname)!).push(breach);
  }
  const hosts = [...byHost].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  for (const [hostname, onHost] of hosts) {
    const blame = new Map<string, { instance: Instance; count: number }>();
    for (const { culprit } of onHost) {
      if (!culprit || model.getInstance(culprit.uuid)?.hostname !== hostname) continue;
      const entry = blame.get(culprit.uuid) ?? { instance: culprit, count: 0 };
      entry.count += 1;
      blame.set(culprit.uuid, entry);
    }
    // Only the most blamed: when it cannot go, moving a quieter victim instead is not this strategy's answer.
    const [suspect] = [...blame.values()].sort(
      (a, b) =>
        b.count - a.count ||
        demandCores(b.instance, readings.get(b.instance.uuid)!) -
          demandCores(a.instance, readings.get(a.instance.uuid)!) ||
        a.instance.uuid.localeCompare(b.instance.uuid),
    );
    if (!suspect || tried.has(suspect.instance.uuid)) continue;
    tried.add(suspect.instance.uuid);
    if (refuseInstanceMove(suspect.instance, 'live') !== undefined) {
      log.info(
        { noisy: suspect.instance.uuid, host: hostname },
        'the noisy neighbour cannot be live-migrated',
      );
      continue;
    }
    const noisy = suspect.instance;
    const demand = demandCores(noisy, readings.get(noisy.uuid)!);
    const destinations = [...model.nodes()]
      .filter((node) => node.hostname !== hostname && isSchedulable(node))
      .map((node) => ({ node, spare: node.vcpus - hostDemand(model, node, readings) - demand }))
      .filter(({ spare }) => spare >= 0)
      .sort((a, b) => b.spare - a.spare || a.node.hostname.localeCompare(b.node.hostname));
    for (const { node } of destinations) {
      const outcome = solution.migrate(noisy, { to: node.hostname, live: true });
      if (!outcome.ok && isAuditLimit(outcome.rule)) return 'stop';
      if (!outcome.ok) continue;
      log.info(
        { noisy: noisy.uuid, from: hostname, to: node.hostname, victims: onHost.map((b) => b.victim.uuid) },
        'moving a noisy neighbour away from the instances whose service level it breaches',
      );
      return 'moved';
    }
    log.info(
      { noisy: noisy.uuid, host: hostname },
      'no host has the room and the cores for the noisy neighbour',
    );
  }
  return 'stop';
}

/** Cores the host's audited instances ask for now. */
function hostDemand(model: ClusterModel, node: ComputeNode, readings: ReadonlyMap<string, Reading>): number {
  let demand = 0;
  for (const instance of model.instancesOn(node.hostname)) {
    const reading = readings.get(instance.uuid);
    if (reading) demand += demandCores(instance, reading);
  }
  return demand;
}
