/**
 * A MetricsSource that answers one constant value per resource and metric, whatever the window or aggregate: the
 * scenarios' metrics (Watcher's FakeDataSource does the same), for tests and benchmarks that run strategies on a
 * recorded cluster without a Prometheus. Values are given in each metric's unit (metrics-source.ts).
 */
import {
  METRICS,
  resourceKey,
  type Availability,
  type MetricName,
  type MetricPoint,
  type SeriesColumns,
  type MetricResource,
  type MetricsSource,
  type RangeOptions,
} from './metrics-source.js';

export interface ConstantSourceOptions {
  /** Names the source in messages, e.g. the scenario file. */
  name: string;
  /** Per metric: hostname or instance uuid → value in the metric's unit. A metric absent here is not supported. */
  values: Partial<Record<MetricName, ReadonlyMap<string, number>>>;
}

export function createConstantSource(options: ConstantSourceOptions): MetricsSource {
  const { name, values } = options;
  const valueOf = (resource: MetricResource, metric: MetricName): number | undefined =>
    METRICS[metric].kind === resource.kind ? values[metric]?.get(resourceKey(resource)) : undefined;
  return {
    name,
    supports: (metric) => values[metric] !== undefined,
    available: (): Promise<Availability> => Promise.resolve({ ok: true }),
    statistic: (resource, metric) => Promise.resolve(valueOf(resource, metric)),
    statistics: (resources, metric) => {
      const answer = new Map<string, number>();
      for (const resource of resources) {
        const value = valueOf(resource, metric);
        if (value !== undefined) answer.set(resourceKey(resource), value);
      }
      return Promise.resolve(answer);
    },
    missing: (metrics) =>
      Promise.resolve(
        new Map(
          metrics
            .filter((metric) => (values[metric]?.size ?? 0) === 0)
            .map((metric) => [metric, `${name} holds no ${metric} values`] as const),
        ),
      ),
    range: (resource, metric, range: RangeOptions): Promise<MetricPoint[]> =>
      Promise.resolve(flat(valueOf(resource, metric), range)),
    ranges: (metric, range) => {
      const answer = new Map<string, SeriesColumns>();
      const keys = range.only ? range.only.map(resourceKey) : [...(values[metric]?.keys() ?? [])];
      for (const key of keys) {
        const value = values[metric]?.get(key);
        if (value === undefined) continue;
        const atMs = stepTimes(range);
        answer.set(key, { atMs, values: atMs.map(() => value) });
      }
      return Promise.resolve(answer);
    },
  };
}

/** The range's steps, epoch milliseconds. */
function stepTimes(range: RangeOptions): number[] {
  const atMs: number[] = [];
  for (let at = range.start.getTime(); at <= range.end.getTime(); at += range.stepSeconds * 1000)
    atMs.push(at);
  return atMs;
}

/** One point per step at the constant value; none when the resource has no value. */
function flat(value: number | undefined, range: RangeOptions): MetricPoint[] {
  if (value === undefined) return [];
  return stepTimes(range).map((at) => ({ at: new Date(at), value }));
}
