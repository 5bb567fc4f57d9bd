/**
 * The glue the consolidation strategies share: read the model and the metrics into a packing problem (typed arrays),
 * run the kernel, and turn its moves into solution-builder migrations. The builder re-checks every move against
 * Nova's rules at that point of the plan, so the kernel can stay a pure packer.
 */
import type { MetricName, MetricsSource } from '../datasources/metrics-source.js';
import { StewardError } from '../errors.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';
import { consolidate, type PackingProblem, type PackingResult } from './kernels/consolidation.js';
import {
  refuseDestinationFor,
  refuseDestinationHost,
  refuseInstanceMove,
  type MoveKind,
} from './nova-rules.js';
import type { SolutionBuilder } from './solution-builder.js';
import type { StrategyLog } from './strategy.js';

/** A dimension the packer keeps within capacity. */
export type PackingDimension =
  'vcpu_allocation' | 'memory_allocation' | 'disk_allocation' | 'cpu_measured' | 'memory_measured';

export interface MeasuredLoad {
  /** instance uuid → CPU used, % of its vCPUs. */
  instanceCpuPct?: ReadonlyMap<string, number>;
  /** instance uuid → memory used, MiB. */
  instanceRamMb?: ReadonlyMap<string, number>;
  /** hostname → CPU busy, % of all its cores (load the instances do not explain stays on the host). */
  hostCpuPct?: ReadonlyMap<string, number>;
  /** hostname → memory in use, MiB. */
  hostRamMb?: ReadonlyMap<string, number>;
}

export interface ConsolidationOptions {
  dimensions: readonly PackingDimension[];
  load?: MeasuredLoad;
  /** Measured CPU a host may carry, % of its cores. */
  cpuCeilingPct?: number;
  /** Packing attempts (each keeps one more host); unbounded when absent. */
  maxAttempts?: number;
  /** Emit migrations without a destination, for Nova's scheduler to choose (the model assumes the packing's). */
  letNovaChoose?: boolean;
  signal: AbortSignal;
}

export interface ConsolidationOutcome {
  /** Hosts that took part (enabled, up, not in maintenance). */
  hosts: ComputeNode[];
  result: PackingResult;
  /** Hostnames the plan empties. */
  released: string[];
  migrations: number;
  /** The solution indexes of the planned migrations. */
  moveIndexes: number[];
  /** Moves the builder refused although the packer planned them (should be none; logged when not). */
  refused: number;
}

/**
 * Measured load is read as rounded figures (the shared scenarios keep three decimals): a hundredth of a percent of
 * headroom keeps a host planned at its ceiling from ending a hair above it.
 */
const MEASURE_MARGIN = 0.9999;

/** The move kind Nova allows for an instance's state: live for ACTIVE/PAUSED, cold for STOPPED (upstream's rule). */
export const moveKindOf = (instance: Instance): MoveKind | undefined =>
  instance.state === 'active' || instance.state === 'paused'
    ? 'live'
    : instance.state === 'stopped'
      ? 'cold'
      : undefined;

/** Hosts a consolidation may empty or fill: those Nova schedules onto. Disabled hosts are left alone. */
export const participatingHosts = (model: ClusterModel): ComputeNode[] =>
  [...model.nodes()].filter((node) => refuseDestinationHost(node) === undefined);

export function planConsolidation(
  model: ClusterModel,
  solution: SolutionBuilder,
  options: ConsolidationOptions,
  log: StrategyLog,
): ConsolidationOutcome {
  options.signal.throwIfAborted();
  const hosts = participatingHosts(model);
  const hostIndex = new Map(hosts.map((node, index) => [node.hostname, index]));
  const instances: Instance[] = [];
  for (const node of hosts) instances.push(...model.instancesOn(node.hostname));
  const dims = options.dimensions.length;
  const capacity = new Float64Array(hosts.length * dims);
  const baseline = new Float64Array(hosts.length * dims);
  const demand = new Float64Array(instances.length * dims);
  const hostOf = new Int32Array(instances.length);
  const movable = new Uint8Array(instances.length);
  const constrained = new Uint8Array(instances.length);
  const kinds: (MoveKind | undefined)[] = [];
  const ceiling = (options.cpuCeilingPct ?? 100) / 100;
  const load = options.load ?? {};

  hosts.forEach((node, h) => {
    const allocation = model.capacity(node);
    options.dimensions.forEach((dimension, d) => {
      capacity[h * dims + d] =
        dimension === 'vcpu_allocation'
          ? allocation.vcpus
          : dimension === 'memory_allocation'
            ? allocation.memoryMb
            : dimension === 'disk_allocation'
              ? allocation.diskGb
              : dimension === 'cpu_measured'
                ? node.vcpus * ceiling * MEASURE_MARGIN
                : node.memoryMb - node.memoryMbReserved;
    });
  });

  const groups = new Map<string, number>();
  instances.forEach((instance, i) => {
    hostOf[i] = hostIndex.get(instance.hostname!)!;
    const kind = moveKindOf(instance);
    kinds.push(kind);
    movable[i] = kind !== undefined && refuseInstanceMove(instance, kind) === undefined ? 1 : 0;
    const group = instance.serverGroup;
    if (group?.policy === 'affinity') {
      // Nova keeps an affinity group on one host: a member with company can only move with all of it.
      const members = (groups.get(group.uuid) ?? 0) + 1;
      groups.set(group.uuid, members);
    }
    if (
      instance.pinnedAvailabilityZone !== null ||
      group?.policy === 'anti-affinity' ||
      Object.keys(instance.flavor.extraSpecs).some(
        (key) => key.startsWith('trait:') || key.startsWith('aggregate_instance_extra_specs:'),
      )
    )
      constrained[i] = 1;
    options.dimensions.forEach((dimension, d) => {
      demand[i * dims + d] =
        dimension === 'vcpu_allocation'
          ? instance.vcpus
          : dimension === 'memory_allocation'
            ? instance.memoryMb
            : dimension === 'disk_allocation'
              ? instance.diskGb
              : dimension === 'cpu_measured'
                ? (instance.vcpus * (load.instanceCpuPct?.get(instance.uuid) ?? 100)) / 100
                : (load.instanceRamMb?.get(instance.uuid) ?? instance.memoryMb);
    });
  });
  instances.forEach((instance, i) => {
    const group = instance.serverGroup;
    if (group?.policy === 'affinity' && (groups.get(group.uuid) ?? 0) > 1) movable[i] = 0;
  });
  // Tenant-isolated aggregates constrain every instance.
  const tenantIsolated = [...model.aggregates()].some((aggregate) =>
    Object.keys(aggregate.metadata).some((key) => key.startsWith('filter_tenant_id')),
  );
  if (tenantIsolated) constrained.fill(1);

  // What the host carries beyond its instances' measured demand (the hypervisor, unexplained load) stays put.
  const explained = new Float64Array(hosts.length * dims);
  for (let i = 0; i < instances.length; i++)
    for (let d = 0; d < dims; d++) explained[hostOf[i]! * dims + d]! += demand[i * dims + d]!;
  hosts.forEach((node, h) => {
    options.dimensions.forEach((dimension, d) => {
      const hostCpuPct = load.hostCpuPct?.get(node.hostname);
      const measured =
        dimension === 'cpu_measured' && hostCpuPct !== undefined
          ? (node.vcpus * hostCpuPct) / 100
          : dimension === 'memory_measured'
            ? load.hostRamMb?.get(node.hostname)
            : undefined;
      if (measured !== undefined) baseline[h * dims + d] = Math.max(0, measured - explained[h * dims + d]!);
    });
  });

  const groupIds = new Map<string, number>();
  const groupOf = new Int32Array(instances.length).fill(-1);
  instances.forEach((instance, i) => {
    if (instance.serverGroup?.policy !== 'anti-affinity') return;
    let id = groupIds.get(instance.serverGroup.uuid);
    if (id === undefined) groupIds.set(instance.serverGroup.uuid, (id = groupIds.size));
    groupOf[i] = id;
  });

  const problem: PackingProblem = {
    dims,
    hostCount: hosts.length,
    capacity,
    baseline,
    canReceive: new Uint8Array(hosts.length).fill(1),
    instanceCount: instances.length,
    demand,
    hostOf,
    movable,
    constrained,
    antiAffinityGroup: groupOf,
    accepts: (i, h) => refuseDestinationFor(model, instances[i]!, hosts[h]!) === undefined,
    signal: options.signal,
    onAttempt: (kept, packed) =>
      log.info(
        { keptHosts: kept, hosts: hosts.length, instances: instances.length, packed },
        packed ? 'packing found' : 'packing failed; keeping more hosts',
      ),
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
  };
  const result = consolidate(problem);
  const moveIndexes: number[] = [];

  let refused = 0;
  for (let m = 0; m < result.moves.length; m += 2) {
    const instance = instances[result.moves[m]!]!;
    const destination = hosts[result.moves[m + 1]!]!.hostname;
    const outcome = solution.migrate(instance, {
      to: destination,
      live: kinds[result.moves[m]!] === 'live',
      ...(options.letNovaChoose === true && { letNovaChoose: true }),
    });
    if (outcome.ok) moveIndexes.push(outcome.index);
    else {
      refused++;
      log.warn({ instance: instance.uuid, destination, rule: outcome.rule }, outcome.reason);
    }
  }
  const released = [...result.released]
    .map((h) => hosts[h]!.hostname)
    .filter((hostname) => model.instancesOn(hostname).length === 0);
  return { hosts, result, released, migrations: moveIndexes.length, moveIndexes, refused };
}

/** Reads one metric for many resources, failing the audit with the metric and resource when any is missing. */
export async function requireStatistics(
  metrics: MetricsSource | undefined,
  metric: MetricName,
  resources: readonly (
    { kind: 'host'; hostname: string } | { kind: 'instance'; uuid: string; vcpus?: number }
  )[],
  options: { periodSeconds: number; aggregate: 'mean' | 'max' | 'min' },
): Promise<Map<string, number>> {
  if (!metrics)
    throw new StewardError(
      'unavailable',
      'METRIC_UNAVAILABLE',
      `no datasource is configured to serve ${metric}`,
      {
        details: { metric },
      },
    );
  if (resources.length === 0) return new Map();
  const values = await metrics.statistics(resources, metric, options);
  const missing = resources.filter(
    (resource) => !values.has(resource.kind === 'host' ? resource.hostname : resource.uuid),
  );
  if (missing.length > 0) {
    const names = missing
      .slice(0, 5)
      .map((resource) => (resource.kind === 'host' ? resource.hostname : resource.uuid));
    throw new StewardError(
      'unavailable',
      'METRIC_UNAVAILABLE',
      `datasource ${metrics.name} has no ${metric} for ${missing.length} ${missing[0]!.kind}(s), e.g. ${names.join(', ')}, over the last ${options.periodSeconds} s`,
      { details: { metric, missing: names } },
    );
  }
  return values;
}
