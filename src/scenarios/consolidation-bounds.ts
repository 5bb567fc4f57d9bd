/**
 * Lower bounds for server consolidation on a cluster, computed from the model: what no valid plan can beat, so a
 * benchmark can print how far a strategy is from them.
 *
 * - Hosts in use: every instance keeps its flavor's VCPU, MEMORY_MB and DISK_GB allocation, and a host holds at
 *   most `(total − reserved) × ratio` of each, so per resource the hosts left in use need room for the sum of the
 *   instances' flavors. Per resource: L1 (the fewest hosts, largest first, whose capacities add up to the demand)
 *   and, when every host has the same capacity, Martello and Toth's L2 (1990), which also counts the items too big
 *   to share a host; the bound is the largest over the three resources.
 * - Migrations: to empty that many hosts, every instance on them must move at least once, and the cheapest choice
 *   is the hosts with the fewest instances.
 */
import type { ClusterModel, HostUsage } from '../model/cluster-model.js';

export type AllocationResource = keyof HostUsage;
const RESOURCES: readonly AllocationResource[] = ['vcpus', 'memoryMb', 'diskGb'];

export interface ConsolidationBounds {
  hosts: number;
  /** Hosts without instances before any plan. */
  emptyBefore: number;
  /** The fewest hosts that can hold every instance's allocation. */
  minHostsInUse: number;
  /** The resource that sets `minHostsInUse`. */
  binding: AllocationResource;
  /** The fewest hosts in use per resource. */
  minHostsByResource: Record<AllocationResource, number>;
  /** hosts − minHostsInUse: no valid plan empties more. */
  maxEmptyHosts: number;
  /** The instances on the `maxEmptyHosts` hosts holding the fewest: no plan reaching that many moves fewer. */
  minMigrations: number;
}

const EPSILON = 1e-9;

/** L1: the fewest capacities, largest first, whose sum reaches the demand. */
function continuousBound(capacities: readonly number[], demand: number): number {
  if (demand <= EPSILON) return 0;
  const sorted = [...capacities].sort((a, b) => b - a);
  let room = 0;
  for (let used = 0; used < sorted.length; used++) {
    room += sorted[used] as number;
    if (room + EPSILON >= demand) return used + 1;
  }
  return Number.POSITIVE_INFINITY;
}

/** Martello and Toth's L2 for bins of one capacity; `sizes` maps an item size to how many items have it. */
function martelloTothBound(capacity: number, sizes: ReadonlyMap<number, number>): number {
  if (capacity <= 0) return sizes.size === 0 ? 0 : Number.POSITIVE_INFINITY;
  const half = capacity / 2;
  const alphas = [0, ...[...sizes.keys()].filter((size) => size <= half + EPSILON && size > 0)];
  let best = 0;
  for (const alpha of alphas) {
    let big = 0; // J1: w > C − α, each needs a bin of its own
    let large = 0; // J2: C − α ≥ w > C/2, one per bin
    let largeSum = 0;
    let mediumSum = 0; // J3: C/2 ≥ w ≥ α, fill what J2 leaves
    for (const [size, count] of sizes) {
      if (size > capacity - alpha + EPSILON) big += count;
      else if (size > half + EPSILON) {
        large += count;
        largeSum += size * count;
      } else if (size + EPSILON >= alpha) mediumSum += size * count;
    }
    const spill = Math.max(0, Math.ceil((mediumSum - (large * capacity - largeSum)) / capacity - EPSILON));
    best = Math.max(best, big + large + spill);
  }
  return best;
}

export function consolidationBounds(model: ClusterModel): ConsolidationBounds {
  const nodes = [...model.nodes()];
  const instanceCounts = nodes.map((node) => model.instancesOn(node.hostname).length);
  const minHostsByResource = {} as Record<AllocationResource, number>;
  for (const resource of RESOURCES) {
    const capacities = nodes.map((node) => model.capacity(node)[resource]);
    const sizes = new Map<number, number>();
    let demand = 0;
    for (const instance of model.instances()) {
      if (instance.hostname === null) continue;
      const size = instance[resource];
      demand += size;
      sizes.set(size, (sizes.get(size) ?? 0) + 1);
    }
    let bound = continuousBound(capacities, demand);
    const first = capacities[0];
    if (first !== undefined && capacities.every((capacity) => capacity === first))
      bound = Math.max(bound, martelloTothBound(first, sizes));
    minHostsByResource[resource] = bound;
  }
  const binding = RESOURCES.reduce((a, b) => (minHostsByResource[b] > minHostsByResource[a] ? b : a));
  const minHostsInUse = Math.min(nodes.length, minHostsByResource[binding]);
  const maxEmptyHosts = nodes.length - minHostsInUse;
  const fewestFirst = [...instanceCounts].sort((a, b) => a - b);
  return {
    hosts: nodes.length,
    emptyBefore: instanceCounts.filter((count) => count === 0).length,
    minHostsInUse,
    binding,
    minHostsByResource,
    maxEmptyHosts,
    minMigrations: fewestFirst.slice(0, maxEmptyHosts).reduce((sum, count) => sum + count, 0),
  };
}
