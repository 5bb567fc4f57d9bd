/**
 * The IPMI and L3-cache series of the simulated cloud, read through PromQL as a datasource reads them. Expected values
 * come from the formulas in docs/simulator.md, not from thermal.ts.
 */
import { describe, expect, it } from 'vitest';
import { buildFromConfig, buildFromScenario, invalidatePlacement, type ClusterState } from './cluster.js';
import { createMetricSource } from './metrics.js';
import { query, type Value } from './promql/evaluator.js';

const NOW = '2026-01-01T00:00:00Z';
const T = Date.parse('2026-03-01T12:00:00Z') / 1000;
const SCENARIO = 'test/fixtures/simulator/scenario-metrics-2x3.json';

const byKey = (v: Value, label: string): Map<string, number> => {
  if (v.type !== 'vector') throw new Error('expected a vector');
  return new Map(v.samples.map((s) => [s.labels[label] ?? '', s.value]));
};
const read = (state: ClusterState, promql: string, label: string, t = T): Map<string, number> =>
  byKey(query(promql, createMetricSource(state, 'fqdn'), t), label);

/** Power, airflow and outlet temperature a host at busy fraction b has, from the documented formulas. */
const expectedFor = (busy: number, inletC = 22) => {
  const power = 150 + 300 * Math.min(1, Math.max(0, busy));
  const airflow = 300 + 0.5 * (power - 150);
  return { power, airflow, outlet: inletC + (1.76 * power) / (airflow / 10) };
};

describe('IPMI series (Ceilometer hardware.ipmi.node.*)', () => {
  it('serves power, airflow, inlet and outlet temperature from each host’s load', () => {
    // The scenario's hosts are 80 % and 25 % busy.
    const state = buildFromScenario(SCENARIO, NOW);
    const power = read(state, 'ceilometer_hardware_ipmi_node_power', 'fqdn');
    const airflow = read(state, 'ceilometer_hardware_ipmi_node_airflow', 'fqdn');
    const inlet = read(state, 'ceilometer_hardware_ipmi_node_temperature', 'fqdn');
    const outlet = read(state, 'ceilometer_hardware_ipmi_node_outlet_temperature', 'fqdn');
    for (const [host, busy] of [
      ['compute-a', 0.8],
      ['compute-b', 0.25],
    ] as const) {
      const expected = expectedFor(busy);
      expect(power.get(host)).toBeCloseTo(expected.power, 9);
      expect(airflow.get(host)).toBeCloseTo(expected.airflow, 9);
      expect(inlet.get(host)).toBe(22);
      expect(outlet.get(host)).toBeCloseTo(expected.outlet, 9);
    }
    expect(outlet.get('compute-a')).toBeCloseTo(38.343, 3);
  });

  it('labels them with the host label and Ceilometer’s resource, so a query by either finds the host', () => {
    const state = buildFromScenario(SCENARIO, NOW);
    const byFqdn = read(state, "ceilometer_hardware_ipmi_node_power{fqdn='compute-b'}", 'fqdn');
    const byResource = read(state, "ceilometer_hardware_ipmi_node_power{resource='compute-b'}", 'resource');
    expect([...byFqdn.keys()]).toEqual(['compute-b']);
    expect(byResource.get('compute-b')).toBe(byFqdn.get('compute-b'));
  });

  it('cools the source and warms the destination when an instance moves', () => {
    const state = buildFromScenario(SCENARIO, NOW);
    const before = read(state, 'ceilometer_hardware_ipmi_node_outlet_temperature', 'fqdn');
    // vm-2 uses 2 vCPUs at 90 %: 1.8 cores leave the 16-core compute-a for the 8-core compute-b.
    state.instances.get('7c1e2f3a-0000-4000-8000-000000000002')!.host = 'compute-b';
    invalidatePlacement();
    const after = read(state, 'ceilometer_hardware_ipmi_node_outlet_temperature', 'fqdn');
    expect(after.get('compute-a')).toBeCloseTo(expectedFor(0.8 - 1.8 / 16).outlet, 9);
    expect(after.get('compute-b')).toBeCloseTo(expectedFor(0.25 + 1.8 / 8).outlet, 9);
    expect(after.get('compute-a')!).toBeLessThan(before.get('compute-a')!);
    expect(after.get('compute-b')!).toBeGreaterThan(before.get('compute-b')!);
  });

  it('reads a host’s own inlet temperature, and a powered-off node’s outlet as its inlet at no power', () => {
    const state = buildFromScenario(SCENARIO, NOW);
    const b = state.hostsByName.get('compute-b')!;
    b.inletC = 27.5;
    const warm = read(state, 'ceilometer_hardware_ipmi_node_outlet_temperature', 'fqdn');
    expect(warm.get('compute-b')).toBeCloseTo(expectedFor(0.25, 27.5).outlet, 9);
    // Nothing may run on a node that is off: empty it first.
    state.instances.get('7c1e2f3a-0000-4000-8000-000000000003')!.host = 'compute-a';
    invalidatePlacement();
    b.powerState = 'off';
    expect(read(state, 'ceilometer_hardware_ipmi_node_power', 'fqdn').get('compute-b')).toBe(0);
    expect(read(state, 'ceilometer_hardware_ipmi_node_airflow', 'fqdn').get('compute-b')).toBe(0);
    expect(read(state, 'ceilometer_hardware_ipmi_node_outlet_temperature', 'fqdn').get('compute-b')).toBe(
      27.5,
    );
  });

  it('averages over a window like any gauge', () => {
    const state = buildFromScenario(SCENARIO, NOW);
    const mean = read(
      state,
      'avg by (fqdn)(avg_over_time(ceilometer_hardware_ipmi_node_outlet_temperature[1h]))',
      'fqdn',
    );
    expect(mean.get('compute-b')).toBeCloseTo(expectedFor(0.25).outlet, 9);
  });
});

describe('L3 cache occupancy (Ceilometer cpu_l3_cache, libvirt perf cmt)', () => {
  /** One 8-thread host (8 MiB of L3) with two instances of flat load, in bytes per uuid. */
  function twoOnOneHost() {
    const state = buildFromConfig(
      { hosts: 1, instances: 2, seed: 3, loadPattern: 'flat', host: { vcpus: 8, vcpuRatio: 16 } },
      NOW,
    );
    const [victim, neighbour] = [...state.instances.values()];
    const large = state.flavors.find((f) => f.vcpus === 4)!;
    const xlarge = state.flavors.find((f) => f.vcpus === 8)!;
    Object.assign(victim!, { flavor: large, cpuMean: 0.75 }); // wants 2 × 4 × 0.75 = 6 MiB
    Object.assign(neighbour!, { flavor: xlarge, cpuMean: 0.5 }); // wants 2 × 8 × 0.5 = 8 MiB
    return { state, victim: victim!, neighbour: neighbour! };
  }
  const MiB = 1024 * 1024;

  it('shares the host’s L3 in proportion to demand once the demands exceed it', () => {
    const { state, victim, neighbour } = twoOnOneHost();
    const cache = read(state, 'ceilometer_cpu_l3_cache', 'resource');
    // 6 + 8 MiB wanted of 8 MiB.
    expect(cache.get(victim.id)! / MiB).toBeCloseTo((6 * 8) / 14, 9);
    expect(cache.get(neighbour.id)! / MiB).toBeCloseTo((8 * 8) / 14, 9);
    const cmt = read(state, 'libvirt_domain_perf_cmt_bytes', 'domain');
    expect(cmt.get(victim.id)).toBe(cache.get(victim.id));
  });

  it('gives each instance its whole demand when they fit, and nothing to a stopped one', () => {
    const { state, victim, neighbour } = twoOnOneHost();
    neighbour.vmState = 'stopped';
    const cache = read(state, 'ceilometer_cpu_l3_cache', 'resource');
    expect(cache.get(victim.id)! / MiB).toBeCloseTo(6, 9);
    expect(cache.get(neighbour.id)).toBe(0);
  });

  it('lets a neighbour that started take its share only from its start on', () => {
    const { state, victim, neighbour } = twoOnOneHost();
    // Started between the scrapes at T − 30 and T.
    neighbour.startedAtS = T - 10;
    const now = read(state, 'ceilometer_cpu_l3_cache', 'resource');
    const before = read(state, 'ceilometer_cpu_l3_cache', 'resource', T - 60);
    expect(before.get(victim.id)! / MiB).toBeCloseTo(6, 9);
    expect(before.get(neighbour.id)).toBe(0);
    expect(now.get(victim.id)! / MiB).toBeCloseTo((6 * 8) / 14, 9);
    // What noisy_neighbor compares: the mean over the last 30 s against the 30 s before.
    const last = read(state, 'avg_over_time(ceilometer_cpu_l3_cache[30s])', 'resource');
    const two = read(state, 'avg_over_time(ceilometer_cpu_l3_cache[60s])', 'resource');
    const previous = 2 * two.get(victim.id)! - last.get(victim.id)!;
    expect(last.get(victim.id)! / previous).toBeCloseTo(8 / 14, 9);
  });

  it('gives the victim its demand back when the neighbour moves away', () => {
    const { state, victim, neighbour } = twoOnOneHost();
    neighbour.host = null;
    invalidatePlacement();
    expect(read(state, 'ceilometer_cpu_l3_cache', 'resource').get(victim.id)! / MiB).toBeCloseTo(6, 9);
  });
});
