import { describe, expect, it } from 'vitest';
import { buildFromConfig, buildFromScenario, invalidatePlacement, type ClusterState } from './cluster.js';
import { hostContention, servedShare } from './contention.js';
import { hostCpu, instanceCpu } from './load.js';
import { createMetricSource } from './metrics.js';

const SCENARIO = 'test/fixtures/simulator/steal-noisy-neighbour.json';
const T = Date.parse('2026-03-01T12:00:00Z') / 1000;

function scenario(): ClusterState {
  return buildFromScenario(SCENARIO, new Date(T * 1000).toISOString());
}
const named = (state: ClusterState, name: string) =>
  [...state.instances.values()].find((i) => i.name === name)!;
/** Mean stolen share of an instance's vCPUs over [t − window, t], from the counter. */
const stealRate = (state: ClusterState, name: string, t: number, window = 300): number => {
  const instance = named(state, name);
  const contention = hostContention(state, state.hostsByName.get(instance.host!)!);
  return (contention.stolen(instance, t) - contention.stolen(instance, t - window)) / window;
};

describe('CPU contention', () => {
  it('steals nothing while a host’s demand fits its physical cores', () => {
    const state = scenario();
    const host = state.hostsByName.get('compute-00000')!;
    expect(hostCpu(state, host, T)).toBeCloseTo(0.57, 9); // vm-noisy is stopped
    expect(servedShare(state, host, T)).toBe(1);
    expect(stealRate(state, 'vm-victim-a', T)).toBe(0);
    expect(hostContention(state, host).excess(T)).toBe(0);
  });

  it('serves an over-demanded host’s cores in proportion to demand, the rest being every instance’s steal', () => {
    const state = scenario();
    named(state, 'vm-noisy').vmState = 'active';
    invalidatePlacement();
    const host = state.hostsByName.get('compute-00000')!;
    // 0.02 background + (2 × 0.8 + 4 × 0.7 + 8 × 0.75) / 8 cores demanded.
    const busy = 0.02 + (1.6 + 2.8 + 6) / 8;
    expect(hostCpu(state, host, T)).toBeCloseTo(busy, 9);
    expect(servedShare(state, host, T)).toBeCloseTo(1 / busy, 9);
    expect(stealRate(state, 'vm-victim-a', T)).toBeCloseTo(0.8 * (1 - 1 / busy), 6);
    expect(stealRate(state, 'vm-victim-b', T)).toBeCloseTo(0.7 * (1 - 1 / busy), 6);
    const contention = hostContention(state, host);
    expect((contention.excess(T) - contention.excess(T - 60)) / 60).toBeCloseTo(busy - 1, 6);
    expect((contention.stolenShare(T) - contention.stolenShare(T - 60)) / 60).toBeCloseTo(1 - 1 / busy, 6);

    // The noisy instance leaves: its former neighbours steal nothing, and its new host can serve it.
    named(state, 'vm-noisy').host = 'compute-00001';
    invalidatePlacement();
    expect(stealRate(state, 'vm-victim-a', T)).toBe(0);
    expect(stealRate(state, 'vm-noisy', T)).toBe(0);
  });

  it('keeps every node_exporter CPU counter’s modes adding up to the time elapsed, steal included', () => {
    const state = scenario();
    named(state, 'vm-noisy').vmState = 'active';
    invalidatePlacement();
    const series = createMetricSource(state, 'fqdn')
      .select('node_cpu_seconds_total', [])
      .filter((s) => s.labels.fqdn === 'compute-00000' && s.labels.cpu === '0');
    const at = (mode: string, t: number) => series.find((s) => s.labels.mode === mode)!.at(t);
    const rate = (mode: string) => (at(mode, T) - at(mode, T - 300)) / 300;
    const total = series.reduce((sum, s) => sum + (s.at(T) - s.at(T - 300)) / 300, 0);
    expect(total).toBeCloseTo(1, 6);
    expect(rate('idle')).toBeCloseTo(0, 6);
    expect(rate('steal')).toBeCloseTo(1 - 8 / 10.56, 6);
    expect(rate('user')).toBeCloseTo(0.81 * (8 / 10.56), 6);
  });

  it('integrates varying loads per cell: the stolen counter never decreases and its rate is the mean steal', () => {
    // Twelve instances on a 4-core host: its demand swings across its capacity through the day.
    const state = buildFromConfig(
      { hosts: 1, instances: 12, seed: 3, loadPattern: 'noisy', host: { vcpus: 4, vcpuRatio: 16 } },
      new Date(T * 1000).toISOString(),
    );
    const host = state.hosts[0]!;
    const contention = hostContention(state, host);
    const instance = [...state.instances.values()].find((i) => i.vmState === 'active')!;
    let previous = -Infinity;
    let peak = 0;
    for (let t = T; t < T + 6 * 3600; t += 97) {
      const value = contention.stolen(instance, t);
      expect(value).toBeGreaterThanOrEqual(previous);
      previous = value;
      peak = Math.max(peak, hostCpu(state, host, t));
    }
    expect(peak).toBeGreaterThan(1);
    const window = 3600;
    let mean = 0;
    const steps = 3600;
    for (let k = 0; k < steps; k++) {
      const t = T - window + ((k + 0.5) * window) / steps;
      mean += (instanceCpu(instance, t) * (1 - servedShare(state, host, t))) / steps;
    }
    const rate = (contention.stolen(instance, T) - contention.stolen(instance, T - window)) / window;
    expect(mean).toBeGreaterThan(0);
    expect(rate).toBeCloseTo(mean, 3);
  });
});
