/**
 * What every registered strategy must do (house-style 4.11), run over the whole registry by
 * test/contracts/strategies.test.ts. Strategies that do not read the model (the dummies, the actuator) emit the
 * same actions whatever the cluster, so the model-dependent clauses apply only to strategies declared `readsModel`.
 */
import { describe, expect, it } from 'vitest';
import { actionTypes } from '../../src/applier/actions/index.js';
import { validateStrategyParameters } from '../../src/api/strategy-parameters.js';
import { ACTION_PARAMETERS, isActionTypeName } from '../../src/contract/actions.js';
import { createRandom } from '../../src/lib/rng.js';
import { ClusterModel } from '../../src/model/cluster-model.js';
import type { ComputeNode, Instance } from '../../src/model/elements.js';
import type { StorageModel } from '../../src/model/storage-model.js';
import { weightPlanner } from '../../src/planners/weight.js';
import { scoringEngines } from '../../src/scoring/index.js';
import { SolutionBuilder } from '../../src/strategies/solution-builder.js';
import { parametersSpec, type Strategy } from '../../src/strategies/strategy.js';
import { Value } from 'typebox/value';
import type { MetricName, MetricResource, MetricsSource } from '../../src/datasources/metrics-source.js';
import { validatePlan } from '../../src/strategies/plan-validator.js';
import { planners } from '../../src/planners/index.js';
import { computeNode, flavor, instance as buildInstance } from '../helpers/cluster-model-builder.js';
import { metricsSource, strategyContext } from '../helpers/strategy-run.js';

export interface StrategyContractOptions {
  /** Parameters that make the strategy act (defaults are filled in on top). */
  parameters?: Record<string, unknown>;
  /** True when the solution depends on the model: then an empty cluster must give an empty solution. */
  readsModel: boolean;
  /** dummy_with_resize plans fixed instance uuids that no model holds (upstream's test strategy): waived there. */
  plansUnknownResources?: boolean;
}

/**
 * Metrics derived from the model, the same for every run: every instance at 40 % of its vCPUs and half its flavor's
 * memory; hosts at 2 % plus their instances' load, as the shared scenarios' generator computes them. A host's IPMI
 * readings follow its CPU as the simulated cloud's do (docs/simulator.md). An instance's L3 cache steps at the start
 * of the last 100 s: a third of the instances (by uuid) rose from 1 to 4 MiB, a third fell from 4 to 1 MiB, the rest
 * hold 2 MiB, so a mean over `w` seconds weighs the two levels by how much of `w` each covers.
 */
export function modelMetrics(model: ClusterModel): MetricsSource {
  const instanceCpu = (uuid: string) => 40 + (uuid.charCodeAt(uuid.length - 1) % 7);
  const l3Step = (uuid: string, periodSeconds: number): number => {
    const [before, now] = [
      [1, 4],
      [4, 1],
      [2, 2],
    ][uuid.charCodeAt(uuid.length - 1) % 3]!;
    const recent = Math.min(1, 100 / periodSeconds);
    return recent * now! + (1 - recent) * before!;
  };
  const hostCpu = (hostname: string): number => {
    const node = model.getNode(hostname);
    if (!node) return 0;
    return (
      2 +
      model.instancesOn(hostname).reduce((sum, i) => sum + (i.vcpus * instanceCpu(i.uuid)) / node.vcpus, 0)
    );
  };
  const value = (resource: MetricResource, metric: MetricName, periodSeconds: number): number | undefined => {
    if (resource.kind === 'instance') {
      const instance = model.getInstance(resource.uuid);
      if (!instance) return undefined;
      if (metric === 'instance_cpu_usage') return instanceCpu(instance.uuid);
      if (metric === 'instance_ram_usage') return instance.memoryMb / 2;
      if (metric === 'instance_l3_cache_usage') return l3Step(instance.uuid, periodSeconds);
      // Service-level signals: steal a tenth of its host's CPU use, I/O wait 8 % of its own, misses 5 %.
      if (metric === 'instance_cpu_steal_pct')
        return instance.hostname ? hostCpu(instance.hostname) / 10 : undefined;
      if (metric === 'instance_io_wait_pct') return 0.08 * instanceCpu(instance.uuid);
      if (metric === 'instance_cache_miss_rate') return 0.05;
      return undefined;
    }
    const node = model.getNode(resource.hostname);
    if (!node) return undefined;
    const instances = model.instancesOn(node.hostname);
    const cpu = hostCpu(node.hostname);
    const ramUsedMb = instances.reduce((sum, i) => sum + i.memoryMb / 2, 1024);
    const power = 150 + 3 * Math.min(100, cpu);
    const airflow = 300 + 0.5 * (power - 150);
    if (metric === 'host_cpu_usage') return cpu;
    if (metric === 'host_ram_usage') return ramUsedMb;
    if (metric === 'host_power') return power;
    if (metric === 'host_airflow') return airflow;
    if (metric === 'host_inlet_temp') return 22;
    if (metric === 'host_outlet_temp') return 22 + (1.76 * power) / (airflow / 10);
    // PSI as the simulated cloud derives it from the host's load (src/simulator/pressure.ts).
    if (metric === 'host_pressure_cpu') return 0.5 * Math.max(0, cpu / 100 - 0.7);
    if (metric === 'host_pressure_memory') return Math.max(0, ramUsedMb / node.memoryMb - 0.85);
    if (metric === 'host_pressure_io') return (0.01 * cpu) / 100;
    return undefined;
  };
  return metricsSource('model-derived', (resource, metric, options) =>
    value(resource, metric, options.periodSeconds),
  );
}

/** A node whose uuid is a real one (Placement actions take only uuids), made from its name. */
export const node = (hostname: string, overrides: Partial<ComputeNode> = {}): ComputeNode =>
  computeNode(hostname, {
    uuid: `00000000-0000-4000-a000-${Buffer.from(hostname).toString('hex').padStart(12, '0').slice(-12)}`,
    vcpus: 16,
    diskGb: 500,
    ...overrides,
  });

export const instance = (uuid: string, hostname: string, vcpus = 2, memoryMb = 4096): Instance =>
  buildInstance(uuid, hostname, {
    name: uuid,
    projectId: 'p1',
    flavor: flavor({ id: `f-${vcpus}`, name: `f-${vcpus}`, vcpus, memoryMb, diskGb: 10 }),
  });

/** A small unbalanced cluster with one disabled host, the kind strategies are meant to act on. */
export function unbalancedCluster(): ClusterModel {
  const model = new ClusterModel();
  model.upsertNode(node('busy'));
  model.upsertNode(node('idle'));
  model.upsertNode(node('off', { status: 'disabled', disabledReason: 'maintenance' }));
  for (let n = 0; n < 7; n += 1)
    model.upsertInstance(instance(`00000000-0000-4000-8000-00000000000${n}`, 'busy'));
  return model;
}

/**
 * Runs `strategy` as the contract suite audits it: parameters validated with their defaults filled in, metrics
 * derived from the model (`modelMetrics`), seed 42 unless given, and the registry's scoring engines.
 */
export async function runStrategy(
  strategy: Strategy,
  model: ClusterModel,
  parameters: Record<string, unknown>,
  options: { seed?: number; signal?: AbortSignal; storage?: StorageModel } = {},
): Promise<SolutionBuilder> {
  const solution = new SolutionBuilder(model);
  const filled = validateStrategyParameters(strategy.name, parametersSpec(strategy), parameters);
  const { storage } = options;
  await strategy.execute(
    strategyContext(model, solution, {
      // As the audit runner does: the builder gets the storage model when the strategy loads it.
      ...(storage && {
        storage: () => {
          solution.useStorage(storage);
          return Promise.resolve(storage);
        },
      }),
      metrics: modelMetrics(model.clone()),
      random: createRandom(options.seed ?? 42),
      ...(options.signal && { signal: options.signal }),
      scoringEngine: (name) => scoringEngines.require(name),
    }),
    filled,
  );
  return solution;
}

export function strategyContract(strategy: Strategy, options: StrategyContractOptions): void {
  const parameters = options.parameters ?? {};

  describe(`strategy ${strategy.name}`, () => {
    it('publishes a parameters_spec in upstream\'s {"properties": …} shape with a description for each parameter', () => {
      const spec = parametersSpec(strategy) as { properties: Record<string, { description?: string }> };
      const required = strategy.parameters.required ?? [];
      expect(Object.keys(spec)).toEqual(required.length > 0 ? ['properties', 'required'] : ['properties']);
      for (const [name, property] of Object.entries(spec.properties))
        expect(property.description, name).toBeTypeOf('string');
    });

    it('rejects invalid parameters naming every problem at once', () => {
      const first = Object.keys(strategy.parameters.properties)[0];
      const bad: Record<string, unknown> = {
        no_such_parameter: 1,
        ...(first !== undefined && { [first]: { not: 'valid' } }),
      };
      let message = '';
      try {
        validateStrategyParameters(strategy.name, parametersSpec(strategy), bad);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('no_such_parameter');
      if (first !== undefined) expect(message).toContain(first);
    });

    it('emits only known action types, each valid for its schema and executable by the applier', async () => {
      const solution = await runStrategy(strategy, unbalancedCluster(), parameters);
      for (const action of solution.actions) {
        expect(isActionTypeName(action.actionType)).toBe(true);
        expect(Value.Check(ACTION_PARAMETERS[action.actionType], action.inputParameters)).toBe(true);
        expect(actionTypes.get(action.actionType), action.actionType).toBeDefined();
      }
    });

    it('gives the same solution for the same seed', async () => {
      const [first, second] = await Promise.all([
        runStrategy(strategy, unbalancedCluster(), parameters, { seed: 7 }),
        runStrategy(strategy, unbalancedCluster(), parameters, { seed: 7 }),
      ]);
      expect(second.actions).toEqual(first.actions);
      expect([...second.indicators]).toEqual([...first.indicators]);
    });

    // `indicator()` takes only the goal's indicators, but TypeScript checks method parameters bivariantly: a helper
    // handed the builder as a plain SolutionBuilder (every goal's indicators) could still report another goal's, and
    // the API would then show a value the goal's efficacy specification does not list.
    it("reports only indicators of its goal's efficacy specification", async () => {
      const specified = strategy.goal.indicators.map((indicator) => indicator.name);
      const clusters = options.readsModel ? [unbalancedCluster(), new ClusterModel()] : [unbalancedCluster()];
      for (const model of clusters) {
        const solution = await runStrategy(strategy, model, parameters);
        for (const name of solution.indicators.keys()) expect(specified, strategy.goal.name).toContain(name);
      }
    });

    it('yields a plan the weight planner accepts, with every action once', async () => {
      const solution = await runStrategy(strategy, unbalancedCluster(), parameters);
      let n = 0;
      const planned = weightPlanner.plan(solution.actions, () => `uuid-${(n += 1)}`);
      expect(planned).toHaveLength(solution.actions.length);
    });

    it('stops when its audit is aborted', async () => {
      const controller = new AbortController();
      controller.abort(new Error('audit cancelled'));
      await expect(
        runStrategy(strategy, unbalancedCluster(), parameters, { signal: controller.signal }),
      ).rejects.toThrow('audit cancelled');
    });

    if (options.readsModel) {
      it('yields an empty solution for an empty cluster', async () => {
        const solution = await runStrategy(strategy, new ClusterModel(), parameters);
        expect(solution.actions).toEqual([]);
      });
    }

    it('never moves anything to a disabled host, never moves an excluded instance, nor overcommits a host', async () => {
      const model = unbalancedCluster();
      const excluded = [...model.instances()][0]!;
      excluded.watcherExclude = true;
      const solution = await runStrategy(strategy, model, parameters);
      for (const action of solution.actions) {
        expect(action.inputParameters.destination_node).not.toBe('off');
        expect(action.inputParameters.resource_id).not.toBe(excluded.uuid);
      }
      for (const host of model.nodes()) {
        const usage = model.usage(host.hostname);
        const capacity = model.capacity(host);
        expect(usage.vcpus).toBeLessThanOrEqual(capacity.vcpus);
        expect(usage.memoryMb).toBeLessThanOrEqual(capacity.memoryMb);
        expect(usage.diskGb).toBeLessThanOrEqual(capacity.diskGb);
      }
    });

    if (!options.plansUnknownResources) {
      it('plans only what the plan validator accepts, in every order its planner allows', async () => {
        const model = unbalancedCluster();
        const initial = model.clone();
        const solution = await runStrategy(strategy, model, parameters);
        let n = 0;
        const planned = planners.require(strategy.planner).plan(solution.actions, () => `uuid-${(n += 1)}`);
        expect(validatePlan(initial, planned)).toEqual([]);
      });
    }
  });
}
