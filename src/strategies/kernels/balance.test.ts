import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanceAll, balanceOnce, type BalanceProblem } from './balance.js';

interface Shape {
  /** vCPUs per host. */
  hosts: number[];
  /** [host, busy cores, vCPUs] per instance. */
  instances: [number, number, number][];
  thresholdPct: number;
  immovable?: number[];
}

function problemOf(shape: Shape, commit: BalanceProblem['commit'] = () => true): BalanceProblem {
  const H = shape.hosts.length;
  const workload = new Float64Array(H);
  const free = new Float64Array(H * 3);
  shape.hosts.forEach((vcpus, h) => free.set([vcpus, 1e9, 1e9], h * 3));
  for (const [host, cores, vcpus] of shape.instances) {
    workload[host]! += cores;
    free[host * 3]! -= vcpus;
  }
  return {
    hostCount: H,
    capacity: Float64Array.from(shape.hosts),
    workload,
    thresholdPct: shape.thresholdPct,
    free,
    instanceCount: shape.instances.length,
    amount: Float64Array.from(shape.instances, ([, cores]) => cores),
    allocation: Float64Array.from(shape.instances.flatMap(([, , vcpus]) => [vcpus, 1, 1])),
    hostOf: Int32Array.from(shape.instances, ([host]) => host),
    movable: Uint8Array.from(shape.instances, (_, i) => (shape.immovable?.includes(i) ? 0 : 1)),
    commit,
  };
}

/** Utilisation of every host after the moves, in %. */
function utilisationAfter(shape: Shape, moves: readonly [number, number][]): number[] {
  const workload = shape.hosts.map(() => 0);
  const hostOf = shape.instances.map(([host]) => host);
  for (const [i, d] of moves) hostOf[i] = d;
  shape.instances.forEach(([, cores], i) => (workload[hostOf[i]!]! += cores));
  return workload.map((cores, h) => (cores / shape.hosts[h]!) * 100);
}

/** 16-vCPU hosts at 37.5 %, 31.25 %, 18.75 % and 6.25 % of 25 %, and two empty 32-vCPU hosts. */
const cluster: Shape = {
  hosts: [16, 16, 16, 16, 32, 32],
  instances: [
    [0, 2, 2], // a1
    [0, 3, 4], // a2
    [0, 1, 2], // a3
    [1, 4, 4], // e1
    [1, 1, 2], // e2
    [2, 3, 4], // b1
    [3, 1, 2], // c1
  ],
  thresholdPct: 25,
};

describe('workload_balance’s kernel', () => {
  it('moves one instance as upstream: off the most loaded host, the closest to its excess over the average, to the least loaded host that stays under', () => {
    const moves: [number, number][] = [];
    const result = balanceOnce(problemOf(cluster, (i, h) => (moves.push([i, h]), true)));
    // Average 12 / 6 = 2 cores; host 0 holds 6, its excess 4: a2 (3 cores) comes closest without exceeding it; the
    // least loaded hosts are the empty ones, the first of them takes it.
    expect(moves).toEqual([[1, 4]]);
    expect(result).toMatchObject({ overloadedBefore: 2, overloadedAfter: 1, moves: 1, lowerBound: 2 });
  });

  it('tries the next candidate where upstream would give up, when the chosen instance has no destination', () => {
    const asked: [number, number][] = [];
    const result = balanceOnce(problemOf(cluster, (i, h) => (asked.push([i, h]), i !== 1)));
    expect(asked.slice(0, 2)).toEqual([
      [1, 4],
      [1, 5],
    ]);
    expect(result.moves).toBe(1);
    expect(asked.at(-1)![0]).not.toBe(1);
  });

  it('with no limit, brings every host under the threshold with one migration per overloaded host here', () => {
    const moves: [number, number][] = [];
    const result = balanceAll(
      problemOf(cluster, (i, h) => (moves.push([i, h]), true)),
      0,
    );
    expect(result).toMatchObject({ overloadedBefore: 2, overloadedAfter: 0, lowerBound: 2, moves: 2 });
    expect(utilisationAfter(cluster, moves).every((pct) => pct < 25)).toBe(true);
  });

  it('counts a host that stays overloaded with every movable instance gone as unfixable, and leaves it', () => {
    const result = balanceAll(
      problemOf({ ...cluster, immovable: [3, 4] }, () => true),
      0,
    );
    expect(result).toMatchObject({ unfixable: 1, lowerBound: 1, moves: 1, overloadedAfter: 1 });
  });

  it('stops at max_migrations, relieving the most loaded hosts first', () => {
    const moves: [number, number][] = [];
    balanceAll(
      problemOf(cluster, (i, h) => (moves.push([i, h]), true)),
      1,
    );
    expect(moves).toHaveLength(1);
    expect(cluster.instances[moves[0]![0]]![0]).toBe(0);
  });

  // Quarter cores: sums and differences are exact in binary, so the test's arithmetic and the kernel's agree.
  const shapes = fc
    .record({
      hosts: fc.array(fc.constantFrom(16, 32, 48), { minLength: 1, maxLength: 12 }),
      instances: fc.array(
        fc.tuple(
          fc.nat(),
          fc.integer({ min: 1, max: 32 }).map((n) => n / 4),
          fc.constantFrom(1, 2, 4, 8),
        ),
        { maxLength: 60 },
      ),
      thresholdPct: fc.constantFrom(15, 25, 40),
      spare: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ hosts, instances, thresholdPct, spare }) => {
      const all = [...hosts, ...Array.from({ length: spare }, () => 48)];
      return {
        hosts: all,
        instances: instances.map(
          ([host, cores, vcpus]) =>
            [host % hosts.length, Math.min(cores, vcpus), vcpus] as [number, number, number],
        ),
        thresholdPct,
      };
    });

  it('plans no host into the threshold, never beyond a host’s allocation, and never fewer migrations than the bound', () => {
    fc.assert(
      fc.property(shapes, (shape) => {
        const moves: [number, number][] = [];
        const problem = problemOf(shape, (i, h) => (moves.push([i, h]), true));
        const result = balanceAll(problem, 0);
        const before = utilisationAfter(shape, []);
        const after = utilisationAfter(shape, moves);
        // A destination stays under the threshold; a source ends under it or, when it could not, lower.
        for (const [, d] of moves) expect(after[d]!).toBeLessThan(shape.thresholdPct);
        after.forEach((pct, h) => expect(pct).toBeLessThanOrEqual(Math.max(before[h]!, shape.thresholdPct)));
        const used = shape.hosts.map(() => 0);
        const hostOf = shape.instances.map(([host]) => host);
        for (const [i, d] of moves) hostOf[i] = d;
        shape.instances.forEach(([, , vcpus], i) => (used[hostOf[i]!]! += vcpus));
        used.forEach((vcpus, h) => {
          // Hosts may have started over their allocation (the generator does not check): they never grow.
          const initial = shape.instances.filter(([host]) => host === h).reduce((sum, [, , v]) => sum + v, 0);
          expect(vcpus).toBeLessThanOrEqual(Math.max(initial, shape.hosts[h]!));
        });
        expect(result.moves).toBe(moves.length);
        expect(result.overloadedAfter).toBe(after.filter((pct) => pct >= shape.thresholdPct).length);
        if (result.overloadedAfter === result.unfixable)
          expect(result.moves).toBeGreaterThanOrEqual(result.lowerBound);
      }),
      { numRuns: 300 },
    );
  });

  it('reaches the bound, every host under the threshold, when empty hosts leave room for everything moved', () => {
    fc.assert(
      fc.property(shapes, (shape) => {
        const roomy = { ...shape, hosts: [...shape.hosts, ...shape.hosts.map(() => 48 * 8)] };
        const result = balanceAll(problemOf(roomy), 0);
        expect(result.overloadedAfter).toBe(result.unfixable);
        expect(result.moves).toBe(result.lowerBound);
      }),
      { numRuns: 300 },
    );
  });
});
