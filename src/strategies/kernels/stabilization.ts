/**
 * Workload stabilisation on typed arrays: greedy descent on the weighted standard deviation of the hosts' normalised
 * load, one migration at a time, each the move that lowers it most. Pure but for `commit`, through which the glue
 * plans every move (the solution builder may refuse one; that pair is never tried again).
 *
 * Why greedy-best and not upstream's list: Watcher weighs every instance against one random destination on the
 * initial loads, sorts those candidates once and walks the list; many of its migrations then do little. Taking the
 * best move on the current loads at every step removes the most deviation per migration, so the threshold is reached
 * with fewer of them.
 *
 * Why it is fast: a move changes two hosts, so the deviation after any move is O(metrics) from running sums; each
 * step weighs only the sources whose upper bound on the gain (below) beats the best move found so far, most loaded
 * first, and for each of their instances the few least loaded destinations with room (found lazily through a heap).
 *
 * The bound, per metric, for a move of normalised load `a` off source s (`b = a·r` onto d, r = scale_d / scale_s):
 * N·(var' − var) = −2a(L_s − μ) + a² + 2b(L_d − μ) + b² − (b − a)²/N ≥ −2aD + a²Q with L_d ≥ min L,
 * D = (L_s − μ) + r·(μ − min L), Q = 1 + r_min² − max(r − 1)²/N; minimised over a ≤ the largest movable instance.
 */

export interface StabilizationProblem {
  /** M: the metrics balanced (e.g. CPU, RAM). */
  readonly metricCount: number;
  /** H: hosts that take part (they all may send and receive). */
  readonly hostCount: number;
  /** H × M: each host's normalised load (0..1) per metric. */
  readonly load: Float64Array;
  /** H × M: what one unit of an instance's amount adds to the host's normalised load (1 / vCPUs, 1 / MiB). */
  readonly scale: Float64Array;
  /** M: the weight of each metric's standard deviation in the objective. */
  readonly weights: Float64Array;
  /** M: balanced once every metric's standard deviation is under its threshold. */
  readonly thresholds: Float64Array;
  /** H × 3: VCPU, MEMORY_MB and DISK_GB allocation left on each host. */
  readonly free: Float64Array;
  readonly instanceCount: number;
  /** I × M: each instance's amount (busy cores, MiB used). */
  readonly amount: Float64Array;
  /** I × 3: each instance's allocation (VCPU, MEMORY_MB, DISK_GB). */
  readonly allocation: Float64Array;
  /** The host index of each instance. */
  readonly hostOf: Int32Array;
  /** Instances that may be moved. */
  readonly movable: Uint8Array;
  /** Instances whose moves need more checks than allocation (zone, traits, groups…): asked through `accepts`. */
  readonly constrained?: Uint8Array;
  accepts?(instance: number, host: number): boolean;
  /** Weigh every host as a destination of every candidate (upstream's `fullsearch`), not only the least loaded. */
  readonly fullSearch?: boolean;
  /** Destinations to weigh besides the least loaded ones (upstream's `retry` and `cycle` host choices). */
  extraDestinations?(instance: number, source: number): readonly number[];
  /** Plans the move; false when refused. */
  commit(instance: number, host: number): boolean;
  readonly signal?: AbortSignal;
}

export interface StabilizationResult {
  /** M: each metric's standard deviation before and after. */
  readonly sdBefore: Float64Array;
  readonly sdAfter: Float64Array;
  readonly weightedBefore: number;
  readonly weightedAfter: number;
  /** Some metric was above its threshold: the cluster needed balancing. */
  readonly triggered: boolean;
  /** Every metric ends under its threshold. */
  readonly balanced: boolean;
  readonly moves: number;
  /** Moves `commit` refused. */
  readonly refused: number;
}

/** Accepted destinations weighed per candidate instance, least loaded first. */
const SHORTLIST = 4;
/** Least-loaded hosts looked at per candidate before giving up on it this step (a constrained instance's walk). */
const WALK_LIMIT = 256;
const MIN_GAIN = 1e-12;
const EPSILON = 1e-9;

export function stabilize(problem: StabilizationProblem): StabilizationResult {
  const { metricCount: M, hostCount: H, instanceCount: I, weights, thresholds, scale, amount } = problem;
  const load = new Float64Array(problem.load);
  const free = new Float64Array(problem.free);
  const hostOf = new Int32Array(problem.hostOf);
  const sum = new Float64Array(M);
  const sumSquares = new Float64Array(M);
  for (let h = 0; h < H; h++)
    for (let m = 0; m < M; m++) {
      const value = load[h * M + m]!;
      sum[m]! += value;
      sumSquares[m]! += value * value;
    }
  const variance = (m: number) => Math.max(0, sumSquares[m]! / H - (sum[m]! / H) ** 2);
  const weightedOf = (sd: Float64Array) => sd.reduce((total, value, m) => total + weights[m]! * value, 0);
  const sdBefore = H > 0 ? exactDeviations(load, H, M) : new Float64Array(M);
  const triggered = sdBefore.some((value, m) => value > thresholds[m]!);
  const result = (moves: number, refused: number, balanced: boolean): StabilizationResult => {
    const sdAfter = H > 0 ? exactDeviations(load, H, M) : new Float64Array(M);
    return {
      sdBefore,
      sdAfter,
      weightedBefore: weightedOf(sdBefore),
      weightedAfter: weightedOf(sdAfter),
      triggered,
      balanced,
      moves,
      refused,
    };
  };
  if (!triggered || H < 2) return result(0, 0, !triggered);

  // The movable instances of each host (CSR). A moved instance is not moved again: once is cheaper than twice.
  const start = new Int32Array(H + 1);
  for (let i = 0; i < I; i++) if (problem.movable[i]) start[hostOf[i]! + 1]!++;
  for (let h = 0; h < H; h++) start[h + 1]! += start[h]!;
  const members = new Int32Array(start[H]!);
  const fill = start.slice(0, H);
  for (let i = 0; i < I; i++) if (problem.movable[i]) members[fill[hostOf[i]!]!++] = i;
  const moved = new Uint8Array(I);
  // The largest normalised amount of a movable instance still on each host, per metric (for the bound).
  const largest = new Float64Array(H * M);
  const refreshLargest = (h: number) => {
    for (let m = 0; m < M; m++) largest[h * M + m] = 0;
    for (let k = start[h]!; k < start[h + 1]!; k++) {
      const i = members[k]!;
      if (moved[i]) continue;
      for (let m = 0; m < M; m++)
        largest[h * M + m] = Math.max(largest[h * M + m]!, amount[i * M + m]! * scale[h * M + m]!);
    }
  };
  for (let h = 0; h < H; h++) refreshLargest(h);
  const smallestScale = new Float64Array(M).fill(Infinity);
  const largestScale = new Float64Array(M);
  for (let h = 0; h < H; h++)
    for (let m = 0; m < M; m++) {
      smallestScale[m] = Math.min(smallestScale[m]!, scale[h * M + m]!);
      largestScale[m] = Math.max(largestScale[m]!, scale[h * M + m]!);
    }

  const refusedPairs = new Set<number>();
  const mean = new Float64Array(M);
  const sd = new Float64Array(M);
  const lowest = new Float64Array(M);
  const key = new Float64Array(H);
  const bound = new Float64Array(H);
  const destinations = new LazyOrder(H);
  let moves = 0;
  let refused = 0;
  let balanced = false;

  const fits = (i: number, d: number) =>
    free[d * 3]! + EPSILON >= problem.allocation[i * 3]! &&
    free[d * 3 + 1]! + EPSILON >= problem.allocation[i * 3 + 1]! &&
    free[d * 3 + 2]! + EPSILON >= problem.allocation[i * 3 + 2]!;
  /** The weighted standard deviation after moving instance i from s to d. */
  const after = (i: number, s: number, d: number): number => {
    let total = 0;
    for (let m = 0; m < M; m++) {
      const a = amount[i * M + m]! * scale[s * M + m]!;
      const b = amount[i * M + m]! * scale[d * M + m]!;
      const ls = load[s * M + m]!;
      const ld = load[d * M + m]!;
      const s1 = sum[m]! - a + b;
      const s2 = sumSquares[m]! - 2 * a * ls + a * a + 2 * b * ld + b * b;
      total += weights[m]! * Math.sqrt(Math.max(0, s2 / H - (s1 / H) ** 2));
    }
    return total;
  };

  for (;;) {
    problem.signal?.throwIfAborted();
    let current = 0;
    balanced = true;
    for (let m = 0; m < M; m++) {
      mean[m] = sum[m]! / H;
      sd[m] = Math.sqrt(variance(m));
      current += weights[m]! * sd[m]!;
      if (sd[m]! >= thresholds[m]!) balanced = false;
      lowest[m] = Infinity;
    }
    if (balanced) break;
    for (let h = 0; h < H; h++)
      for (let m = 0; m < M; m++) if (load[h * M + m]! < lowest[m]!) lowest[m] = load[h * M + m]!;
    // Destinations: first the hosts whose load, raised, lowers the objective most; sources: by their bound.
    for (let h = 0; h < H; h++) {
      let k = 0;
      let b = 0;
      for (let m = 0; m < M; m++) {
        if (sd[m]! > 0) k += (weights[m]! * (load[h * M + m]! - mean[m]!)) / sd[m]!;
        b += weights[m]! * gainBound(m, h);
      }
      key[h] = k;
      bound[h] = b;
    }
    destinations.reset(key);

    let bestGain = MIN_GAIN;
    let bestInstance = -1;
    let bestHost = -1;
    const weigh = (i: number, s: number, d: number) => {
      if (d === s || !fits(i, d) || refusedPairs.has(i * H + d)) return false;
      if (problem.constrained?.[i] && problem.accepts && !problem.accepts(i, d)) return false;
      const gain = current - after(i, s, d);
      // Equal gains go to the lowest (instance, host), so the result does not depend on the search order.
      if (
        gain > bestGain ||
        (gain === bestGain && (i < bestInstance || (i === bestInstance && d < bestHost)))
      ) {
        bestGain = gain;
        bestInstance = i;
        bestHost = d;
      }
      return true;
    };
    // Sources in falling bound order, picked one by one: the first one or two usually hold the best move.
    for (;;) {
      let s = -1;
      for (let h = 0; h < H; h++) if (bound[h]! > bestGain && (s < 0 || bound[h]! > bound[s]!)) s = h;
      if (s < 0) break;
      bound[s] = 0;
      for (let k = start[s]!; k < start[s + 1]!; k++) {
        const i = members[k]!;
        if (moved[i]) continue;
        if (problem.fullSearch) {
          for (let d = 0; d < H; d++) weigh(i, s, d);
          continue;
        }
        let accepted = 0;
        for (let position = 0; position < H && position < WALK_LIMIT && accepted < SHORTLIST; position++)
          if (weigh(i, s, destinations.at(position))) accepted++;
        for (const d of problem.extraDestinations?.(i, s) ?? []) weigh(i, s, d);
      }
    }
    if (bestInstance < 0) break;
    if (!problem.commit(bestInstance, bestHost)) {
      refusedPairs.add(bestInstance * H + bestHost);
      refused++;
      continue;
    }
    const s = hostOf[bestInstance]!;
    for (let m = 0; m < M; m++) {
      const a = amount[bestInstance * M + m]! * scale[s * M + m]!;
      const b = amount[bestInstance * M + m]! * scale[bestHost * M + m]!;
      const ls = load[s * M + m]!;
      const ld = load[bestHost * M + m]!;
      sum[m]! += b - a;
      sumSquares[m]! += (ls - a) ** 2 - ls * ls + (ld + b) ** 2 - ld * ld;
      load[s * M + m] = ls - a;
      load[bestHost * M + m] = ld + b;
    }
    for (let r = 0; r < 3; r++) {
      free[s * 3 + r]! += problem.allocation[bestInstance * 3 + r]!;
      free[bestHost * 3 + r]! -= problem.allocation[bestInstance * 3 + r]!;
    }
    hostOf[bestInstance] = bestHost;
    moved[bestInstance] = 1;
    refreshLargest(s);
    moves++;
  }
  return result(moves, refused, balanced);

  /** An upper bound on how much metric m's standard deviation can drop by one move off host s (header comment). */
  function gainBound(m: number, s: number): number {
    const amax = largest[s * M + m]!;
    if (amax <= 0) return 0;
    const ownScale = scale[s * M + m]!;
    const rMin = smallestScale[m]! / ownScale;
    const rMax = largestScale[m]! / ownScale;
    const toward = lowest[m]! - mean[m]!;
    const reach = load[s * M + m]! - mean[m]! - (toward < 0 ? rMax : rMin) * toward;
    if (reach <= 0) return 0;
    const q = 1 + rMin * rMin - Math.max((rMin - 1) ** 2, (rMax - 1) ** 2) / H;
    if (q <= 0) return sd[m]!;
    const a = Math.min(reach / q, amax);
    const lowestVariance = sd[m]! * sd[m]! + (-2 * a * reach + a * a * q) / H;
    return sd[m]! - Math.sqrt(Math.max(0, lowestVariance));
  }
}

/** The standard deviations from the loads themselves (the running sums drift by rounding over many moves). */
function exactDeviations(load: Float64Array, hosts: number, metrics: number): Float64Array {
  const result = new Float64Array(metrics);
  for (let m = 0; m < metrics; m++) {
    let mean = 0;
    for (let h = 0; h < hosts; h++) mean += load[h * metrics + m]!;
    mean /= hosts;
    let squares = 0;
    for (let h = 0; h < hosts; h++) squares += (load[h * metrics + m]! - mean) ** 2;
    result[m] = Math.sqrt(squares / hosts);
  }
  return result;
}

/**
 * Indexes in ascending key order, produced lazily from a binary heap: a step reads only the first few destinations,
 * so it pays O(n) to build the heap and O(log n) per index read, not a sort.
 */
class LazyOrder {
  readonly #heap: Int32Array;
  readonly #order: Int32Array;
  #size = 0;
  #produced = 0;
  #keys: Float64Array = new Float64Array(0);

  constructor(capacity: number) {
    this.#heap = new Int32Array(capacity);
    this.#order = new Int32Array(capacity);
  }

  reset(keys: Float64Array): void {
    this.#keys = keys;
    this.#size = keys.length;
    this.#produced = 0;
    for (let i = 0; i < this.#size; i++) this.#heap[i] = i;
    for (let i = (this.#size >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  /** The index at `rank` in key order (ties by index); ranks past the end repeat the last one. */
  at(rank: number): number {
    while (this.#produced <= rank && this.#size > 0) {
      this.#order[this.#produced++] = this.#heap[0]!;
      this.#heap[0] = this.#heap[--this.#size]!;
      this.#down(0);
    }
    return this.#order[Math.min(rank, this.#produced - 1)]!;
  }

  #before(a: number, b: number): boolean {
    const ka = this.#keys[a]!;
    const kb = this.#keys[b]!;
    if (ka !== kb) return ka < kb;
    return a < b;
  }

  #down(position: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * position + 1;
      if (left >= this.#size) return;
      const right = left + 1;
      const child = right < this.#size && this.#before(heap[right]!, heap[left]!) ? right : left;
      if (!this.#before(heap[child]!, heap[position]!)) return;
      const swap = heap[child]!;
      heap[child] = heap[position]!;
      heap[position] = swap;
      position = child;
    }
  }
}
