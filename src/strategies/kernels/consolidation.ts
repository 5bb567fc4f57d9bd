/**
 * Consolidation as multi-dimensional bin packing, on typed arrays (house-style 4.5). Pure: the strategies translate
 * the model into a `PackingProblem` and the result back into solution-builder moves.
 *
 * Search, not greedy-only:
 * 1. the fewest hosts that could hold everything (the volume bound, per dimension) is the first target; the hosts
 *    kept are those that would cost the most migrations to empty (most instances, then most load);
 * 2. the instances of the released hosts are packed into the kept hosts' free room, largest first on the binding
 *    dimension, each into the host it fills tightest (best fit decreasing, through a bucket index, so a placement
 *    costs about O(buckets) instead of O(hosts));
 * 3. an instance that fits nowhere makes room by one ejection: a small instance of a kept host moves to another kept
 *    host (one extra migration) — the exact sub-problem the greedy order gets wrong near the bound;
 * 4. when a target cannot be packed, more hosts are kept (the next most expensive to empty; galloping, then
 *    bisecting) and the packing is redone, so the result is the smallest kept set this search finds, with the
 *    fewest moves it found for it.
 * Every instance of a released host moves exactly once, so migrations = instances on released hosts + ejections.
 */

export interface PackingProblem {
  /** Dimensions per host and instance (e.g. VCPU, MEMORY_MB, DISK_GB allocation, measured CPU…). */
  readonly dims: number;
  readonly hostCount: number;
  /** hostCount × dims: what each host may hold. */
  readonly capacity: Float64Array;
  /** hostCount × dims: what is on each host beyond its instances (reserved use, background load). */
  readonly baseline: Float64Array;
  /** Hosts that may receive instances. */
  readonly canReceive: Uint8Array;
  readonly instanceCount: number;
  /** instanceCount × dims. */
  readonly demand: Float64Array;
  /** The host index each instance is on. */
  readonly hostOf: Int32Array;
  /** Instances that may move at all; a host with an unmovable instance is never released. */
  readonly movable: Uint8Array;
  /** Per-instance placement rules beyond capacity (zone, traits, groups…), asked only for `constrained` ones. */
  readonly constrained?: Uint8Array;
  accepts?(instance: number, host: number): boolean;
  /** Anti-affinity group per instance (-1: none): a host holds at most one member of a group. */
  readonly antiAffinityGroup?: Int32Array;
  /** Hosts that must not be emptied (besides those with unmovable instances). */
  readonly keep?: Uint8Array;
  /** Packing attempts before giving up (each keeps one more host); unbounded when absent. */
  readonly maxAttempts?: number;
  /** Told after each packing attempt: how many hosts it kept and whether everything else fitted. */
  onAttempt?(kept: number, packed: boolean): void;
  readonly signal?: AbortSignal;
}

export interface PackingResult {
  /** [instance, destination host] pairs, in the order they must be planned. */
  readonly moves: Int32Array;
  /** Hosts emptied by the moves (not counting hosts empty from the start). */
  readonly released: Int32Array;
  /** Hosts kept in use. */
  readonly keptCount: number;
  /** The volume bound on hosts in use (per dimension, over the hosts that may take part). */
  readonly boundKept: number;
  readonly ejections: number;
  readonly attempts: number;
}

const EPSILON = 1e-9;
const BUCKETS = 512;
/** A second dimension this tight, relative to the binding one, is balanced against it. */
const BALANCE_THRESHOLD = 0.75;
const BALANCE_CANDIDATES = 256;
const BALANCE_TIGHTNESS = 0.1;

export function consolidate(problem: PackingProblem): PackingResult {
  const { dims, hostCount, capacity, baseline, demand, hostOf, instanceCount } = problem;
  const used = new Float64Array(baseline);
  const count = new Int32Array(hostCount);
  const pinned = new Uint8Array(hostCount);
  for (let i = 0; i < instanceCount; i++) {
    const host = hostOf[i]!;
    if (host < 0) continue;
    count[host]!++;
    for (let d = 0; d < dims; d++) used[host * dims + d]! += demand[i * dims + d]!;
    if (!problem.movable[i]) pinned[host] = 1;
  }
  for (let h = 0; h < hostCount; h++) if (problem.keep?.[h]) pinned[h] = 1;

  // The binding dimension: the highest total demand relative to the capacity of the hosts that may take part.
  const totalUsed = new Float64Array(dims);
  const totalCapacity = new Float64Array(dims);
  for (let h = 0; h < hostCount; h++) {
    if (count[h] === 0 && !problem.canReceive[h]) continue;
    for (let d = 0; d < dims; d++) {
      totalUsed[d]! += used[h * dims + d]!;
      totalCapacity[d]! += capacity[h * dims + d]!;
    }
  }
  const utilisation = (d: number) => totalUsed[d]! / (totalCapacity[d]! || 1);
  let primary = 0;
  for (let d = 1; d < dims; d++) if (utilisation(d) > utilisation(primary)) primary = d;
  // The next tightest dimension: placements that fill it as evenly as the binding one avoid a dead end near the bound.
  let secondary = -1;
  for (let d = 0; d < dims; d++)
    if (d !== primary && (secondary < 0 || utilisation(d) > utilisation(secondary))) secondary = d;

  // Keep order: the hosts that are the most expensive to empty first. Empty hosts are never kept on purpose.
  const occupied: number[] = [];
  for (let h = 0; h < hostCount; h++) if (count[h]! > 0) occupied.push(h);
  occupied.sort(
    (a, b) =>
      pinned[b]! - pinned[a]! ||
      Number(problem.canReceive[b]) - Number(problem.canReceive[a]) ||
      count[b]! - count[a]! ||
      used[b * dims + primary]! - used[a * dims + primary]! ||
      a - b,
  );

  // The volume bound: the fewest of these hosts, in keep order, whose capacity covers every dimension.
  const covered = new Float64Array(dims);
  let boundKept = 0;
  let forced = 0;
  for (const host of occupied) if (pinned[host]) forced++;
  const need = new Float64Array(dims);
  for (const host of occupied) for (let d = 0; d < dims; d++) need[d]! += used[host * dims + d]!;
  while (boundKept < occupied.length) {
    let enough = true;
    for (let d = 0; d < dims; d++) if (covered[d]! + EPSILON < need[d]!) enough = false;
    if (enough && boundKept >= forced) break;
    const host = occupied[boundKept]!;
    for (let d = 0; d < dims; d++) covered[d]! += capacity[host * dims + d]!;
    boundKept++;
  }

  // Galloping search on the kept count: try the bound, then 1, 2, 4… more hosts until a packing succeeds, then
  // bisect back between the last failure and that success (feasibility grows with the kept count, near enough),
  // so a gap of g hosts costs about 2·log2(g) packings instead of g.
  let attempts = 0;
  const budget = problem.maxAttempts ?? Infinity;
  const tryKeeping = (kept: number) => {
    problem.signal?.throwIfAborted();
    attempts++;
    const attempt = pack(problem, primary, secondary, occupied, kept, used);
    problem.onAttempt?.(kept, attempt !== undefined);
    return attempt;
  };
  let failed = Math.max(boundKept, forced) - 1;
  let best: { kept: number; attempt: NonNullable<ReturnType<typeof pack>> } | undefined;
  for (let step = 1; failed + 1 < occupied.length && attempts < budget; step *= 2) {
    const kept = Math.min(failed + step, occupied.length - 1);
    const attempt = tryKeeping(kept);
    if (attempt) {
      best = { kept, attempt };
      break;
    }
    failed = kept;
  }
  while (best && best.kept - failed > 1 && attempts < budget) {
    const kept = (failed + best.kept) >>> 1;
    const attempt = tryKeeping(kept);
    if (attempt) best = { kept, attempt };
    else failed = kept;
  }
  if (best) return { ...best.attempt, keptCount: best.kept, boundKept, attempts };
  return {
    moves: new Int32Array(0),
    released: new Int32Array(0),
    keptCount: occupied.length,
    boundKept,
    ejections: 0,
    attempts,
  };
}

/** Packs the instances of every host after the first `kept` of `order` into those kept; undefined when it cannot. */
function pack(
  problem: PackingProblem,
  primary: number,
  secondary: number,
  order: readonly number[],
  kept: number,
  usedAtStart: Float64Array,
): Omit<PackingResult, 'keptCount' | 'boundKept' | 'attempts'> | undefined {
  const { dims, hostCount, capacity, demand, hostOf, instanceCount } = problem;
  const used = new Float64Array(usedAtStart);
  const location = new Int32Array(hostOf);
  const isKept = new Uint8Array(hostCount);
  for (let k = 0; k < kept; k++) isKept[order[k]!] = 1;
  const released: number[] = [];
  for (let k = kept; k < order.length; k++) released.push(order[k]!);
  const residents: number[][] = Array.from({ length: hostCount }, () => []);
  for (let i = 0; i < instanceCount; i++) if (location[i]! >= 0) residents[location[i]!]!.push(i);

  // Bucket index of the kept, receiving hosts by free room on the binding dimension.
  let maxCapacity = 0;
  for (let h = 0; h < hostCount; h++) maxCapacity = Math.max(maxCapacity, capacity[h * dims + primary]!);
  const scale = BUCKETS / (maxCapacity || 1);
  const head = new Int32Array(BUCKETS + 1).fill(-1);
  const next = new Int32Array(hostCount).fill(-1);
  const prev = new Int32Array(hostCount).fill(-1);
  const bucketOf = new Int32Array(hostCount).fill(-1);
  const free = (host: number, d: number) => capacity[host * dims + d]! - used[host * dims + d]!;
  const bucketFor = (room: number) => Math.min(BUCKETS, Math.max(0, Math.floor(room * scale)));
  const unlink = (host: number) => {
    const bucket = bucketOf[host]!;
    if (bucket < 0) return;
    if (prev[host]! >= 0) next[prev[host]!] = next[host]!;
    else head[bucket] = next[host]!;
    if (next[host]! >= 0) prev[next[host]!] = prev[host]!;
    bucketOf[host] = -1;
  };
  const link = (host: number) => {
    const bucket = bucketFor(free(host, primary));
    bucketOf[host] = bucket;
    prev[host] = -1;
    next[host] = head[bucket]!;
    if (head[bucket]! >= 0) prev[head[bucket]!] = host;
    head[bucket] = host;
  };
  for (let k = 0; k < kept; k++) if (problem.canReceive[order[k]!]) link(order[k]!);

  const groupOf = problem.antiAffinityGroup;
  const groupsOnHost = new Set<number>();
  const groupKey = (host: number, group: number) => group * hostCount + host;
  if (groupOf)
    for (let i = 0; i < instanceCount; i++)
      if (groupOf[i]! >= 0 && location[i]! >= 0) groupsOnHost.add(groupKey(location[i]!, groupOf[i]!));
  const fits = (instance: number, host: number): boolean => {
    if (groupOf && groupOf[instance]! >= 0 && groupsOnHost.has(groupKey(host, groupOf[instance]!)))
      return false;
    for (let d = 0; d < dims; d++)
      if (used[host * dims + d]! + demand[instance * dims + d]! > capacity[host * dims + d]! + EPSILON)
        return false;
    return !problem.constrained?.[instance] || problem.accepts!(instance, host);
  };
  // When a second dimension is nearly as tight as the binding one (measured CPU beside DISK_GB on an overcommitted
  // cluster), the tightest fit on the binding one strands the other: hosts end full on one and empty on the other.
  // Then each host is kept near the line where both fill together (fill_secondary ≈ ratio × fill_primary).
  let ratio = 0;
  if (secondary >= 0) {
    let needPrimary = 0;
    let needSecondary = 0;
    let roomPrimary = 0;
    let roomSecondary = 0;
    for (const host of order) {
      needPrimary += usedAtStart[host * dims + primary]!;
      needSecondary += usedAtStart[host * dims + secondary]!;
    }
    for (let k = 0; k < kept; k++) {
      roomPrimary += capacity[order[k]! * dims + primary]!;
      roomSecondary += capacity[order[k]! * dims + secondary]!;
    }
    ratio = needSecondary / (roomSecondary || 1) / (needPrimary / (roomPrimary || 1) || 1);
  }
  const balanced = ratio >= BALANCE_THRESHOLD;
  const fill = (host: number, d: number, extra: number) =>
    (used[host * dims + d]! + extra) / (capacity[host * dims + d]! || 1);

  /**
   * Best fit: the receiving kept host (other than `except`) left with the least room on the binding dimension, or,
   * when balancing, the best-balanced of the first candidates in best-fit order.
   */
  const bestFit = (instance: number, except: number): number => {
    const size = demand[instance * dims + primary]!;
    let best = -1;
    let bestScore = Infinity;
    let seen = 0;
    for (let bucket = Math.max(0, bucketFor(size) - 1); bucket <= BUCKETS; bucket++) {
      for (let host = head[bucket]!; host >= 0; host = next[host]!) {
        if (host === except || !fits(instance, host)) continue;
        const room = (free(host, primary) - size) / (capacity[host * dims + primary]! || 1);
        const score = balanced
          ? Math.abs(
              fill(host, secondary, demand[instance * dims + secondary]!) - ratio * fill(host, primary, size),
            ) +
            BALANCE_TIGHTNESS * room
          : room;
        seen++;
        if (score < bestScore) {
          bestScore = score;
          best = host;
        }
      }
      // Hosts in later buckets have more room: without balancing, the best of this bucket is the best fit.
      if (best >= 0 && (!balanced || seen >= BALANCE_CANDIDATES)) return best;
    }
    return best;
  };
  const place = (instance: number, host: number) => {
    const from = location[instance]!;
    for (let d = 0; d < dims; d++) {
      used[from * dims + d]! -= demand[instance * dims + d]!;
      used[host * dims + d]! += demand[instance * dims + d]!;
    }
    location[instance] = host;
    if (groupOf && groupOf[instance]! >= 0) {
      groupsOnHost.delete(groupKey(from, groupOf[instance]!));
      groupsOnHost.add(groupKey(host, groupOf[instance]!));
    }
    const list = residents[from]!;
    list.splice(list.indexOf(instance), 1);
    residents[host]!.push(instance);
    if (bucketOf[from]! >= 0) {
      unlink(from);
      link(from);
    }
    unlink(host);
    link(host);
  };

  const pending: number[] = [];
  const releasedSet = new Uint8Array(hostCount);
  for (const host of released) releasedSet[host] = 1;
  for (let i = 0; i < instanceCount; i++) if (location[i]! >= 0 && releasedSet[location[i]!]) pending.push(i);
  for (const i of pending) if (!problem.movable[i]) return undefined;
  pending.sort((a, b) => {
    for (let d = 0; d < dims; d++) {
      const axis = (primary + d) % dims;
      const difference = demand[b * dims + axis]! - demand[a * dims + axis]!;
      if (difference !== 0) return difference;
    }
    return a - b;
  });

  const moves: number[] = [];
  const movedOnce = new Uint8Array(instanceCount);
  let ejections = 0;
  const keptHosts: number[] = [];
  for (let k = 0; k < kept; k++) if (problem.canReceive[order[k]!]) keptHosts.push(order[k]!);
  for (const instance of pending) {
    problem.signal?.throwIfAborted();
    let host = bestFit(instance, -1);
    if (host < 0) {
      const made = eject(instance);
      if (!made) return undefined;
      host = made;
    }
    place(instance, host);
    moves.push(instance, host);
    movedOnce[instance] = 1;
  }
  return { moves: Int32Array.from(moves), released: Int32Array.from(released), ejections };

  /** Makes room for `instance` on a kept host by moving one instance of it to another kept host. */
  function eject(instance: number): number | undefined {
    let bestHost = -1;
    let bestVictim = -1;
    let bestDestination = -1;
    let bestSize = Infinity;
    for (const host of keptHosts) {
      if (problem.constrained?.[instance] && !problem.accepts!(instance, host)) continue;
      for (const victim of residents[host]!) {
        if (!problem.movable[victim] || movedOnce[victim]) continue;
        const size = demand[victim * dims + primary]!;
        if (size >= bestSize) continue;
        let roomy = true;
        for (let d = 0; d < dims; d++)
          if (
            used[host * dims + d]! - demand[victim * dims + d]! + demand[instance * dims + d]! >
            capacity[host * dims + d]! + EPSILON
          )
            roomy = false;
        if (!roomy) continue;
        const destination = bestFit(victim, host);
        if (destination < 0) continue;
        bestHost = host;
        bestVictim = victim;
        bestDestination = destination;
        bestSize = size;
      }
    }
    if (bestHost < 0) return undefined;
    place(bestVictim, bestDestination);
    moves.push(bestVictim, bestDestination);
    movedOnce[bestVictim] = 1;
    ejections++;
    return bestHost;
  }
}
