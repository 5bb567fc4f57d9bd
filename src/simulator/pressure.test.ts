import { describe, expect, it } from 'vitest';
import { buildQuery } from '../datasources/queries.js';
import {
  buildFromConfig,
  invalidatePlacement,
  type ClusterState,
  type LoadPattern,
  type SimHost,
} from './cluster.js';
import { hostBusyIntegral, hostRamUsedMb } from './load.js';
import { createMetricSource } from './metrics.js';
import { hostPressure, type PressureResource } from './pressure.js';
import { query, type Value } from './promql/evaluator.js';

const NOW = '2026-01-01T00:00:00Z';
// Noon, so a day sampled back from T crosses a midnight (where each day table starts again).
const T = Date.parse('2026-03-01T12:00:00Z') / 1000;
const DAY = 86_400;
const PLANETLAB = 'test/fixtures/planetlab/20110303';
const LABELS = { host: 'fqdn', instance: 'resource', domain: 'domain' };

/** Small, crowded hosts, so CPU and RAM cross the 70 % and 85 % thresholds during the day. */
function cluster(loadPattern: LoadPattern, seed = 7): ClusterState {
  return buildFromConfig(
    {
      hosts: 3,
      instances: 30,
      seed,
      loadPattern,
      host: { vcpus: 16, memoryMb: 64_000, vcpuRatio: 8, memoryRatio: 2 },
      ...(loadPattern === 'planetlab' ? { planetlab: { path: PLANETLAB } } : {}),
    },
    NOW,
  );
}

const single = (v: Value): number => {
  if (v.type !== 'vector' || v.samples.length !== 1)
    throw new Error(`expected one sample, got ${JSON.stringify(v)}`);
  return v.samples[0]!.value;
};

/** The mean of the instantaneous pressure over (t − window, t], by the midpoint rule at `step` seconds. */
function meanPressure(
  state: ClusterState,
  host: SimHost,
  resource: PressureResource,
  t: number,
  window: number,
  step = 0.1,
): number {
  const n = Math.round(window / step);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += hostPressure(state, host, resource, t - window + (j + 0.5) * step);
  return sum / n;
}

const counterAt = (state: ClusterState, host: SimHost, resource: PressureResource, t: number): number =>
  single(
    query(
      `node_pressure_${resource}_waiting_seconds_total{fqdn='${host.hostname}'}`,
      createMetricSource(state, 'fqdn'),
      t,
    ),
  );

// Sinusoids use the 30 s midpoint rule (the 15-minute wave of `noisy` bounds its error); traces are exact.
const PATTERNS: [LoadPattern, number][] = [
  ['diurnal', 1e-6],
  ['noisy', 1e-4],
  ['planetlab', 1e-8],
];
const RESOURCES: PressureResource[] = ['cpu', 'memory', 'io'];
const CASES = PATTERNS.flatMap(([pattern, tolerance]) =>
  RESOURCES.map((resource) => [pattern, resource, tolerance] as const),
);
// Off the 30 s grid and on it, a week back, and a window across midnight.
const INSTANTS = [T, T - 12_345.6, T - 7 * DAY + 17.3, Math.floor(T / DAY) * DAY + 100];

describe('PSI pressure counters', () => {
  it.each(CASES)('never decrease over a day sampled every 60 s (%s load, %s)', (pattern, resource) => {
    const state = cluster(pattern);
    const source = createMetricSource(state, 'fqdn');
    for (const series of source.select(`node_pressure_${resource}_waiting_seconds_total`, [])) {
      let previous = -Infinity;
      for (let t = T - DAY; t <= T; t += 60) {
        const value = series.at(t);
        expect(value).toBeGreaterThanOrEqual(previous);
        previous = value;
      }
    }
  });

  it.each(CASES)(
    'rate over 5 minutes, as the datasource asks it, is the mean pressure over the window (%s load, %s)',
    (pattern, resource, tolerance) => {
      const state = cluster(pattern);
      const source = createMetricSource(state, 'fqdn');
      let isAnyPressure = false;
      for (const host of state.hosts) {
        const { promql } = buildQuery(`host_pressure_${resource}`, LABELS, {
          aggregate: 'mean',
          periodSeconds: 300,
          match: host.hostname,
          rateWindowSeconds: 300,
        });
        for (const t of INSTANTS) {
          const expected = meanPressure(state, host, resource, t, 300);
          isAnyPressure ||= expected > 0.001;
          expect(Math.abs(single(query(promql, source, t)) - expected)).toBeLessThan(tolerance);
        }
      }
      // The hosts are crowded enough that the comparison is not 0 = 0 everywhere.
      expect(isAnyPressure).toBe(true);
    },
  );

  it.each(PATTERNS)(
    'max over an hour, as the datasource asks it, is the largest 5-minute mean at its 60 s steps (%s load, cpu)',
    (pattern, tolerance) => {
      const state = cluster(pattern);
      const source = createMetricSource(state, 'fqdn');
      for (const host of state.hosts) {
        const { promql } = buildQuery('host_pressure_cpu', LABELS, {
          aggregate: 'max',
          periodSeconds: 3600,
          match: host.hostname,
          rateWindowSeconds: 300,
        });
        const steps = Array.from({ length: 60 }, (_, k) => Math.floor(T / 60) * 60 - k * 60);
        const expected = Math.max(...steps.map((s) => meanPressure(state, host, 'cpu', s, 300, 1)));
        // A 1 s midpoint rule for the reference: its own error adds to the tolerance.
        expect(Math.abs(single(query(promql, source, T)) - expected)).toBeLessThan(tolerance + 1e-6);
      }
    },
  );

  it.each(PATTERNS)(
    'gives the same counter at an instant from a fresh cluster as after a 7-day range at 1 h steps (%s load)',
    (pattern) => {
      const warm = cluster(pattern);
      const source = createMetricSource(warm, 'fqdn');
      const text =
        "avg by (fqdn)(rate(node_pressure_cpu_waiting_seconds_total{fqdn='compute-00001'}[3600s]))";
      for (let t = T - 7 * DAY; t <= T; t += 3600) query(text, source, t);
      const fresh = cluster(pattern);
      for (const resource of RESOURCES) {
        expect(counterAt(warm, warm.hosts[1]!, resource, T - 1234.5)).toBe(
          counterAt(fresh, fresh.hosts[1]!, resource, T - 1234.5),
        );
      }
    },
  );

  it('keeps flat loads on their closed forms, value for value', () => {
    const state = cluster('flat');
    for (const host of state.hosts) {
      for (const t of INSTANTS) {
        expect(counterAt(state, host, 'cpu', t)).toBe(
          Math.max(0, hostBusyIntegral(state, host, t) - 0.7 * t) * 0.5,
        );
        expect(counterAt(state, host, 'memory', t)).toBe(
          Math.max(0, hostRamUsedMb(state, host, t) / host.memoryMb - 0.85) * t,
        );
        expect(counterAt(state, host, 'io', t)).toBe(0.01 * hostBusyIntegral(state, host, t));
      }
    }
  });

  it.each([
    [
      'a stop written straight into the state',
      (state: ClusterState, host: SimHost) => {
        const busiest = [...state.instances.values()]
          .filter((i) => i.host === host.hostname && i.vmState === 'active')
          .sort((a, b) => b.flavor.vcpus - a.flavor.vcpus)[0]!;
        busiest.vmState = 'stopped';
      },
    ],
    [
      'a move announced by invalidatePlacement',
      (state: ClusterState, host: SimHost) => {
        for (const i of state.instances.values())
          if (i.host === state.hosts[0]!.hostname) i.host = host.hostname;
        invalidatePlacement();
      },
    ],
  ])('follows the host load after %s', (_name, change) => {
    const state = cluster('noisy');
    const host = state.hosts[2]!;
    const source = () => createMetricSource(state, 'fqdn');
    const rate = (): number =>
      single(
        query(`rate(node_pressure_cpu_waiting_seconds_total{fqdn='${host.hostname}'}[300s])`, source(), T),
      );
    const before = rate();
    change(state, host);
    const after = rate();
    expect(after).not.toBeCloseTo(before, 3);
    expect(Math.abs(after - meanPressure(state, host, 'cpu', T, 300))).toBeLessThan(1e-4);
  });
});
