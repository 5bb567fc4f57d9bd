import { describe, expect, it } from 'vitest';
import { computeNode, flavor, instance, uuidOf } from '../../test/helpers/cluster-model-builder.js';
import { executeStrategy, expectValidPlan, metricsSource } from '../../test/helpers/strategy-run.js';
import { resourceKey, type MetricName, type MetricsSource } from '../datasources/metrics-source.js';
import { isStewardError } from '../errors.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';
import { outletTemperature } from './outlet-temperature.js';
import type { Strategy } from './strategy.js';
import { uniformAirflow } from './uniform-airflow.js';

const host = (hostname: string, overrides: Partial<ComputeNode> = {}): ComputeNode =>
  computeNode(hostname, { vcpus: 16, memoryMb: 32768, diskGb: 400, ...overrides });

function vm(n: number, hostname: string, vcpus = 2, overrides: Partial<Instance> = {}): Instance {
  const shape = flavor({
    id: `f${vcpus}`,
    name: `f${vcpus}`,
    vcpus,
    memoryMb: 2048 * vcpus,
    diskGb: 20 * vcpus,
  });
  return instance(uuidOf(n), hostname, { name: `vm-${n}`, flavor: shape, ...overrides });
}

function cluster(
  spec: Record<string, number[] | { node?: Partial<ComputeNode>; vcpus: number[] }>,
): ClusterModel {
  const model = new ClusterModel();
  let n = 0;
  for (const [hostname, entry] of Object.entries(spec)) {
    const { node, vcpus } = Array.isArray(entry) ? { node: {}, vcpus: entry } : entry;
    model.upsertNode(host(hostname, node));
    for (const size of vcpus) model.upsertInstance(vm(n++, hostname, size));
  }
  return model;
}

/** Constant readings per metric and host (or instance uuid); a resource absent from a metric has no reading. */
function readings(values: Partial<Record<MetricName, Record<string, number>>>): MetricsSource {
  return metricsSource(
    'readings',
    (resource, metric) => values[metric]?.[resourceKey(resource)],
    (metric) => values[metric] !== undefined,
  );
}

async function run(
  strategy: Strategy,
  model: ClusterModel,
  metrics: MetricsSource | undefined,
  params: Record<string, unknown> = {},
) {
  const initial = model.clone();
  const solution = await executeStrategy(strategy, model, metrics, params);
  expectValidPlan(initial, solution.actions);
  const moves = solution.actions.map((action) => [
    action.inputParameters.resource_id,
    action.inputParameters.source_node,
    action.inputParameters.destination_node,
    action.inputParameters.migration_type,
  ]);
  return { solution, moves, indicators: Object.fromEntries(solution.indicators) };
}

describe('outlet_temperature', () => {
  it('live-migrates the first instance of the hottest host to the coolest host, once per audit', async () => {
    const model = cluster({ warm: [2, 2], hot: [4, 2], cool: [2], mild: [2] });
    const { moves, indicators } = await run(
      outletTemperature,
      model,
      readings({ host_outlet_temp: { warm: 36, hot: 38.5, cool: 27, mild: 31 } }),
    );
    expect(moves).toEqual([[uuidOf(2), 'hot', 'cool', 'live']]);
    expect(indicators).toEqual({
      compute_nodes_count: 4,
      hot_compute_nodes_count: 2,
      relieved_compute_nodes_count: 1,
      instance_migrations_count: 1,
    });
  });

  it('counts a host exactly at the threshold as hot, as upstream (>=)', async () => {
    const { moves } = await run(
      outletTemperature,
      cluster({ a: [2], b: [2] }),
      readings({ host_outlet_temp: { a: 30, b: 29.9 } }),
      { threshold: 30 },
    );
    expect(moves).toEqual([[uuidOf(0), 'a', 'b', 'live']]);
  });

  it('plans nothing when no host is hot, or when every host is', async () => {
    const model = () => cluster({ a: [2], b: [2] });
    expect(
      (await run(outletTemperature, model(), readings({ host_outlet_temp: { a: 30, b: 34.9 } }))).moves,
    ).toEqual([]);
    const allHot = await run(outletTemperature, model(), readings({ host_outlet_temp: { a: 36, b: 40 } }));
    expect(allHot.moves).toEqual([]);
    expect(allHot.indicators).toMatchObject({ hot_compute_nodes_count: 2, relieved_compute_nodes_count: 0 });
  });

  it('skips instances Nova would not live-migrate, then targets without room, then hosts with nothing to move', async () => {
    const model = cluster({
      hottest: [2, 2, 2],
      hot: [2],
      coolest: { node: { vcpus: 4 }, vcpus: [2, 2] },
      cool: [2],
    });
    const [stopped, locked, excluded] = model.instancesOn('hottest');
    stopped!.state = 'stopped';
    locked!.locked = true;
    excluded!.watcherExclude = true;
    const { moves } = await run(
      outletTemperature,
      model,
      readings({ host_outlet_temp: { hottest: 41, hot: 37, coolest: 25, cool: 28 } }),
    );
    // Nothing on `hottest` can go live; `hot`'s instance does not fit the full `coolest`, so it goes to `cool`.
    expect(moves).toEqual([[uuidOf(3), 'hot', 'cool', 'live']]);
  });

  it('leaves disabled hosts and hosts without a reading out, and is neither source nor target', async () => {
    const model = cluster({
      hot: [2],
      off: { node: { status: 'disabled', disabledReason: 'maintenance' }, vcpus: [2] },
      unread: [],
      cool: [],
    });
    const { moves, indicators } = await run(
      outletTemperature,
      model,
      readings({ host_outlet_temp: { hot: 40, off: 45, cool: 30 } }),
    );
    expect(moves).toEqual([[uuidOf(0), 'hot', 'cool', 'live']]);
    expect(indicators.compute_nodes_count).toBe(2);
  });

  it('fails the audit naming the metric when no host has a reading, or no datasource is configured', async () => {
    for (const metrics of [readings({ host_outlet_temp: {} }), undefined]) {
      const error = await run(outletTemperature, cluster({ a: [2], b: [] }), metrics).catch(
        (e: unknown) => e,
      );
      expect(isStewardError(error) && error.code).toBe('METRIC_UNAVAILABLE');
      expect((error as Error).message).toContain('host_outlet_temp');
    }
  });
});

describe('uniform_airflow', () => {
  /** Airflow per host, and the same inlet and power for every host unless given. */
  const ipmi = (
    airflow: Record<string, number>,
    power: Record<string, number> = {},
    inlet: Record<string, number> = {},
  ) =>
    readings({
      host_airflow: airflow,
      host_power: Object.fromEntries(Object.keys(airflow).map((h) => [h, power[h] ?? 380])),
      host_inlet_temp: Object.fromEntries(Object.keys(airflow).map((h) => [h, inlet[h] ?? 22])),
    });

  it('moves the first instance of the host with most airflow to the host with least, when it draws much power', async () => {
    const model = cluster({ loud: [2, 4], louder: [2, 2], quiet: [], calm: [] });
    const { moves, indicators } = await run(
      uniformAirflow,
      model,
      ipmi({ loud: 410, louder: 450, quiet: 310, calm: 330 }),
    );
    expect(moves).toEqual([[uuidOf(2), 'louder', 'quiet', 'live']]);
    expect(indicators).toEqual({
      compute_nodes_count: 4,
      hot_compute_nodes_count: 2,
      relieved_compute_nodes_count: 1,
      instance_migrations_count: 1,
    });
  });

  it('moves every instance off a host whose airflow is high at low power from cool air, largest first', async () => {
    // A fan fault, not load: `fault` draws 200 W from 22 °C air yet moves 48 CFM.
    const model = cluster({
      fault: [2, 8, 4],
      quiet: { node: { vcpus: 10 }, vcpus: [] },
      calm: [],
    });
    const { moves, indicators } = await run(
      uniformAirflow,
      model,
      ipmi({ fault: 480, quiet: 300, calm: 320 }, { fault: 200 }),
    );
    // 8 vCPUs then 4 fill `quiet` to 8 and overflow to `calm`; 2 fit `quiet` again.
    expect(moves).toEqual([
      [uuidOf(1), 'fault', 'quiet', 'live'],
      [uuidOf(2), 'fault', 'calm', 'live'],
      [uuidOf(0), 'fault', 'quiet', 'live'],
    ]);
    expect(indicators.instance_migrations_count).toBe(3);
    expect(model.instancesOn('fault')).toEqual([]);
  });

  it('moves nothing off a faulty host unless every instance that can move finds room (all or nothing)', async () => {
    const model = cluster({ fault: [8, 8], quiet: { node: { vcpus: 8 }, vcpus: [] } });
    const { moves } = await run(uniformAirflow, model, ipmi({ fault: 480, quiet: 300 }, { fault: 200 }));
    expect(moves).toEqual([]);
  });

  it('treats low power from warm air, or a missing reading, as load: one instance moves', async () => {
    const warm = await run(
      uniformAirflow,
      cluster({ hot: [2, 2], quiet: [] }),
      ipmi({ hot: 420, quiet: 300 }, { hot: 200 }, { hot: 30 }),
    );
    expect(warm.moves).toHaveLength(1);
    const unread = await run(
      uniformAirflow,
      cluster({ hot: [2, 2], quiet: [] }),
      readings({ host_airflow: { hot: 420, quiet: 300 }, host_power: {}, host_inlet_temp: {} }),
    );
    expect(unread.moves).toHaveLength(1);
  });

  it('passes over a source with nothing that can move, and plans nothing without a source or a target', async () => {
    const model = cluster({ first: [2], second: [2], quiet: [] });
    model.instancesOn('first')[0]!.locked = true;
    const { moves } = await run(uniformAirflow, model, ipmi({ first: 500, second: 420, quiet: 300 }));
    expect(moves).toEqual([[uuidOf(1), 'second', 'quiet', 'live']]);
    const none = () => cluster({ a: [2], b: [2] });
    expect((await run(uniformAirflow, none(), ipmi({ a: 390, b: 300 }))).moves).toEqual([]);
    expect((await run(uniformAirflow, none(), ipmi({ a: 400, b: 420 }))).moves).toEqual([]);
  });
});
