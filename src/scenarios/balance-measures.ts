/**
 * What a balancing plan does to a recorded cluster, measured apart from the strategies (benchmarks and tests check
 * Steward's plans and Watcher's alike with it), on the scenario's constant metrics:
 * - `cpuStdDev`: the standard deviation over the enabled hosts of their CPU load, `host_cpu_usage` / 100, with each
 *   moved instance's share (its busy cores / the host's vCPUs) taken off its old host and put on its new one: the
 *   measure workload_stabilization's threshold applies to with its default parameters;
 * - `hostsAtOrAboveThreshold`: hosts whose instances' busy cores are at or above `thresholdPct` % of their vCPUs,
 *   workload_balance's measure (the hypervisor's own load not counted, as upstream);
 * - `thresholdLowerBound`: the fewest migrations that can bring every such host under: each needs at least as many
 *   departures as its largest movable instances take to bring it under.
 */
import type { ClusterModel } from '../model/cluster-model.js';

export interface BalanceInputs {
  /** The cluster before the plan. */
  readonly model: ClusterModel;
  /** hostname → host_cpu_usage, % of its cores. */
  readonly hostCpuPct: ReadonlyMap<string, number>;
  /** instance uuid → instance_cpu_usage, % of its vCPUs. */
  readonly instanceCpuPct: ReadonlyMap<string, number>;
}

export interface BalanceMeasures {
  readonly cpuStdDev: number;
  readonly hostsAtOrAboveThreshold: number;
  readonly migrations: number;
}

export interface PlannedMove {
  readonly actionType: string;
  readonly inputParameters: Record<string, unknown>;
}

const enabledHosts = (model: ClusterModel) =>
  [...model.nodes()].filter((node) => node.status === 'enabled' && node.state === 'up');

/** The measures after the plan's migrations (in their order), or of the cluster as it is with no actions. */
export function measureBalance(
  inputs: BalanceInputs,
  actions: readonly PlannedMove[] = [],
  thresholdPct = 25,
): BalanceMeasures {
  const { model, hostCpuPct, instanceCpuPct } = inputs;
  const hostOf = new Map<string, string | null>();
  for (const instance of model.instances()) hostOf.set(instance.uuid, instance.hostname);
  let migrations = 0;
  for (const action of actions) {
    if (action.actionType !== 'migrate') continue;
    const destination = action.inputParameters.destination_node;
    if (typeof destination !== 'string') continue;
    hostOf.set(String(action.inputParameters.resource_id), destination);
    migrations++;
  }
  const hosts = enabledHosts(model);
  const vcpusOf = new Map(hosts.map((node) => [node.hostname, node.vcpus]));
  const busyBefore = new Map<string, number>();
  const busyAfter = new Map<string, number>();
  for (const instance of model.instances()) {
    const cores = (instance.vcpus * (instanceCpuPct.get(instance.uuid) ?? 0)) / 100;
    const before = instance.hostname;
    const after = hostOf.get(instance.uuid) ?? null;
    if (before !== null) busyBefore.set(before, (busyBefore.get(before) ?? 0) + cores);
    if (after !== null) busyAfter.set(after, (busyAfter.get(after) ?? 0) + cores);
  }
  const loads = hosts.map((node) => {
    const vcpus = vcpusOf.get(node.hostname)!;
    const measured = (hostCpuPct.get(node.hostname) ?? 0) / 100;
    return measured + ((busyAfter.get(node.hostname) ?? 0) - (busyBefore.get(node.hostname) ?? 0)) / vcpus;
  });
  const mean = loads.reduce((sum, load) => sum + load, 0) / (loads.length || 1);
  const cpuStdDev = Math.sqrt(loads.reduce((sum, load) => sum + (load - mean) ** 2, 0) / (loads.length || 1));
  const hostsAtOrAboveThreshold = hosts.filter(
    (node) => ((busyAfter.get(node.hostname) ?? 0) / node.vcpus) * 100 >= thresholdPct,
  ).length;
  return { cpuStdDev, hostsAtOrAboveThreshold, migrations };
}

/** The fewest migrations after which no enabled host is at or above `thresholdPct` (hosts no plan can fix aside). */
export function thresholdLowerBound(inputs: BalanceInputs, thresholdPct = 25): number {
  const { model, instanceCpuPct } = inputs;
  let bound = 0;
  for (const node of enabledHosts(model)) {
    const busy = model.instancesOn(node.hostname).map((instance) => ({
      cores: (instance.vcpus * (instanceCpuPct.get(instance.uuid) ?? 0)) / 100,
      movable: instance.state === 'active' && !instance.locked && instance.watcherExclude !== true,
    }));
    let workload = busy.reduce((sum, one) => sum + one.cores, 0);
    const movable = busy
      .filter((one) => one.movable)
      .map((one) => one.cores)
      .sort((a, b) => b - a);
    let departures = 0;
    while ((workload / node.vcpus) * 100 >= thresholdPct && departures < movable.length)
      workload -= movable[departures++]!;
    if ((workload / node.vcpus) * 100 < thresholdPct) bound += departures;
  }
  return bound;
}
