import { computeNode, flavor, instance } from '../../test/helpers/cluster-model-builder.js';
import { executeStrategy, expectValidPlan, metricsSource } from '../../test/helpers/strategy-run.js';
import { describe, expect, it } from 'vitest';
import type { MetricName, MetricsSource, StatisticOptions } from '../datasources/metrics-source.js';
import { isStewardError } from '../errors.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { Instance } from '../model/elements.js';
import { planners } from '../planners/index.js';
import type { Strategy } from './strategy.js';
import { workloadBalance } from './workload-balance.js';
import { workloadStabilization } from './workload-stabilization.js';

/** Instances are named in tests; their uuids carry the name in hex, so metrics and moves can use names. */
const uuidFor = (name: string) =>
  `00000000-0000-4000-8000-${Buffer.from(name).toString('hex').padStart(12, '0')}`;
const nameOf = (uuid: string) => Buffer.from(uuid.slice(24).replace(/^(00)+/, ''), 'hex').toString();

/** Metrics given per host or instance (by name) and metric; what was asked is recorded. */
function metricsOf(values: Partial<Record<MetricName, Record<string, number>>>) {
  const asked: { metric: MetricName; options: StatisticOptions }[] = [];
  const given = metricsSource(
    'given',
    (resource, metric) =>
      values[metric]?.[resource.kind === 'host' ? resource.hostname : nameOf(resource.uuid)],
  );
  const source: MetricsSource = {
    ...given,
    statistics(resources, metric, options) {
      asked.push({ metric, options });
      return given.statistics(resources, metric, options);
    },
  };
  return { source, asked };
}

function vm(name: string, hostname: string, vcpus: number, overrides: Partial<Instance> = {}): Instance {
  const shape = flavor({
    id: `f${vcpus}`,
    name: `f${vcpus}`,
    vcpus,
    memoryMb: 2048 * vcpus,
    diskGb: 10 * vcpus,
  });
  return instance(uuidFor(name), hostname, { name, flavor: shape, ...overrides });
}

async function run(strategy: Strategy, model: ClusterModel, metrics: MetricsSource | undefined, params = {}) {
  const initial = model.clone();
  const solution = await executeStrategy(strategy, model, metrics, params);
  expectValidPlan(initial, solution.actions, { planner: planners.require(strategy.planner) });
  const moves = solution.actions.map((action) => [
    action.inputParameters.resource_name,
    action.inputParameters.destination_node,
  ]);
  return { moves, indicators: Object.fromEntries(solution.indicators), model };
}

/**
 * 16-vCPU hosts: a at 37.5 % (a1 2 cores, a2 3, a3 1), e at 31.25 % (e1 4, e2 1), b at 18.75 %, c at 6.25 %, and two
 * empty 32-vCPU hosts f and g. The threshold is 25 %.
 */
function loaded(): { model: ClusterModel; cpu: Record<string, number> } {
  const model = new ClusterModel();
  for (const name of ['a', 'e', 'b', 'c']) model.upsertNode(computeNode(name, { vcpus: 16 }));
  for (const name of ['f', 'g']) model.upsertNode(computeNode(name, { vcpus: 32 }));
  const cpu: Record<string, number> = {};
  const place = (name: string, host: string, vcpus: number, pct: number) => {
    model.upsertInstance(vm(name, host, vcpus));
    cpu[name] = pct;
  };
  place('a1', 'a', 2, 100);
  place('a2', 'a', 4, 75);
  place('a3', 'a', 2, 50);
  place('e1', 'e', 4, 100);
  place('e2', 'e', 2, 50);
  place('b1', 'b', 4, 75);
  place('c1', 'c', 2, 50);
  return { model, cpu };
}

describe('workload_balance', () => {
  it('moves one instance as upstream: a2 off the most loaded host a, to the least loaded host f', async () => {
    const { model, cpu } = loaded();
    const { moves, indicators } = await run(
      workloadBalance,
      model,
      metricsOf({ instance_cpu_usage: cpu }).source,
    );
    expect(moves).toEqual([['a2', 'f']]);
    expect(indicators).toEqual({ instance_migrations_count: 1, instances_count: 7 });
  });

  it('with max_migrations 0, leaves no host at or above the threshold, with one migration per overloaded host', async () => {
    const { model, cpu } = loaded();
    const { moves } = await run(workloadBalance, model, metricsOf({ instance_cpu_usage: cpu }).source, {
      max_migrations: 0,
    });
    expect(moves).toEqual([
      ['a2', 'g'],
      ['e1', 'f'],
    ]);
    for (const node of model.nodes()) {
      const busy = model
        .instancesOn(node.hostname)
        .reduce((sum, i) => sum + (i.vcpus * cpu[i.name]!) / 100, 0);
      expect((busy / node.vcpus) * 100).toBeLessThan(25);
    }
  });

  it('balances memory on instance_ram_usage against the hosts’ memory', async () => {
    const model = new ClusterModel();
    model.upsertNode(computeNode('full', { memoryMb: 65536 }));
    model.upsertNode(computeNode('light', { memoryMb: 65536 }));
    model.upsertInstance(vm('big', 'full', 8));
    model.upsertInstance(vm('small', 'full', 2));
    const { moves } = await run(
      workloadBalance,
      model,
      metricsOf({ instance_ram_usage: { big: 12000, small: 3000 }, instance_cpu_usage: { big: 1, small: 1 } })
        .source,
      { metrics: 'instance_ram_usage', threshold: 20 },
    );
    // full uses 15000 of 65536 MiB (22.9 %): moving small (3000) brings it under; the excess over the average is 7500.
    expect(moves).toEqual([['small', 'light']]);
  });

  it('neither counts nor moves an instance without measures, and never moves an excluded or locked one', async () => {
    const { model, cpu } = loaded();
    model.upsertInstance({ ...model.getInstance(uuidFor('a1'))!, watcherExclude: true });
    model.upsertInstance({ ...model.getInstance(uuidFor('e1'))!, locked: true });
    const { a2: _unmeasured, ...measured } = cpu;
    const { moves } = await run(workloadBalance, model, metricsOf({ instance_cpu_usage: measured }).source, {
      max_migrations: 0,
    });
    // a counts 3 cores without a2 (18.75 %): under; e holds 5, of which only e2 may move, which is not enough.
    expect(moves).toEqual([]);
  });

  it('fails with METRIC_UNAVAILABLE without a datasource', async () => {
    const { model } = loaded();
    const error = await run(workloadBalance, model, undefined).catch((caught: unknown) => caught);
    expect(isStewardError(error) && error.code).toBe('METRIC_UNAVAILABLE');
  });
});

/** Three 16-vCPU hosts at 50 %, 10 % and 30 % CPU; on A, x (1 core), y (4 cores) and z (2 cores). */
function uneven(): { model: ClusterModel; metrics: ReturnType<typeof metricsOf> } {
  const model = new ClusterModel();
  for (const name of ['A', 'B', 'C']) model.upsertNode(computeNode(name, { vcpus: 16, memoryMb: 65536 }));
  model.upsertInstance(vm('x', 'A', 2));
  model.upsertInstance(vm('y', 'A', 4));
  model.upsertInstance(vm('z', 'A', 2));
  const metrics = metricsOf({
    host_cpu_usage: { A: 50, B: 10, C: 30 },
    host_ram_usage: { A: 32768, B: 8192, C: 16384 },
    instance_cpu_usage: { x: 50, y: 100, z: 100 },
    instance_ram_usage: { x: 2048, y: 8192, z: 4096 },
  });
  return { model, metrics };
}

describe('workload_stabilization', () => {
  it('moves the instance whose move lowers the standard deviation most, and reports it before and after', async () => {
    const { model, metrics } = uneven();
    const { moves, indicators } = await run(workloadStabilization, model, metrics.source);
    // y (0.25 of a host) from A (0.5) to B (0.1): loads 0.25, 0.35, 0.3.
    expect(moves).toEqual([['y', 'B']]);
    expect(indicators.instance_migrations_count).toBe(1);
    expect(indicators.instances_count).toBe(3);
    expect(indicators.standard_deviation_before_audit).toBeCloseTo(Math.sqrt(0.08 / 3), 12);
    expect(indicators.standard_deviation_after_audit).toBeCloseTo(Math.sqrt(0.005 / 3), 12);
  });

  it('moves what fits: z to B when B has no allocation left for y', async () => {
    const { model, metrics } = uneven();
    model.upsertInstance(vm('filler', 'B', 14));
    const { moves } = await run(workloadStabilization, model, metrics.source);
    expect(moves).toEqual([['z', 'B']]);
  });

  it('plans nothing when every metric is under its threshold, reporting the deviation it found', async () => {
    const { model, metrics } = uneven();
    const { moves, indicators } = await run(workloadStabilization, model, metrics.source, {
      thresholds: { instance_cpu_usage: 0.2 },
    });
    expect(moves).toEqual([]);
    expect(indicators.standard_deviation_after_audit).toBe(indicators.standard_deviation_before_audit);
  });

  it('balances memory on host_ram_usage over the hosts’ memory, weighted with CPU', async () => {
    const { model, metrics } = uneven();
    const { moves, indicators } = await run(workloadStabilization, model, metrics.source, {
      metrics: ['instance_cpu_usage', 'instance_ram_usage'],
      weights: { instance_cpu_usage_weight: 1, instance_ram_usage_weight: 0.5 },
    });
    // RAM loads 0.5, 0.125, 0.25 of 65536 MiB (sd ≈ 0.156) and CPU as above: y (8192 MiB, 4 cores) moves to B.
    expect(moves[0]).toEqual(['y', 'B']);
    const ramSd = Math.sqrt(
      ((0.5 - 0.875 / 3) ** 2 + (0.125 - 0.875 / 3) ** 2 + (0.25 - 0.875 / 3) ** 2) / 3,
    );
    expect(indicators.standard_deviation_before_audit).toBeCloseTo(Math.sqrt(0.08 / 3) + 0.5 * ramSd, 12);
  });

  it('reads host metrics over periods.compute_node (or the deprecated node) with aggregation_method', async () => {
    const { model, metrics } = uneven();
    await run(workloadStabilization, model, metrics.source, {
      periods: { instance: 360, compute_node: 1200, node: 0 },
      aggregation_method: { instance: 'max', compute_node: 'min', node: '' },
    });
    expect(metrics.asked).toEqual([
      { metric: 'host_cpu_usage', options: { periodSeconds: 1200, aggregate: 'min' } },
      { metric: 'instance_cpu_usage', options: { periodSeconds: 360, aggregate: 'max' } },
    ]);
    const deprecated = uneven();
    await run(workloadStabilization, deprecated.model, deprecated.metrics.source, {
      periods: { instance: 720, compute_node: 600, node: 900 },
      aggregation_method: { instance: 'mean', compute_node: 'mean', node: 'max' },
    });
    expect(deprecated.metrics.asked[0]).toEqual({
      metric: 'host_cpu_usage',
      options: { periodSeconds: 900, aggregate: 'max' },
    });
  });

  it('leaves out hosts without host metrics: they neither count nor receive', async () => {
    const { model } = uneven();
    const metrics = metricsOf({
      host_cpu_usage: { A: 50, C: 30 },
      instance_cpu_usage: { x: 50, y: 100, z: 100 },
    });
    const { moves } = await run(workloadStabilization, model, metrics.source);
    expect(moves.every(([, destination]) => destination !== 'B')).toBe(true);
  });
});
