/**
 * The consolidation strategies on the shared benchmark clusters (frozen copies in test/fixtures/scenarios): each
 * reaches the allocation bound, moves no more instances than the bound requires (and fewer than Watcher's basic), and
 * plans nothing the plan validator rejects, in any order the plan's DAG allows. On the overcommitted variants
 * vm_workload_consolidation also keeps every host's measured CPU at or under 100 %. On 10x50 the exact optimum
 * (a MILP solved by HiGHS) shows the gap: none.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { createRandom } from '../../src/lib/rng.js';
import { planners } from '../../src/planners/index.js';
import { consolidationBounds } from '../../src/scenarios/consolidation-bounds.js';
import { loadScenario } from '../../src/scenarios/load-scenario.js';
import { strategies } from '../../src/strategies/index.js';
import { validatePlan } from '../../src/strategies/plan-validator.js';
import { SolutionBuilder } from '../../src/strategies/solution-builder.js';
import { minimumMigrations } from '../../bench/consolidation-milp.js';

const FIXTURES = new URL('../fixtures/scenarios/', import.meta.url);

/** Watcher 9.0.0's basic on the same clusters (migrations), from its recorded plans. */
function watcherMigrations(variant: string, size: string, strategy: string): number {
  const file = new URL(`${variant}solution-${size}-seed42-${strategy}.json`, FIXTURES);
  const solution = JSON.parse(readFileSync(file, 'utf8')) as { actions: { action_type: string }[] };
  return solution.actions.filter((action) => action.action_type === 'migrate').length;
}

async function plan(variant: string, size: string, name: string, parameters: Record<string, unknown> = {}) {
  const { model, metrics, document } = loadScenario(
    new URL(`${variant}scenario-${size}-seed42.json`, FIXTURES).pathname,
  );
  const initial = model.clone();
  const solution = new SolutionBuilder(model);
  const strategy = strategies.require(name);
  await strategy.execute(
    {
      model,
      metrics,
      solution,
      clock: new ManualClock('2026-01-01T00:00:00Z'),
      random: createRandom(42),
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined },
      signal: new AbortController().signal,
      scoringEngine: () => {
        throw new Error('no scoring engine');
      },
    },
    parameters,
  );
  let n = 0;
  const planned = planners.require(strategy.planner).plan(solution.actions, () => `action-${(n += 1)}`);
  const emptyHosts = [...model.nodes()].filter(
    (node) => model.instancesOn(node.hostname).length === 0,
  ).length;
  const cpu = new Map(
    document.instances.map((instance) => [instance.uuid, instance.metrics.instance_cpu_usage ?? 0]),
  );
  let highestCpuPct = 0;
  for (const node of model.nodes()) {
    let pct = 2;
    for (const instance of model.instancesOn(node.hostname))
      pct += (instance.vcpus * (cpu.get(instance.uuid) ?? 0)) / node.vcpus;
    highestCpuPct = Math.max(highestCpuPct, pct);
  }
  return {
    bounds: consolidationBounds(initial),
    emptyHosts,
    migrations: solution.actions.filter((action) => action.actionType === 'migrate').length,
    findings: validatePlan(initial, planned),
    highestCpuPct,
  };
}

describe.each(['10x50', '100x1000'])('consolidation on the %s benchmark cluster', (size) => {
  it.each([
    ['basic', {}],
    ['vm_workload_consolidation', {}],
    ['node_resource_consolidation', { host_choice: 'specify' }],
    ['node_resource_consolidation', { host_choice: 'auto' }],
  ])(
    '%s %j reaches the allocation bound with the fewest migrations and a valid plan',
    async (name, parameters) => {
      const result = await plan('', size, name, parameters);
      expect(result.findings).toEqual([]);
      expect(result.emptyHosts).toBe(result.bounds.maxEmptyHosts);
      expect(result.migrations).toBe(result.bounds.minMigrations);
      expect(result.migrations).toBeLessThan(watcherMigrations('', size, 'basic'));
    },
  );

  it.each(['basic', 'vm_workload_consolidation'])(
    '%s on the overcommitted variant empties as many hosts as Watcher, with fewer migrations and no host above 100 % CPU',
    async (name) => {
      const result = await plan('overcommit/', size, name);
      expect(result.findings).toEqual([]);
      expect(result.emptyHosts).toBeGreaterThanOrEqual(result.bounds.maxEmptyHosts);
      expect(result.highestCpuPct).toBeLessThanOrEqual(100);
      expect(result.migrations).toBeLessThan(watcherMigrations('overcommit/', size, name));
    },
  );
});

describe('the exact optimum on 10x50 (MILP, HiGHS)', () => {
  const optimum = async (variant: string, emptyHosts: number) => {
    const { model } = loadScenario(new URL(`${variant}scenario-10x50-seed42.json`, FIXTURES).pathname);
    const milp = await minimumMigrations(model, emptyHosts, { timeLimitSeconds: 60 });
    expect(milp.status).toBe('Optimal');
    return milp.migrations;
  };

  it.each([
    ['basic', {}],
    ['vm_workload_consolidation', {}],
    ['node_resource_consolidation', { host_choice: 'auto' }],
  ])('%s plans the fewest migrations any plan emptying as many hosts can', async (name, parameters) => {
    const result = await plan('', '10x50', name, parameters);
    expect(result.migrations).toBe(await optimum('', result.emptyHosts));
  });

  it('vm_workload_consolidation on the overcommitted variant too', async () => {
    const result = await plan('overcommit/', '10x50', 'vm_workload_consolidation');
    // The MILP knows allocations only; measured CPU can only add constraints, so equal means optimal.
    expect(result.migrations).toBe(await optimum('overcommit/', result.emptyHosts));
  });
});
