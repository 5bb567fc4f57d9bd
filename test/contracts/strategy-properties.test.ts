/**
 * Property: whatever the cluster — random allocation ratios and reserved amounts, disabled and powered-off hosts,
 * availability zones, server groups, required and forbidden traits, aggregate extra specs, lifecycle metadata,
 * excluded, locked and stopped instances, `ha:*` metadata — the plan validator finds nothing in the plans of the
 * consolidation, energy, balancing, thermal, noisy-neighbour and host-maintenance strategies, in any order their
 * planners' DAGs allow.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/lib/rng.js';
import { ClusterModel } from '../../src/model/cluster-model.js';
import { planners } from '../../src/planners/index.js';
import { strategies } from '../../src/strategies/index.js';
import { validatePlan } from '../../src/strategies/plan-validator.js';
import type { SolutionAction } from '../../src/strategies/solution-builder.js';
import type { ComputeNode } from '../../src/model/elements.js';
import { computeNode, flavor, instance, uuidOf } from '../helpers/cluster-model-builder.js';
import { runStrategy } from './strategy.contract.js';

const pick = <T>(random: { next(): number }, items: readonly T[]): T =>
  items[Math.floor(random.next() * items.length)]!;

function randomCluster(seed: number, hosts: number, instances: number): ClusterModel {
  const random = createRandom(seed);
  const chance = (p: number) => random.next() < p;
  const model = new ClusterModel();
  model.upsertAggregate({ id: 1, name: 'ssd', availabilityZone: null, hosts: [], metadata: { ssd: 'true' } });
  for (let h = 0; h < hosts; h++) {
    const hostname = `h${h}`;
    const ssd = chance(0.3);
    model.upsertNode(
      computeNode(hostname, {
        vcpus: pick(random, [8, 16, 32]),
        vcpuRatio: pick(random, [1, 2, 4]),
        vcpuReserved: pick(random, [0, 0, 2]),
        memoryMb: pick(random, [32768, 65536]),
        memoryRatio: pick(random, [1, 1.5]),
        memoryMbReserved: pick(random, [0, 2048]),
        diskGb: pick(random, [200, 500]),
        diskGbReserved: pick(random, [0, 20]),
        status: chance(0.1) ? 'disabled' : 'enabled',
        powerState: chance(0.05) ? 'off' : 'on',
        availabilityZone: pick(random, ['az1', 'az2']),
        traits: chance(0.3) ? ['HW_CPU_X86_AVX2'] : [],
        aggregates: ssd ? [1] : [],
      }),
    );
    if (ssd) model.getAggregate(1)!.hosts.push(hostname);
  }
  const names = [...model.nodes()].map((node) => node.hostname);
  for (let i = 0; i < instances; i++) {
    const hostname = pick(random, names);
    const node = model.getNode(hostname)!;
    const vcpus = pick(random, [1, 2, 4]);
    const extraSpecs: Record<string, string> = {};
    if (chance(0.1) && node.traits.includes('HW_CPU_X86_AVX2'))
      extraSpecs['trait:HW_CPU_X86_AVX2'] = 'required';
    if (chance(0.1) && !node.traits.includes('HW_CPU_X86_AVX2'))
      extraSpecs['trait:HW_CPU_X86_AVX2'] = 'forbidden';
    if (chance(0.1) && node.aggregates.includes(1)) extraSpecs['aggregate_instance_extra_specs:ssd'] = 'true';
    const shape = flavor({
      id: `f${vcpus}`,
      name: `f${vcpus}`,
      vcpus,
      memoryMb: 2048 * vcpus,
      diskGb: 20 * vcpus,
      extraSpecs,
    });
    const usage = model.usage(hostname);
    const capacity = model.capacity(node);
    if (usage.vcpus + vcpus > capacity.vcpus || usage.memoryMb + shape.memoryMb > capacity.memoryMb) continue;
    if (usage.diskGb + shape.diskGb > capacity.diskGb) continue;
    const metadata: Record<string, string> = {};
    if (chance(0.1)) metadata['lifecycle:live-migratable'] = 'false';
    if (chance(0.05)) metadata['lifecycle:cold-migratable'] = 'false';
    // HA metadata from the index, not the generator, so the clusters other strategies meet stay as they were.
    const handling = ['in_place', 'power_off', 'migrate', undefined, undefined][i % 5];
    if (handling) metadata['ha:maintenance-strategy'] = handling;
    if (i % 7 === 0) metadata['ha:role'] = i % 2 === 0 ? 'standby' : 'primary';
    if (i % 3 === 0) metadata['ha:priority'] = String(i % 4);
    model.upsertInstance(
      instance(uuidOf(i), hostname, {
        flavor: shape,
        state: chance(0.1) ? 'stopped' : chance(0.05) ? 'error' : 'active',
        locked: chance(0.05),
        watcherExclude: chance(0.05) ? true : undefined,
        metadata,
        pinnedAvailabilityZone: chance(0.2) ? node.availabilityZone : null,
        serverGroup: chance(0.1)
          ? { uuid: `group-${i % 3}`, policy: pick(random, ['affinity', 'anti-affinity', 'soft-affinity']) }
          : null,
      }),
    );
  }
  return model;
}

interface RunStats {
  runs: number;
  migrations: number;
  /** Runs whose plan powers at least one host off, and runs whose plan powers at least one on. */
  poweredOffRuns: number;
  poweredOnRuns: number;
}

/**
 * The strategies and how much each must do on these clusters for the property to mean something, with a margin of
 * two, as the counts vary with fast-check's random seed (workload_balance once made 149 migrations in 150 runs, for
 * a former bar of 150; host_maintenance 73 for a bar of 75): the consolidations and balancers move about an instance
 * per run or more; outlet_temperature and noisy_neighbor move one instance per audit, uniform_airflow relieves one
 * host (as upstream) and sla_noisy_neighbor moves only neighbours with a host to go to, so they must move something
 * in a tenth of the runs (they do in a third to two thirds); host_maintenance empties one host, h0, which holds a
 * few instances or none, and a fifth of its runs allow no move at all (stops only), so one instance per four runs.
 */
const ACTING: Record<string, (stats: RunStats) => boolean> = {
  basic: (stats) => stats.migrations > stats.runs / 2,
  vm_workload_consolidation: (stats) => stats.migrations > stats.runs / 2,
  node_resource_consolidation: (stats) => stats.migrations > stats.runs / 2,
  // Both of saving_energy's decisions must occur: about a fifth of the runs power hosts off, a twelfth power hosts
  // back on (that needs an empty powered-off host and too few empty hosts on).
  saving_energy: (stats) => stats.poweredOffRuns > stats.runs / 10 && stats.poweredOnRuns > stats.runs / 25,
  workload_balance: (stats) => stats.migrations > stats.runs / 2,
  workload_stabilization: (stats) => stats.migrations > stats.runs / 2,
  outlet_temperature: (stats) => stats.migrations > stats.runs / 10,
  uniform_airflow: (stats) => stats.migrations > stats.runs / 10,
  noisy_neighbor: (stats) => stats.migrations > stats.runs / 10,
  sla_noisy_neighbor: (stats) => stats.migrations > stats.runs / 10,
  host_maintenance: (stats) => stats.migrations > stats.runs / 4,
};

/**
 * Parameter sets drawn per run (defaults when absent). uniform_airflow also runs with its thresholds lowered so more
 * hosts are sources, and with a power threshold over any host's draw, so every source is evacuated (the fan-fault
 * path), which the model-derived readings never show with upstream's defaults.
 */
const PARAMETERS: Record<string, Record<string, unknown>[]> = {
  saving_energy: [
    {},
    { min_free_hosts_num: 0 },
    { min_free_hosts_num: 3 },
    { free_used_percent: 50, min_free_hosts_num: 0 },
  ],
  node_resource_consolidation: [{}, { host_choice: 'specify' }],
  workload_balance: [
    {},
    { max_migrations: 0 },
    { max_migrations: 0, threshold: 15 },
    { metrics: 'instance_ram_usage', threshold: 10, max_migrations: 0 },
  ],
  workload_stabilization: [
    {},
    { host_choice: 'fullsearch' },
    { metrics: ['instance_cpu_usage', 'instance_ram_usage'], thresholds: { instance_ram_usage: 0.02 } },
  ],
  // The model-derived steal is a tenth of the host's CPU use: 3 % catches the busier hosts.
  sla_noisy_neighbor: [{ cpu_steal_threshold: 3 }, { cpu_steal_threshold: 3, max_migrations: 0 }],
  uniform_airflow: [{}, { threshold_airflow: 330 }, { threshold_airflow: 330, threshold_power: 500 }],
  host_maintenance: [
    { maintenance_node: 'h0' },
    { maintenance_node: 'h0', backup_node: 'h1' },
    { maintenance_node: 'h0', disable_live_migration: true },
    { maintenance_node: 'h0', backup_node: 'h1', disable_cold_migration: true },
    { maintenance_node: 'h0', disable_live_migration: true, disable_cold_migration: true },
  ],
};

/**
 * Changes to the random cluster for one strategy, so its clusters have what it acts on. The generator powers off a
 * twentieth of the hosts before placing instances, so hardly any empty host is off: for saving_energy, half the
 * empty hosts are off (by the seed), as an earlier saving_energy audit would have left them.
 */
const PREPARE: Record<string, (model: ClusterModel, seed: number) => void> = {
  saving_energy(model, seed) {
    const random = createRandom(seed ^ 0x5eed);
    for (const node of model.nodes())
      if (model.instancesOn(node.hostname).length === 0 && random.next() < 0.5) node.powerState = 'off';
  },
};

/**
 * saving_energy's rule, stated on the cluster before the run: of the hosts not in maintenance, it keeps
 * `floor(max(hosts with instances × free_used_percent / 100, min_free_hosts_num))` empty hosts on. It powers off
 * exactly the empty powered-on hosts beyond that (the disabled ones first), or powers on as many empty powered-off
 * hosts as the pool lacks (all of them if there are fewer), and touches no other host: never one with instances,
 * never one in maintenance, never one already in the state asked for.
 */
function expectSavingEnergyRule(
  initial: ClusterModel,
  actions: readonly SolutionAction[],
  indicators: ReadonlyMap<string, number>,
  parameters: Record<string, unknown>,
): void {
  const { free_used_percent = 10, min_free_hosts_num = 1 } = parameters as {
    free_used_percent?: number;
    min_free_hosts_num?: number;
  };
  const candidates = [...initial.nodes()].filter((node) => !node.inMaintenance);
  const isEmpty = (hostname: string) => initial.instancesOn(hostname).length === 0;
  const withInstances = candidates.filter((node) => !isEmpty(node.hostname)).length;
  const emptyOn = candidates.filter((node) => isEmpty(node.hostname) && node.powerState === 'on');
  const emptyOff = candidates.filter((node) => isEmpty(node.hostname) && node.powerState === 'off');
  const keepOn = Math.floor(Math.max((withInstances * free_used_percent) / 100, min_free_hosts_num));

  const targets = (state: 'on' | 'off') =>
    actions
      .filter(
        (action) => action.actionType === 'change_node_power_state' && action.inputParameters.state === state,
      )
      .map((action) => String(action.inputParameters.resource_name));
  const [off, on] = [targets('off'), targets('on')];
  expect(actions.every((action) => action.actionType === 'change_node_power_state')).toBe(true);
  expect(new Set([...off, ...on]).size).toBe(off.length + on.length);
  const names = (nodes: readonly ComputeNode[]) => nodes.map((node) => node.hostname);
  for (const hostname of off) expect(names(emptyOn)).toContain(hostname);
  for (const hostname of on) expect(names(emptyOff)).toContain(hostname);
  expect(off).toHaveLength(Math.max(0, emptyOn.length - keepOn));
  expect(on).toHaveLength(emptyOn.length < keepOn ? Math.min(emptyOff.length, keepOn - emptyOn.length) : 0);
  const disabled = names(emptyOn.filter((node) => node.status === 'disabled'));
  if (off.some((hostname) => !disabled.includes(hostname)))
    expect(off).toEqual(expect.arrayContaining(disabled));
  expect(indicators.get('powered_off_nodes_count')).toBe(off.length);
  expect(indicators.get('powered_on_nodes_count')).toBe(on.length);
}

describe('plans of the consolidation, energy, balancing, thermal and maintenance strategies on random constrained clusters', () => {
  const names = Object.keys(ACTING);
  it.each(names)('%s: the validator finds nothing in any order the DAG allows', async (name) => {
    const strategy = strategies.require(name);
    const stats: RunStats = { runs: 0, migrations: 0, poweredOffRuns: 0, poweredOnRuns: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 0, max: 160 }),
        fc.constantFrom(...(PARAMETERS[name] ?? [{}])),
        async (seed, hosts, instances, parameters) => {
          const model = randomCluster(seed, hosts, instances);
          PREPARE[name]?.(model, seed);
          const initial = model.clone();
          const solution = await runStrategy(strategy, model, parameters, { seed });
          let n = 0;
          const planned = planners.require(strategy.planner).plan(solution.actions, () => `a-${(n += 1)}`);
          expect(validatePlan(initial, planned)).toEqual([]);
          if (name === 'saving_energy')
            expectSavingEnergyRule(initial, solution.actions, solution.indicators, parameters);
          const powers = (state: string) =>
            solution.actions.some(
              (action) =>
                action.actionType === 'change_node_power_state' && action.inputParameters.state === state,
            );
          stats.runs += 1;
          stats.migrations += solution.actions.filter((action) => action.actionType === 'migrate').length;
          if (powers('off')) stats.poweredOffRuns += 1;
          if (powers('on')) stats.poweredOnRuns += 1;
        },
      ),
      { numRuns: 150 },
    );
    // The property means something only if the strategies act on these clusters.
    expect(ACTING[name]!(stats), JSON.stringify(stats)).toBe(true);
  });
});
