/**
 * The plan validator finds nothing in any plan of zone_migration or storage_capacity_balance on random clusters with
 * Cinder storage beside them (the seeded generators, sizes and capacities drawn by fast-check), through the planner
 * each strategy names: Nova's and Cinder's rules hold in every order the plan's DAG allows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runStrategy } from './strategy.contract.js';
import { dependencyPlanner } from '../../src/planners/dependency.js';
import { weightPlanner } from '../../src/planners/weight.js';
import { scenarioModel } from '../../src/scenarios/load-scenario.js';
import { generateScenario } from '../../src/scenarios/scenario-generator.js';
import { generateStorage, storageHostname } from '../../src/scenarios/storage-generator.js';
import { validatePlan } from '../../src/strategies/plan-validator.js';
import { storageCapacityBalance } from '../../src/strategies/storage-capacity-balance.js';
import { zoneMigration } from '../../src/strategies/zone-migration.js';

const clusterArbitrary = fc.record({
  hosts: fc.integer({ min: 3, max: 12 }),
  /** Per cent of what the generators can place (they refuse a cluster they cannot fill). */
  instanceShare: fc.integer({ min: 0, max: 100 }),
  storageHosts: fc.integer({ min: 2, max: 8 }),
  volumeShare: fc.integer({ min: 0, max: 100 }),
  // At least the generator's largest volume (500 GB) twice over, so every drawn volume has a place.
  poolCapacityGb: fc.constantFrom(1000, 1500, 3000),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

type ClusterDraw = typeof clusterArbitrary extends fc.Arbitrary<infer T> ? T : never;

function cluster(draw: ClusterDraw) {
  const compute = scenarioModel(
    generateScenario({
      hosts: draw.hosts,
      instances: Math.floor((draw.instanceShare / 100) * draw.hosts * 6),
      seed: draw.seed,
    }),
  );
  const storage = generateStorage(compute, {
    hosts: draw.storageHosts,
    // Two pools a host, a volume of 77.5 GB on average, and room for the largest ones.
    volumes: Math.floor((draw.volumeShare / 100) * ((draw.storageHosts * 2 * draw.poolCapacityGb) / 250)),
    seed: draw.seed,
    poolCapacityGb: draw.poolCapacityGb,
  });
  return { compute, storage };
}

/** A draw whose volumes its pools cannot hold (the generator refuses it) is no cluster: discarded, not failed. */
function feasibleCluster(draw: ClusterDraw) {
  try {
    return cluster(draw);
  } catch (error) {
    if (error instanceof RangeError && error.message.includes('cannot hold')) fc.pre(false);
    throw error;
  }
}

describe('storage strategies on random clusters', () => {
  it('storage_capacity_balance: every plan passes the validator, and no pool ends over a threshold it started under', async () => {
    const stats = { runs: 0, moves: 0 };
    await fc.assert(
      fc.asyncProperty(clusterArbitrary, fc.integer({ min: 10, max: 95 }), async (draw, threshold) => {
        const { compute, storage } = feasibleCluster(draw);
        const initial = compute.clone();
        const initialStorage = storage.clone();
        const solution = await runStrategy(
          storageCapacityBalance,
          compute,
          { volume_threshold: threshold },
          { storage },
        );
        let n = 0;
        const planned = weightPlanner.plan(solution.actions, () => `a-${++n}`);
        expect(validatePlan(initial, planned, { storage: initialStorage })).toEqual([]);
        for (const pool of storage.pools()) {
          const before = initialStorage.getPool(pool.name)!;
          const usedBefore = (before.totalCapacityGb - before.freeCapacityGb) / before.totalCapacityGb;
          const usedAfter = (pool.totalCapacityGb - pool.freeCapacityGb) / pool.totalCapacityGb;
          if (usedBefore * 100 < threshold) expect(usedAfter * 100).toBeLessThan(threshold + 1e-9);
        }
        stats.runs += 1;
        stats.moves += solution.actions.length;
      }),
      { numRuns: 60 },
    );
    // The property means something only if the strategy moved volumes in many runs.
    expect(stats.moves).toBeGreaterThan(stats.runs);
  }, 120_000);

  it('zone_migration: every plan passes the validator with random sources, destinations, retypes and limits', async () => {
    const stats = { runs: 0, moves: 0 };
    await fc.assert(
      fc.asyncProperty(
        clusterArbitrary,
        fc.record({
          nodes: fc.integer({ min: 1, max: 2 }),
          withDestination: fc.boolean(),
          pools: fc.integer({ min: 0, max: 2 }),
          retype: fc.boolean(),
          withAttachedVolume: fc.boolean(),
          parallelTotal: fc.integer({ min: 0, max: 8 }),
          parallelPerNode: fc.integer({ min: 0, max: 3 }),
          parallelPerPool: fc.integer({ min: 0, max: 3 }),
        }),
        async (draw, choice) => {
          const { compute, storage } = feasibleCluster(draw);
          const hostnames = [...compute.nodes()].map((node) => node.hostname).sort();
          const computeNodes = hostnames.slice(0, choice.nodes).map((src, index) => ({
            src_node: src,
            ...(choice.withDestination && { dst_node: hostnames[hostnames.length - 1 - index]! }),
          }));
          const storagePools = Array.from(
            { length: Math.min(choice.pools, draw.storageHosts - 1) },
            (_, h) =>
              choice.retype
                ? { src_pool: `${storageHostname(h + 1)}#ssd`, dst_type: 'hdd', src_type: 'ssd' }
                : { src_pool: `${storageHostname(h + 1)}#hdd`, dst_pool: `${storageHostname(0)}#hdd` },
          );
          const initial = compute.clone();
          const initialStorage = storage.clone();
          const solution = await runStrategy(
            zoneMigration,
            compute,
            {
              compute_nodes: computeNodes,
              storage_pools: storagePools,
              with_attached_volume: choice.withAttachedVolume,
              parallel_total: choice.parallelTotal,
              parallel_per_node: choice.parallelPerNode,
              parallel_per_pool: choice.parallelPerPool,
            },
            { storage },
          );
          let n = 0;
          const planned = dependencyPlanner.plan(solution.actions, () => `a-${++n}`);
          expect(validatePlan(initial, planned, { storage: initialStorage })).toEqual([]);
          stats.runs += 1;
          stats.moves += solution.actions.length;
        },
      ),
      { numRuns: 60 },
    );
    expect(stats.moves).toBeGreaterThan(stats.runs);
  }, 120_000);
});
