import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stabilize, type StabilizationProblem } from './stabilization.js';

interface Shape {
  hosts: { vcpus: number; memoryGb: number; baseCpu: number; freeVcpus: number }[];
  instances: { host: number; cores: number; ramGb: number; vcpus: number; movable: boolean }[];
  metrics: number;
  weights: number[];
}

/**
 * A problem as the glue builds it: host load = background + its instances' share, per metric. Irrational offsets per
 * host and instance keep distinct moves from tying exactly, so a tie never decides which of two paths is compared.
 */
function problemOf(
  shape: Shape,
  commit: StabilizationProblem['commit'],
  jitter = 1e-6,
): StabilizationProblem {
  const H = shape.hosts.length;
  const I = shape.instances.length;
  const M = shape.metrics;
  const load = new Float64Array(H * M);
  const scale = new Float64Array(H * M);
  const free = new Float64Array(H * 3);
  shape.hosts.forEach((host, h) => {
    scale[h * M] = 1 / host.vcpus;
    load[h * M] = host.baseCpu + h * Math.SQRT2 * jitter;
    if (M > 1) scale[h * M + 1] = 1 / (host.memoryGb * 1024);
    free.set([host.freeVcpus, 1e9, 1e9], h * 3);
  });
  const amount = new Float64Array(I * M);
  const allocation = new Float64Array(I * 3);
  shape.instances.forEach((instance, i) => {
    amount[i * M] = instance.cores + i * Math.SQRT1_2 * jitter;
    if (M > 1) amount[i * M + 1] = instance.ramGb * 1024;
    allocation.set([instance.vcpus, 1, 1], i * 3);
    for (let m = 0; m < M; m++)
      load[instance.host * M + m]! += amount[i * M + m]! * scale[instance.host * M + m]!;
  });
  return {
    metricCount: M,
    hostCount: H,
    load,
    scale,
    weights: Float64Array.from(shape.weights.slice(0, M)),
    thresholds: new Float64Array(M).fill(0.001),
    free,
    instanceCount: I,
    amount,
    allocation,
    hostOf: Int32Array.from(shape.instances, (instance) => instance.host),
    movable: Uint8Array.from(shape.instances, (instance) => (instance.movable ? 1 : 0)),
    commit,
  };
}

/**
 * Two 16-vCPU hosts with 64 GB, the second under `secondHostCpu` background load, and on the first one movable
 * 4-vCPU, 1 GB instance per entry of `cores` (its CPU demand in cores); CPU is the only metric.
 */
function twoHosts(secondHostCpu: number, cores: readonly number[]): Shape {
  return {
    hosts: [
      { vcpus: 16, memoryGb: 64, baseCpu: 0, freeVcpus: 16 },
      { vcpus: 16, memoryGb: 64, baseCpu: secondHostCpu, freeVcpus: 16 },
    ],
    instances: cores.map((demand) => ({ host: 0, cores: demand, ramGb: 1, vcpus: 4, movable: true })),
    metrics: 1,
    weights: [1, 1],
  };
}

/**
 * The same greedy descent by brute force: every instance against every host at every step, no bound. It starts only
 * when some metric's deviation is above its threshold and stops once every one is under it, as upstream does.
 */
function bruteForce(problem: StabilizationProblem): [number, number][] {
  const { metricCount: M, hostCount: H, instanceCount: I } = problem;
  const load = new Float64Array(problem.load);
  const free = new Float64Array(problem.free);
  const hostOf = new Int32Array(problem.hostOf);
  const moved = new Uint8Array(I);
  const deviation = (m: number) => {
    let mean = 0;
    for (let h = 0; h < H; h++) mean += load[h * M + m]!;
    mean /= H;
    let squares = 0;
    for (let h = 0; h < H; h++) squares += (load[h * M + m]! - mean) ** 2;
    return Math.sqrt(squares / H);
  };
  const objective = () => {
    let total = 0;
    for (let m = 0; m < M; m++) total += problem.weights[m]! * deviation(m);
    return total;
  };
  const metrics = Array.from({ length: M }, (_, m) => m);
  if (!metrics.some((m) => deviation(m) > problem.thresholds[m]!)) return [];
  const shift = (i: number, from: number, to: number, sign: number) => {
    for (let m = 0; m < M; m++) {
      load[from * M + m]! -= sign * problem.amount[i * M + m]! * problem.scale[from * M + m]!;
      load[to * M + m]! += sign * problem.amount[i * M + m]! * problem.scale[to * M + m]!;
    }
  };
  const moves: [number, number][] = [];
  for (;;) {
    if (metrics.every((m) => deviation(m) < problem.thresholds[m]!)) return moves;
    const current = objective();
    let best: [number, number] | undefined;
    let bestGain = 1e-9;
    for (let i = 0; i < I; i++) {
      if (!problem.movable[i] || moved[i]) continue;
      for (let d = 0; d < H; d++) {
        const s = hostOf[i]!;
        if (d === s || free[d * 3]! + 1e-9 < problem.allocation[i * 3]!) continue;
        shift(i, s, d, 1);
        const gain = current - objective();
        shift(i, s, d, -1);
        if (gain > bestGain) [bestGain, best] = [gain, [i, d]];
      }
    }
    if (!best) return moves;
    const [i, d] = best;
    shift(i, hostOf[i]!, d, 1);
    free[d * 3]! -= problem.allocation[i * 3]!;
    free[hostOf[i]! * 3]! += problem.allocation[i * 3]!;
    hostOf[i] = d;
    moved[i] = 1;
    moves.push(best);
  }
}

/** The weighted deviation after each move, so ties broken differently (equal hosts) still compare equal. */
function trajectory(problem: StabilizationProblem, moves: readonly [number, number][]): number[] {
  const { metricCount: M, hostCount: H } = problem;
  const load = new Float64Array(problem.load);
  const hostOf = new Int32Array(problem.hostOf);
  return moves.map(([i, d]) => {
    for (let m = 0; m < M; m++) {
      load[hostOf[i]! * M + m]! -= problem.amount[i * M + m]! * problem.scale[hostOf[i]! * M + m]!;
      load[d * M + m]! += problem.amount[i * M + m]! * problem.scale[d * M + m]!;
    }
    hostOf[i] = d;
    let total = 0;
    for (let m = 0; m < M; m++) {
      let mean = 0;
      for (let h = 0; h < H; h++) mean += load[h * M + m]!;
      mean /= H;
      let squares = 0;
      for (let h = 0; h < H; h++) squares += (load[h * M + m]! - mean) ** 2;
      total += problem.weights[m]! * Math.sqrt(squares / H);
    }
    return Math.round(total * 1e9) / 1e9;
  });
}

const shapes = fc
  .record({
    hosts: fc.array(
      fc.record({
        vcpus: fc.constantFrom(8, 16, 32),
        memoryGb: fc.constantFrom(32, 64, 128),
        baseCpu: fc.integer({ min: 0, max: 10 }).map((n) => n / 100),
        freeVcpus: fc.integer({ min: 0, max: 16 }),
      }),
      { minLength: 2, maxLength: 7 },
    ),
    instances: fc.array(
      fc.record({
        host: fc.nat(),
        cores: fc.integer({ min: 1, max: 400 }).map((n) => n / 100),
        ramGb: fc.integer({ min: 1, max: 16 }),
        vcpus: fc.constantFrom(1, 2, 4),
        movable: fc.integer({ min: 0, max: 5 }).map((n) => n > 0),
      }),
      { maxLength: 24 },
    ),
    metrics: fc.constantFrom(1, 2),
    weights: fc.array(
      fc.integer({ min: 1, max: 10 }).map((n) => n / 10),
      { minLength: 2, maxLength: 2 },
    ),
  })
  .map((shape) => ({
    ...shape,
    instances: shape.instances.map((instance) => ({ ...instance, host: instance.host % shape.hosts.length })),
  }));

describe('the stabilisation kernel', () => {
  it('takes, at every step, the move that lowers the weighted deviation most (as brute force does)', () => {
    fc.assert(
      fc.property(shapes, (shape) => {
        const moves: [number, number][] = [];
        const problem = problemOf(shape, (i, h) => (moves.push([i, h]), true));
        stabilize({ ...problem, fullSearch: true });
        expect(trajectory(problem, moves)).toEqual(trajectory(problem, bruteForce(problem)));
      }),
      {
        numRuns: 300,
        // Found by CI: the deviation starts just under its threshold, so neither the kernel nor upstream moves.
        examples: [
          [
            {
              hosts: [
                { vcpus: 16, memoryGb: 32, baseCpu: 0.08, freeVcpus: 0 },
                { vcpus: 32, memoryGb: 32, baseCpu: 0.02, freeVcpus: 1 },
              ],
              instances: [
                { host: 0, cores: 0.01, ramGb: 1, vcpus: 1, movable: true },
                { host: 1, cores: 1.88, ramGb: 1, vcpus: 1, movable: false },
              ],
              metrics: 1,
              weights: [0.1, 0.1],
            },
          ],
        ],
      },
    );
  });

  it('finds the same moves through its shortlist of least loaded hosts when hosts are alike and one metric counts', () => {
    fc.assert(
      fc.property(shapes, (shape) => {
        const alike: Shape = {
          ...shape,
          metrics: 1,
          hosts: shape.hosts.map((host) => ({ ...host, vcpus: 16, memoryGb: 64 })),
        };
        const shortlist: [number, number][] = [];
        const problem = problemOf(alike, (i, h) => (shortlist.push([i, h]), true));
        stabilize(problem);
        const full: [number, number][] = [];
        stabilize({ ...problemOf(alike, (i, h) => (full.push([i, h]), true)), fullSearch: true });
        expect(trajectory(problem, shortlist)).toEqual(trajectory(problem, full));
      }),
      { numRuns: 300 },
    );
  });

  it('lowers the deviation with every move, keeps allocations, and never moves an instance twice', () => {
    fc.assert(
      fc.property(shapes, (shape) => {
        const moved: number[] = [];
        const problem = problemOf(shape, (i) => (moved.push(i), true));
        const result = stabilize(problem);
        expect(new Set(moved).size).toBe(moved.length);
        expect(moved.every((i) => shape.instances[i]!.movable)).toBe(true);
        if (result.moves > 0) expect(result.weightedAfter).toBeLessThan(result.weightedBefore);
        else expect(result.weightedAfter).toBeCloseTo(result.weightedBefore, 12);
      }),
      { numRuns: 200 },
    );
  });

  it('stops once every metric is under its threshold, and moves nothing when none is above', () => {
    // Two 16-vCPU hosts at 50 % and 10 %: one 4-core instance evens them (sd 0.2 → 0.05).
    const shape = twoHosts(0.1, [4, 4]);
    const moves: [number, number][] = [];
    const result = stabilize({
      ...problemOf(shape, (i, h) => (moves.push([i, h]), true), 0),
      thresholds: Float64Array.of(0.1),
    });
    expect(moves).toEqual([[0, 1]]);
    expect(result.sdBefore[0]).toBeCloseTo(0.2, 12);
    expect(result.sdAfter[0]).toBeCloseTo(0.05, 12);
    expect(result.balanced).toBe(true);

    const calm = stabilize({ ...problemOf(shape, () => true, 0), thresholds: Float64Array.of(0.25) });
    expect(calm).toMatchObject({ triggered: false, moves: 0, balanced: true });
  });

  it('never retries a move the solution builder refused, and tries the next best instead', () => {
    // Two 16-vCPU hosts without background load; a 4-core and a 3-core instance on the first.
    const shape = twoHosts(0, [4, 3]);
    const asked: [number, number][] = [];
    const result = stabilize({
      ...problemOf(shape, (i, h) => (asked.push([i, h]), i !== 0), 0),
      thresholds: Float64Array.of(0.1),
    });
    expect(asked).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(result).toMatchObject({ moves: 1, refused: 1 });
  });
});
