/**
 * What a consolidation plan leaves behind, replayed in its order on the model it was planned on: empty hosts,
 * migrations, host state changes, the moves that break Placement's allocation rule at their point of the plan,
 * and the highest measured host CPU afterwards. Benchmarks print this beside the plan validator's findings
 * (strategies/plan-validator.ts), for Steward's plans and for Watcher's recorded ones alike.
 *
 * A `migrate` without a destination goes where Nova's scheduler would send it at that point: a host that is
 * enabled, up, not in maintenance, passes the flavor's filters and has the allocation left, weighed by Nova's
 * default RAM, CPU and disk weighers (each free amount normalised over the candidates, multiplier 1, ties by
 * hostname). The replayed actions carry that destination, so the validator checks the moves Nova would make.
 */
import { isActionTypeName, type ActionParameters } from '../contract/actions.js';
import type { ClusterModel, HostUsage } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';
import { applyAction } from '../strategies/action-effects.js';
import { refuseCapacity, refuseDestinationFor, refuseDestinationHost } from '../strategies/nova-rules.js';

export interface ReplayAction {
  readonly actionType: string;
  readonly inputParameters: Record<string, unknown>;
}

export interface ReplayOptions {
  /** Instance uuid → measured CPU, % of its vCPUs; without it the CPU figures are not computed. */
  instanceCpuPct?: ReadonlyMap<string, number>;
  /** Host CPU not explained by instances, % (the shared scenarios' generator adds 2 %). */
  hostOverheadPct?: number;
}

export interface ReplayOutcome {
  emptyHostsBefore: number;
  emptyHostsAfter: number;
  migrations: number;
  /** `change_nova_service_state` actions. */
  serviceStateChanges: number;
  /** `change_node_power_state` actions. */
  powerStateChanges: number;
  /** Migrations without a destination, sent where the scheduler would. */
  scheduledMigrations: number;
  /** Migrations without a destination for which no host had room (the instance stays). */
  unschedulable: number;
  /** Moves that put their destination over `(total − reserved) × ratio` of VCPU, MEMORY_MB or DISK_GB then. */
  capacityBreaks: number;
  /** Highest `overhead + Σ vCPUs × CPU % / host vCPUs` over the hosts still in use; undefined without CPU data. */
  maxHostCpuPct: number | undefined;
  /** Hosts above 100 % of their cores by that measure. */
  hostsOverCpu: number | undefined;
  /** The actions as replayed: destinations the scheduler chose are filled in. */
  actions: ReplayAction[];
}

const emptyHosts = (model: ClusterModel): number => {
  let empty = 0;
  for (const node of model.nodes()) if (model.instancesOn(node.hostname).length === 0) empty++;
  return empty;
};

/** Nova's default weighers over the hosts that pass the filters; undefined when none does. */
function schedule(
  model: ClusterModel,
  usage: ReadonlyMap<string, HostUsage>,
  instance: Instance,
): ComputeNode | undefined {
  const candidates: { node: ComputeNode; free: [number, number, number] }[] = [];
  for (const node of model.nodes()) {
    if (node.hostname === instance.hostname) continue;
    if (refuseDestinationHost(node) ?? refuseDestinationFor(model, instance, node)) continue;
    const used = usage.get(node.hostname) ?? model.usage(node.hostname);
    if (refuseCapacity(model, node, used, instance)) continue;
    const capacity = model.capacity(node);
    candidates.push({
      node,
      free: [capacity.memoryMb - used.memoryMb, capacity.vcpus - used.vcpus, capacity.diskGb - used.diskGb],
    });
  }
  if (candidates.length === 0) return undefined;
  const weight = candidates.map(() => 0);
  for (let resource = 0; resource < 3; resource++) {
    const values = candidates.map((candidate) => candidate.free[resource] as number);
    const low = Math.min(...values);
    const span = Math.max(...values) - low;
    if (span > 0) values.forEach((value, index) => (weight[index]! += (value - low) / span));
  }
  let best = 0;
  for (let index = 1; index < candidates.length; index++) {
    const better = weight[index]! - weight[best]!;
    if (
      better > 1e-12 ||
      (Math.abs(better) <= 1e-12 && candidates[index]!.node.hostname < candidates[best]!.node.hostname)
    )
      best = index;
  }
  return candidates[best]!.node;
}

function addUsage(usage: HostUsage, instance: Instance, sign: number): void {
  usage.vcpus += sign * instance.vcpus;
  usage.memoryMb += sign * instance.memoryMb;
  usage.diskGb += sign * instance.diskGb;
}

export function replayPlan(
  model: ClusterModel,
  actions: readonly ReplayAction[],
  options: ReplayOptions = {},
): ReplayOutcome {
  const working = model.clone();
  const outcome: ReplayOutcome = {
    emptyHostsBefore: emptyHosts(model),
    emptyHostsAfter: 0,
    migrations: 0,
    serviceStateChanges: 0,
    powerStateChanges: 0,
    scheduledMigrations: 0,
    unschedulable: 0,
    capacityBreaks: 0,
    maxHostCpuPct: undefined,
    hostsOverCpu: undefined,
    actions: [],
  };
  const usage = new Map<string, HostUsage>();
  for (const node of working.nodes()) usage.set(node.hostname, working.usage(node.hostname));
  const usageOf = (hostname: string): HostUsage => {
    let used = usage.get(hostname);
    if (!used) usage.set(hostname, (used = working.usage(hostname)));
    return used;
  };
  for (const action of actions) {
    const { actionType } = action;
    let inputParameters = action.inputParameters;
    if (actionType === 'change_nova_service_state') outcome.serviceStateChanges++;
    if (actionType === 'change_node_power_state') outcome.powerStateChanges++;
    if (actionType === 'migrate') {
      outcome.migrations++;
      const params = inputParameters as ActionParameters<'migrate'>;
      const instance = working.getInstance(params.resource_id);
      let destination = params.destination_node ?? undefined;
      if (instance && destination === undefined) {
        destination = schedule(working, usage, instance)?.hostname;
        if (destination === undefined) outcome.unschedulable++;
        else {
          outcome.scheduledMigrations++;
          inputParameters = { ...inputParameters, destination_node: destination };
        }
      }
      const node = destination === undefined ? undefined : working.getNode(destination);
      if (instance && node && refuseCapacity(working, node, usageOf(node.hostname), instance))
        outcome.capacityBreaks++;
    }
    outcome.actions.push({ actionType, inputParameters });
    if (!isActionTypeName(actionType)) continue;
    const moved =
      actionType === 'migrate' ? working.getInstance(String(inputParameters.resource_id)) : undefined;
    const from = moved?.hostname ?? null;
    applyAction({ compute: working }, actionType, inputParameters as never);
    const to = moved ? (working.getInstance(moved.uuid)?.hostname ?? null) : null;
    if (moved && from !== to) {
      // Allocations follow the instance: kept per host here so a scheduling pass over 10,000 hosts stays cheap.
      if (from !== null) addUsage(usageOf(from), moved, -1);
      if (to !== null) addUsage(usageOf(to), moved, 1);
    }
  }
  outcome.emptyHostsAfter = emptyHosts(working);
  const cpu = options.instanceCpuPct;
  if (cpu) {
    const overhead = options.hostOverheadPct ?? 2;
    let max = 0;
    let over = 0;
    for (const node of working.nodes()) {
      const instances = working.instancesOn(node.hostname);
      if (instances.length === 0 || node.vcpus <= 0) continue;
      let cores = 0;
      for (const instance of instances) cores += (instance.vcpus * (cpu.get(instance.uuid) ?? 0)) / 100;
      const pct = overhead + (100 * cores) / node.vcpus;
      max = Math.max(max, pct);
      if (pct > 100 + 1e-9) over++;
    }
    outcome.maxHostCpuPct = max;
    outcome.hostsOverCpu = over;
  }
  return outcome;
}
