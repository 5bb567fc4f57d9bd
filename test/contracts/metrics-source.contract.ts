/**
 * What every MetricsSource must do, run against any backend whose true values are known: a real Prometheus filled
 * by promtool (test/integration/prometheus.test.ts) and the simulated cloud's Prometheus API read by the same
 * Prometheus datasource, as Steward's embedded default composes it (test/integration/simulator-metrics.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  METRIC_NAMES,
  METRICS,
  resourceKey,
  type Aggregate,
  type MetricName,
  type MetricResource,
  type MetricsSource,
} from '../../src/datasources/metrics-source.js';

export interface MetricsSourceFixture {
  source: MetricsSource;
  /** A time at which every window of `periodSeconds` back holds data. */
  at: Date;
  hosts: MetricResource[];
  instances: MetricResource[];
  /** The true value in the metric's declared unit. */
  expected(metric: MetricName, key: string): number;
  close(): Promise<void>;
}

/** The unit each metric is promised in; a change here is a breaking change for every strategy. */
const UNITS: Record<MetricName, string> = {
  host_cpu_usage: 'percent',
  host_ram_usage: 'MiB',
  host_cpu_steal_pct: 'percent',
  host_io_wait_pct: 'percent',
  host_pressure_cpu: 'fraction',
  host_pressure_memory: 'fraction',
  host_pressure_io: 'fraction',
  host_network_rx_bytes_per_s: 'bytes_per_second',
  host_network_tx_bytes_per_s: 'bytes_per_second',
  host_disk_used_gb: 'GiB',
  instance_cpu_usage: 'percent',
  instance_ram_usage: 'MiB',
  instance_cpu_steal_pct: 'percent',
  instance_io_wait_pct: 'percent',
  instance_cache_miss_rate: 'fraction',
  instance_disk_used_gb: 'GiB',
  instance_network_rx_bytes_per_s: 'bytes_per_second',
  instance_network_tx_bytes_per_s: 'bytes_per_second',
  host_outlet_temp: 'celsius',
  host_inlet_temp: 'celsius',
  host_airflow: 'deci_cfm',
  host_power: 'watts',
  instance_l3_cache_usage: 'MiB',
};

const close = (actual: number | undefined, expected: number): void => {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(Math.max(1e-6, Math.abs(expected) * 1e-6));
};

export function describeMetricsSourceContract(
  name: string,
  create: () => Promise<MetricsSourceFixture>,
): void {
  describe(`MetricsSource contract: ${name}`, () => {
    let fixture: MetricsSourceFixture;
    beforeAll(async () => {
      fixture = await create();
    });
    afterAll(async () => {
      await fixture?.close();
    });
    const resourcesOf = (metric: MetricName): MetricResource[] =>
      METRICS[metric].kind === 'host' ? fixture.hosts : fixture.instances;
    const cases = METRIC_NAMES.flatMap((metric) =>
      (['mean', 'max', 'min'] as Aggregate[]).map((aggregate) => [metric, aggregate] as const),
    );

    it.each(METRIC_NAMES)('declares %s in its documented unit and supports it', (metric) => {
      expect(METRICS[metric].unit).toBe(UNITS[metric]);
      expect(fixture.source.supports(metric)).toBe(true);
    });

    it('finds data for every metric', async () => {
      expect(typeof fixture.source.missing).toBe('function');
      expect(await fixture.source.missing!(METRIC_NAMES, fixture.at)).toEqual(new Map());
    });

    it('reports itself available', async () => {
      expect(await fixture.source.available()).toEqual({ ok: true });
    });

    it.each(cases)(
      'answers %s (%s over one hour) with the true value for each resource',
      async (metric, aggregate) => {
        for (const resource of resourcesOf(metric)) {
          const value = await fixture.source.statistic(resource, metric, {
            periodSeconds: 3600,
            aggregate,
            at: fixture.at,
          });
          close(value, fixture.expected(metric, resourceKey(resource)));
        }
      },
    );

    it.each(METRIC_NAMES)('answers %s for all resources in one batched call', async (metric) => {
      const resources = resourcesOf(metric);
      const values = await fixture.source.statistics(resources, metric, {
        periodSeconds: 1800,
        aggregate: 'mean',
        at: fixture.at,
      });
      expect([...values.keys()].sort()).toEqual(resources.map(resourceKey).sort());
      for (const resource of resources)
        close(values.get(resourceKey(resource)), fixture.expected(metric, resourceKey(resource)));
    });

    it.each(['instance_cpu_usage', 'instance_cpu_steal_pct'] as const)(
      'finds the vCPUs itself when %s is asked without them',
      async (metric) => {
        for (const resource of fixture.instances) {
          if (resource.kind !== 'instance') continue;
          const value = await fixture.source.statistic({ kind: 'instance', uuid: resource.uuid }, metric, {
            periodSeconds: 3600,
            aggregate: 'mean',
            at: fixture.at,
          });
          close(value, fixture.expected(metric, resource.uuid));
        }
      },
    );

    it.each(['host_cpu_usage', 'instance_ram_usage'] as const)(
      'returns a range of %s with one true point per step',
      async (metric) => {
        const resource = resourcesOf(metric)[0]!;
        const points = await fixture.source.range(resource, metric, {
          start: new Date(fixture.at.getTime() - 3600_000),
          end: fixture.at,
          stepSeconds: 600,
        });
        expect(points).toHaveLength(7);
        for (const point of points) close(point.value, fixture.expected(metric, resourceKey(resource)));
      },
    );

    it.each(['host_cpu_usage', 'instance_cpu_usage', 'instance_network_rx_bytes_per_s'] as const)(
      'returns ranges of %s restricted to the resources asked for, in one call',
      async (metric) => {
        const [first] = resourcesOf(metric);
        const range = { start: new Date(fixture.at.getTime() - 3600_000), end: fixture.at, stepSeconds: 600 };
        const one = await fixture.source.ranges!(metric, { ...range, only: [first!] });
        expect([...one.keys()]).toEqual([resourceKey(first!)]);
        const columns = one.get(resourceKey(first!))!;
        expect(columns.values.length).toBe(columns.atMs.length);
        expect(columns.values.length).toBeGreaterThan(0);
        for (const value of columns.values) close(value, fixture.expected(metric, resourceKey(first!)));
        expect((await fixture.source.ranges!(metric, { ...range, only: [] })).size).toBe(0);
        const all = await fixture.source.ranges!(metric, range);
        expect(all.size).toBeGreaterThanOrEqual(resourcesOf(metric).length);
      },
    );

    const unknown: [string, MetricResource, MetricName][] = [
      ['an unknown host', { kind: 'host', hostname: 'compute-does-not-exist' }, 'host_cpu_usage'],
      [
        'an unknown instance',
        { kind: 'instance', uuid: '00000000-0000-4000-8000-00000000dead', vcpus: 2 },
        'instance_cpu_usage',
      ],
    ];
    it.each(unknown)('answers undefined for %s', async (_name, resource, metric) => {
      expect(
        await fixture.source.statistic(resource, metric, {
          periodSeconds: 3600,
          aggregate: 'mean',
          at: fixture.at,
        }),
      ).toBeUndefined();
    });
  });
}
