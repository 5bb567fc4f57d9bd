/**
 * Threshold balancing on typed arrays (workload_balance): a host is overloaded when its instances' workload is at or
 * above `thresholdPct` of its capacity in the metric (busy cores of its vCPUs, MiB of its memory); a destination
 * must stay under it after the move. Pure but for `commit`, through which the glue plans each move.
 *
 * `balanceOnce` is upstream's single move: the instance of the most loaded overloaded host whose workload comes
 * closest to (without exceeding) the host's excess over the cluster's average, to the least loaded host that stays
 * under the threshold with room for it.
 *
 * `balanceAll` gets every host under the threshold with as few migrations as it can:
 * 1. per overloaded host, the fewest instances whose removal brings it under (largest first: no smaller set of
 *    instances can), then, keeping that count, each swapped for the smallest one that still does, so the least
 *    workload has to find a new home;
 * 2. all of them, largest first, each onto the least loaded host that was under the threshold, stays under it and
 *    has the allocation for it (upstream's choice of destination), a host's room counting the arrivals planned so
 *    far, so the moves are valid in any order;
 * 3. a host whose chosen instance found no home sheds others that do (largest first) until it is under;
 * 4. the moves are planned most loaded host first, up to `maxMigrations`.
 * Every overloaded host needs at least its count from step 1, so their sum is a lower bound on the migrations of any
 * plan that leaves no host at or above the threshold (`lowerBound`); the plan reaches it when step 2 homes them all.
 */

export interface BalanceProblem {
  readonly hostCount: number;
  /** Per host: its capacity in the metric (vCPUs, or MiB of memory). */
  readonly capacity: Float64Array;
  /** Per host: its instances' workload (busy cores, or MiB used). */
  readonly workload: Float64Array;
  readonly thresholdPct: number;
  /** H × 3: VCPU, MEMORY_MB and DISK_GB allocation left on each host. */
  readonly free: Float64Array;
  readonly instanceCount: number;
  /** Per instance: its workload. */
  readonly amount: Float64Array;
  /** I × 3: its allocation. */
  readonly allocation: Float64Array;
  readonly hostOf: Int32Array;
  readonly movable: Uint8Array;
  /** Instances whose moves need more checks than allocation, asked through `accepts`. */
  readonly constrained?: Uint8Array;
  accepts?(instance: number, host: number): boolean;
  /** Plans the move; false when refused. */
  commit(instance: number, host: number): boolean;
  readonly signal?: AbortSignal;
}

export interface BalanceResult {
  readonly overloadedBefore: number;
  readonly overloadedAfter: number;
  /** The fewest migrations any plan leaving no host overloaded needs (hosts that cannot get under count none). */
  readonly lowerBound: number;
  /** Overloaded hosts that stay overloaded even with every movable instance gone. */
  readonly unfixable: number;
  readonly moves: number;
}

const EPSILON = 1e-9;

/** The host's utilisation in % as upstream computes it (workload / capacity × 100). */
const utilisation = (workload: number, capacity: number): number => (workload / capacity) * 100;

export function balanceOnce(problem: BalanceProblem): BalanceResult {
  const { hostCount: H, capacity, thresholdPct, amount } = problem;
  const workload = new Float64Array(problem.workload);
  const util = (h: number) => utilisation(workload[h]!, capacity[h]!);
  const sets = removalSets(problem);
  const sources: number[] = [];
  const targets: number[] = [];
  for (let h = 0; h < H; h++) (util(h) >= thresholdPct ? sources : targets).push(h);
  let average = 0;
  for (let h = 0; h < H; h++) average += workload[h]!;
  average /= H || 1;
  sources.sort((a, b) => util(b) - util(a) || a - b);
  targets.sort((a, b) => util(a) - util(b) || a - b);
  const members = instancesByHost(problem);
  let moves = 0;
  // Upstream's choice first; where it has no destination, the next best candidates instead of giving up.
  search: for (const source of sources) {
    const excess = workload[source]! - average;
    const candidates = (members.get(source) ?? []).filter(
      (i) => problem.movable[i] && excess - amount[i]! >= 0,
    );
    candidates.sort((a, b) => excess - amount[a]! - (excess - amount[b]!) || a - b);
    for (const i of candidates) {
      for (const d of targets) {
        if (!fitsAllocation(problem, problem.free, i, d)) continue;
        if (utilisation(workload[d]! + amount[i]!, capacity[d]!) >= thresholdPct) continue;
        if (problem.constrained?.[i] && problem.accepts && !problem.accepts(i, d)) continue;
        if (!problem.commit(i, d)) continue;
        workload[source]! -= amount[i]!;
        workload[d]! += amount[i]!;
        moves = 1;
        break search;
      }
    }
  }
  return {
    overloadedBefore: sources.length,
    overloadedAfter: countOverloaded(workload, capacity, thresholdPct),
    lowerBound: sets.lowerBound,
    unfixable: sets.unfixable,
    moves,
  };
}

export function balanceAll(problem: BalanceProblem, maxMigrations: number): BalanceResult {
  const { hostCount: H, capacity, thresholdPct, amount } = problem;
  const limit = maxMigrations > 0 ? maxMigrations : Number.POSITIVE_INFINITY;
  const original = problem.workload;
  const workload = new Float64Array(original);
  const free = new Float64Array(problem.free);
  const overloadedBefore = countOverloaded(workload, capacity, thresholdPct);
  // As upstream, only hosts under the threshold receive: a host shedding load never takes any, so one whose shedding
  // falls short is never left above the threshold with arrivals on top.
  const overloaded = Uint8Array.from(workload, (w, h) =>
    utilisation(w, capacity[h]!) >= thresholdPct ? 1 : 0,
  );
  const sets = removalSets(problem);
  const members = instancesByHost(problem);
  const chosen = new Uint8Array(problem.instanceCount);
  const destination = new Int32Array(problem.instanceCount).fill(-1);
  for (const set of sets.byHost.values())
    for (const i of set) {
      chosen[i] = 1;
      workload[problem.hostOf[i]!]! -= amount[i]!;
    }

  const home = (i: number): boolean => {
    let best = -1;
    for (let d = 0; d < H; d++) {
      if (overloaded[d] || !fitsAllocation(problem, free, i, d)) continue;
      if (utilisation(workload[d]! + amount[i]!, capacity[d]!) >= thresholdPct) continue;
      if (
        best >= 0 &&
        utilisation(workload[d]!, capacity[d]!) >= utilisation(workload[best]!, capacity[best]!)
      )
        continue;
      if (problem.constrained?.[i] && problem.accepts && !problem.accepts(i, d)) continue;
      best = d;
    }
    if (best < 0) return false;
    destination[i] = best;
    workload[best]! += amount[i]!;
    for (let r = 0; r < 3; r++) free[best * 3 + r]! -= problem.allocation[i * 3 + r]!;
    return true;
  };

  const items = [...sets.byHost.values()].flat().sort((a, b) => amount[b]! - amount[a]! || a - b);
  for (const i of items) {
    problem.signal?.throwIfAborted();
    if (home(i)) continue;
    chosen[i] = 0;
    workload[problem.hostOf[i]!]! += amount[i]!;
  }
  // Hosts whose chosen instances did not all find a home shed others that do.
  for (const host of sets.byHost.keys()) {
    if (utilisation(workload[host]!, capacity[host]!) < thresholdPct) continue;
    const rest = (members.get(host) ?? [])
      .filter((i) => problem.movable[i] && !chosen[i])
      .sort((a, b) => amount[b]! - amount[a]! || a - b);
    for (const i of rest) {
      if (utilisation(workload[host]!, capacity[host]!) < thresholdPct) break;
      workload[host]! -= amount[i]!;
      if (home(i)) chosen[i] = 1;
      else workload[host]! += amount[i]!;
    }
  }

  // Most loaded host first, so a cut plan relieves the worst hosts; the model sees the moves as they are planned.
  const planned: number[] = [];
  for (let i = 0; i < problem.instanceCount; i++) if (chosen[i] && destination[i]! >= 0) planned.push(i);
  const hostOrder = (i: number) => utilisation(original[problem.hostOf[i]!]!, capacity[problem.hostOf[i]!]!);
  planned.sort((a, b) => hostOrder(b) - hostOrder(a) || amount[b]! - amount[a]! || a - b);
  const final = new Float64Array(original);
  let moves = 0;
  for (const i of planned) {
    if (moves >= limit) break;
    if (!problem.commit(i, destination[i]!)) continue;
    final[problem.hostOf[i]!]! -= amount[i]!;
    final[destination[i]!]! += amount[i]!;
    moves++;
  }
  return {
    overloadedBefore,
    overloadedAfter: countOverloaded(final, capacity, thresholdPct),
    lowerBound: sets.lowerBound,
    unfixable: sets.unfixable,
    moves,
  };
}

/** Step 1 of `balanceAll`, and the lower bound: per overloaded host, the fewest instances that bring it under. */
function removalSets(problem: BalanceProblem): {
  byHost: Map<number, number[]>;
  lowerBound: number;
  unfixable: number;
} {
  const { hostCount: H, capacity, thresholdPct, amount } = problem;
  const members = instancesByHost(problem);
  const byHost = new Map<number, number[]>();
  let lowerBound = 0;
  let unfixable = 0;
  const overloaded: number[] = [];
  for (let h = 0; h < H; h++)
    if (utilisation(problem.workload[h]!, capacity[h]!) >= thresholdPct) overloaded.push(h);
  overloaded.sort(
    (a, b) => problem.workload[b]! / capacity[b]! - problem.workload[a]! / capacity[a]! || a - b,
  );
  for (const h of overloaded) {
    const under = (removed: number) =>
      utilisation(problem.workload[h]! - removed, capacity[h]!) < thresholdPct;
    const movable = (members.get(h) ?? [])
      .filter((i) => problem.movable[i])
      .sort((a, b) => amount[b]! - amount[a]! || a - b);
    let removed = 0;
    let count = 0;
    while (count < movable.length && !under(removed)) removed += amount[movable[count++]!]!;
    if (!under(removed)) {
      unfixable++;
      continue;
    }
    lowerBound += count;
    // Same count, less workload: swap each chosen instance, largest first, for the smallest unchosen one that
    // still brings the host under.
    const set = movable.slice(0, count);
    const others = movable.slice(count).reverse();
    for (let k = 0; k < set.length; k++) {
      const x = set[k]!;
      for (let o = 0; o < others.length; o++) {
        const y = others[o]!;
        if (amount[y]! >= amount[x]! - EPSILON) break;
        if (!under(removed - amount[x]! + amount[y]!)) continue;
        removed += amount[y]! - amount[x]!;
        set[k] = y;
        others[o] = x;
        others.sort((a, b) => amount[a]! - amount[b]! || a - b);
        break;
      }
    }
    byHost.set(h, set);
  }
  return { byHost, lowerBound, unfixable };
}

function instancesByHost(problem: BalanceProblem): Map<number, number[]> {
  const members = new Map<number, number[]>();
  for (let i = 0; i < problem.instanceCount; i++) {
    const h = problem.hostOf[i]!;
    let list = members.get(h);
    if (!list) members.set(h, (list = []));
    list.push(i);
  }
  return members;
}

function fitsAllocation(problem: BalanceProblem, free: Float64Array, i: number, d: number): boolean {
  for (let r = 0; r < 3; r++) if (free[d * 3 + r]! + EPSILON < problem.allocation[i * 3 + r]!) return false;
  return true;
}

function countOverloaded(workload: Float64Array, capacity: Float64Array, thresholdPct: number): number {
  let count = 0;
  for (let h = 0; h < workload.length; h++)
    if (utilisation(workload[h]!, capacity[h]!) >= thresholdPct) count++;
  return count;
}
