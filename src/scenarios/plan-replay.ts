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
import type { Instance } from '../model/elements.js';
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

const VCPU = 0;
const MEMORY = 1;
const DISK = 2;

/**
 * Nova's filters and default weighers over every host, for one replay. A plan of 50,000 destination-less moves on
 * 10,000 hosts asks it 500 million host checks, so it keeps allocations and capacities in typed arrays, and the
 * instance-side filters (zone, flavor traits, aggregates), which depend only on the hosts' fixed attributes, once
 * per distinct placement request.
 */
class ReplayScheduler {
  readonly #model: ClusterModel;
  readonly #hostnames: string[];
  readonly #index = new Map<string, number>();
  /** Position of each host in hostname order: Nova's weigher ties here fall to the lowest hostname. */
  readonly #rank: Int32Array;
  readonly #capacity: Float64Array;
  readonly #used: Float64Array;
  readonly #open: Uint8Array;
  readonly #allowedByRequest = new Map<string, Uint8Array>();
  readonly #tenantFilters: boolean;
  readonly #candidates: Int32Array;
  readonly #weight: Float64Array;

  constructor(model: ClusterModel) {
    this.#model = model;
    this.#hostnames = [...model.nodes()].map((node) => node.hostname);
    const hosts = this.#hostnames.length;
    this.#hostnames.forEach((hostname, index) => this.#index.set(hostname, index));
    this.#rank = new Int32Array(hosts);
    [...this.#hostnames.keys()]
      .sort((a, b) => (this.#hostnames[a]! < this.#hostnames[b]! ? -1 : 1))
      .forEach((index, position) => (this.#rank[index] = position));
    this.#capacity = new Float64Array(hosts * 3);
    this.#used = new Float64Array(hosts * 3);
    this.#open = new Uint8Array(hosts);
    this.#candidates = new Int32Array(hosts);
    this.#weight = new Float64Array(hosts);
    for (let index = 0; index < hosts; index++) {
      const node = model.getNode(this.#hostnames[index]!)!;
      const capacity = model.capacity(node);
      const used = model.usage(node.hostname);
      this.#capacity.set([capacity.vcpus, capacity.memoryMb, capacity.diskGb], index * 3);
      this.#used.set([used.vcpus, used.memoryMb, used.diskGb], index * 3);
    }
    this.refreshHosts();
    this.#tenantFilters = [...model.aggregates()].some((aggregate) =>
      Object.keys(aggregate.metadata).some((key) => key.startsWith('filter_tenant_id')),
    );
  }

  /** After an action other than a migration: it may change a host's service or power state, or its traits. */
  refreshHosts(): void {
    this.#allowedByRequest.clear();
    this.#hostnames.forEach((hostname, index) => {
      const node = this.#model.getNode(hostname);
      this.#open[index] = node && refuseDestinationHost(node) === undefined ? 1 : 0;
    });
  }

  usage(hostname: string): HostUsage {
    const at = this.#index.get(hostname)! * 3;
    return {
      vcpus: this.#used[at + VCPU]!,
      memoryMb: this.#used[at + MEMORY]!,
      diskGb: this.#used[at + DISK]!,
    };
  }

  move(instance: Instance, from: string | null, to: string | null): void {
    for (const [hostname, sign] of [
      [from, -1],
      [to, 1],
    ] as const) {
      const index = hostname === null ? undefined : this.#index.get(hostname);
      if (index === undefined) continue;
      const at = index * 3;
      this.#used[at + VCPU] = this.#used[at + VCPU]! + sign * instance.vcpus;
      this.#used[at + MEMORY] = this.#used[at + MEMORY]! + sign * instance.memoryMb;
      this.#used[at + DISK] = this.#used[at + DISK]! + sign * instance.diskGb;
    }
  }

  /** The hosts the instance-side filters let this instance onto (zone, flavor traits, aggregates). */
  #allowed(instance: Instance): Uint8Array {
    const request = JSON.stringify([
      instance.pinnedAvailabilityZone,
      this.#tenantFilters ? instance.projectId : null,
      Object.entries(instance.flavor.extraSpecs).sort(([a], [b]) => (a < b ? -1 : 1)),
    ]);
    let allowed = this.#allowedByRequest.get(request);
    if (!allowed) {
      allowed = new Uint8Array(this.#hostnames.length);
      this.#hostnames.forEach((hostname, index) => {
        const node = this.#model.getNode(hostname)!;
        allowed![index] = refuseDestinationFor(this.#model, instance, node) === undefined ? 1 : 0;
      });
      this.#allowedByRequest.set(request, allowed);
    }
    return allowed;
  }

  /** Where Nova would send the instance: the best-weighed host that passes every filter; undefined when none. */
  destinationFor(instance: Instance): string | undefined {
    const allowed = this.#allowed(instance);
    const self = this.#index.get(instance.hostname ?? '');
    const used = this.#used;
    const capacity = this.#capacity;
    const { vcpus, memoryMb, diskGb } = instance;
    const candidates = this.#candidates;
    let count = 0;
    const low = [Infinity, Infinity, Infinity];
    const high = [-Infinity, -Infinity, -Infinity];
    for (let index = 0; index < this.#hostnames.length; index++) {
      if (index === self || allowed[index] === 0 || this.#open[index] === 0) continue;
      const at = index * 3;
      if (used[at + VCPU]! + vcpus > capacity[at + VCPU]! + 1e-9) continue;
      if (used[at + MEMORY]! + memoryMb > capacity[at + MEMORY]! + 1e-9) continue;
      if (used[at + DISK]! + diskGb > capacity[at + DISK]! + 1e-9) continue;
      candidates[count++] = index;
      for (const resource of [MEMORY, VCPU, DISK]) {
        const free = capacity[at + resource]! - used[at + resource]!;
        if (free < low[resource]!) low[resource] = free;
        if (free > high[resource]!) high[resource] = free;
      }
    }
    if (count === 0) return undefined;
    // Nova's RAM, CPU and disk weighers in that order, each free amount normalised over the candidates.
    const weight = this.#weight;
    weight.fill(0, 0, count);
    for (const resource of [MEMORY, VCPU, DISK]) {
      const span = high[resource]! - low[resource]!;
      if (span <= 0) continue;
      for (let position = 0; position < count; position++) {
        const at = candidates[position]! * 3 + resource;
        weight[position] = weight[position]! + (capacity[at]! - used[at]! - low[resource]!) / span;
      }
    }
    let best = 0;
    for (let position = 1; position < count; position++) {
      const better = weight[position]! - weight[best]!;
      if (
        better > 1e-12 ||
        (Math.abs(better) <= 1e-12 && this.#rank[candidates[position]!]! < this.#rank[candidates[best]!]!)
      )
        best = position;
    }
    return this.#hostnames[candidates[best]!];
  }
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
  const scheduler = new ReplayScheduler(working);
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
        destination = scheduler.destinationFor(instance);
        if (destination === undefined) outcome.unschedulable++;
        else {
          outcome.scheduledMigrations++;
          inputParameters = { ...inputParameters, destination_node: destination };
        }
      }
      const node = destination === undefined ? undefined : working.getNode(destination);
      if (instance && node && refuseCapacity(working, node, scheduler.usage(node.hostname), instance))
        outcome.capacityBreaks++;
    }
    outcome.actions.push({ actionType, inputParameters });
    if (!isActionTypeName(actionType)) continue;
    const moved =
      actionType === 'migrate' ? working.getInstance(String(inputParameters.resource_id)) : undefined;
    const from = moved?.hostname ?? null;
    applyAction({ compute: working }, actionType, inputParameters as never);
    const to = moved ? (working.getInstance(moved.uuid)?.hostname ?? null) : null;
    if (moved && from !== to) scheduler.move(moved, from, to);
    if (actionType !== 'migrate') scheduler.refreshHosts();
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
