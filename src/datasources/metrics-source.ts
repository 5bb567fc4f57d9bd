/**
 * The metrics port strategies use (house-style 4.5: strategies import only this file from datasources/).
 * Every abstract metric has one unit, stated here and converted by each datasource, so no strategy has to know
 * whether a backend reports bytes, KiB or nanoseconds (upstream mixed KB and MB for RAM; that was a real bug).
 */
export type ResourceKind = 'host' | 'instance';

export interface MetricDefinition {
  readonly kind: ResourceKind;
  readonly unit:
    'percent' | 'fraction' | 'MiB' | 'GiB' | 'bytes_per_second' | 'celsius' | 'watts' | 'deci_cfm';
  readonly description: string;
}

export const METRICS = {
  host_cpu_usage: { kind: 'host', unit: 'percent', description: 'CPU busy time, 0..100 % of all host cores' },
  host_ram_usage: {
    kind: 'host',
    unit: 'MiB',
    description: 'memory in use (MemTotal - MemAvailable), MiB like Nova memory_mb',
  },
  host_cpu_steal_pct: {
    kind: 'host',
    unit: 'percent',
    description: 'CPU time stolen by the layer below, 0..100 %',
  },
  host_io_wait_pct: { kind: 'host', unit: 'percent', description: 'CPU time idle waiting for I/O, 0..100 %' },
  host_pressure_cpu: {
    kind: 'host',
    unit: 'fraction',
    description: 'PSI: fraction of time some task stalled on CPU, 0..1',
  },
  host_pressure_memory: {
    kind: 'host',
    unit: 'fraction',
    description: 'PSI: fraction of time some task stalled on memory, 0..1',
  },
  host_pressure_io: {
    kind: 'host',
    unit: 'fraction',
    description: 'PSI: fraction of time some task stalled on I/O, 0..1',
  },
  host_network_rx_bytes_per_s: {
    kind: 'host',
    unit: 'bytes_per_second',
    description: 'bytes received on physical NICs',
  },
  host_network_tx_bytes_per_s: {
    kind: 'host',
    unit: 'bytes_per_second',
    description: 'bytes sent on physical NICs',
  },
  host_disk_used_gb: {
    kind: 'host',
    unit: 'GiB',
    description: 'local filesystem space used, GiB like Nova local_gb',
  },
  host_outlet_temp: {
    kind: 'host',
    unit: 'celsius',
    description: 'exhaust air temperature the BMC reads (IPMI, Intel Node Manager), °C',
  },
  host_inlet_temp: {
    kind: 'host',
    unit: 'celsius',
    description: 'intake air temperature the BMC reads (IPMI), °C',
  },
  host_airflow: {
    kind: 'host',
    unit: 'deci_cfm',
    description: 'volumetric airflow through the chassis (IPMI, Intel Node Manager), in 0.1 CFM as upstream',
  },
  host_power: { kind: 'host', unit: 'watts', description: 'system power the BMC reads (IPMI), W' },
  instance_cpu_usage: {
    kind: 'instance',
    unit: 'percent',
    description: 'CPU used, 0..100 % of the flavor vCPUs',
  },
  instance_ram_usage: { kind: 'instance', unit: 'MiB', description: 'resident memory, MiB like flavor ram' },
  instance_cpu_steal_pct: {
    kind: 'instance',
    unit: 'percent',
    description: 'vCPU time runnable but not run (steal seen by the guest), 0..100 % of vCPUs',
  },
  instance_io_wait_pct: {
    kind: 'instance',
    unit: 'percent',
    description: 'time the block devices were busy serving requests, 0..100 %',
  },
  instance_cache_miss_rate: {
    kind: 'instance',
    unit: 'fraction',
    description: 'last-level cache misses / references, 0..1',
  },
  instance_disk_used_gb: {
    kind: 'instance',
    unit: 'GiB',
    description: 'root disk space the guest has allocated, GiB like flavor disk',
  },
  instance_network_rx_bytes_per_s: {
    kind: 'instance',
    unit: 'bytes_per_second',
    description: 'bytes received on the instance ports',
  },
  instance_network_tx_bytes_per_s: {
    kind: 'instance',
    unit: 'bytes_per_second',
    description: 'bytes sent on the instance ports',
  },
  instance_l3_cache_usage: {
    kind: 'instance',
    unit: 'MiB',
    description: 'last-level (L3) cache the instance occupies (Intel CMT), MiB',
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
export const isMetricName = (name: string): name is MetricName => Object.hasOwn(METRICS, name);

export type MetricResource =
  { kind: 'host'; hostname: string } | { kind: 'instance'; uuid: string; vcpus?: number };
/** The key a resource has in batched answers: the hostname or the instance uuid. */
export const resourceKey = (resource: MetricResource): string =>
  resource.kind === 'host' ? resource.hostname : resource.uuid;

export type Aggregate = 'mean' | 'max' | 'min';

export interface StatisticOptions {
  /** The window ending at `at` (default now) over which the aggregate is taken. */
  periodSeconds: number;
  aggregate: Aggregate;
  at?: Date;
}

export interface RangeOptions {
  start: Date;
  end: Date;
  stepSeconds: number;
  /** Window of each point; default the step. */
  periodSeconds?: number;
}

export interface MetricPoint {
  at: Date;
  value: number;
}

/**
 * A time series as two parallel columns, epoch milliseconds and values: a 7-day dashboard of 1,000 hosts reads
 * millions of points, and an object (and a Date) per point costs more than the rest of the work.
 */
export interface SeriesColumns {
  atMs: number[];
  values: number[];
}

export type Availability = { ok: true } | { ok: false; reason: string };

export interface MetricsSource {
  readonly name: string;
  supports(metric: MetricName): boolean;
  /** Reachability of the backend; the engine fails an audit with `reason` rather than with a stack trace. */
  available(): Promise<Availability>;
  /** One resource, one number in the metric's unit; undefined when the backend has no data for it. */
  statistic(
    resource: MetricResource,
    metric: MetricName,
    options: StatisticOptions,
  ): Promise<number | undefined>;
  /**
   * Many resources of the metric's kind at once: one backend query for the whole set (essential at 1,000 hosts).
   * Resources without data are absent from the map. Keys are `resourceKey(resource)`.
   */
  statistics(
    resources: readonly MetricResource[],
    metric: MetricName,
    options: StatisticOptions,
  ): Promise<Map<string, number>>;
  /**
   * Which of `metrics` have no data at all at `at` (default now) over the last hour, each with a reason naming the
   * backend and its query: the engine fails an audit with these instead of running a strategy on nothing.
   */
  missing?(metrics: readonly MetricName[], at?: Date): Promise<Map<MetricName, string>>;
  /** A time series for dashboards. */
  range(resource: MetricResource, metric: MetricName, options: RangeOptions): Promise<MetricPoint[]>;
  /**
   * Time series of many resources of the metric's kind in one backend query (dashboards at 1,000 hosts). With
   * `only`, the query itself is restricted to those resources (a label matcher, never a filter applied afterwards),
   * which is how tenant dashboards keep other projects' series out of the answer; without it, every resource the
   * backend has. Keys are `resourceKey(resource)` (for hosts without `only`: the host label's value as the backend has it).
   */
  ranges?(
    metric: MetricName,
    options: RangeOptions & { only?: readonly MetricResource[] },
  ): Promise<Map<string, SeriesColumns>>;
}
