/**
 * What every dashboard gets and gives. A dashboard is a fixed set of panels over abstract metrics: the browser
 * chooses a dashboard, a range and a drill-down, never a query, so tenancy is decided here and nowhere else.
 */
import { StewardError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type {
  MetricName,
  MetricResource,
  MetricsSource,
  RangeOptions,
} from '../datasources/metrics-source.js';
import { METRICS } from '../datasources/metrics-source.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { Flavor } from '../model/elements.js';
import type { PlannedMove } from './emptied-hosts.js';
import type { DashboardRange } from './range.js';
import type { RangeCache } from './range-cache.js';

export interface DashboardDeps {
  /** The metrics datasource (the simulated cloud's Prometheus by default); absent when none is configured. */
  source: MetricsSource | undefined;
  /** The last synced compute model; undefined without a cloud or before the first sync. */
  model(): ClusterModel | undefined;
  /** The cloud's flavors, for size suggestions. */
  flavors(): Promise<Flavor[]>;
  /** The moves of an action plan, or undefined when there is no such plan. */
  planMoves(actionPlanUuid: string): Promise<PlannedMove[] | undefined>;
  clock: Clock;
  /** Keeps the datasource's range answers until their grid moves (range-cache.ts); absent, every view asks again. */
  rangeCache?: RangeCache;
}

export interface PanelSeries {
  /** Hostname, instance uuid, or `cluster`. */
  resource: string;
  values: (number | null)[];
  /** The capacity the values are measured against (flavor vCPUs as 100 %, flavor RAM, host memory…); null if none. */
  limit: number | null;
}

export interface Panel {
  id: string;
  title: string;
  metric: MetricName;
  unit: string;
  series: PanelSeries[];
}

export interface RangeView {
  range: string;
  start: string;
  end: string;
  step_seconds: number;
  window_seconds: number;
  max_points: number;
}

export interface PanelSpec {
  id: string;
  title: string;
  metric: MetricName;
}

export const unitOf = (metric: MetricName): string => METRICS[metric].unit;

export type RangeSource = Required<Pick<MetricsSource, 'ranges'>> & Pick<MetricsSource, 'name'>;

/** Without a datasource (`datasource.name none`, or no cloud) the dashboards answer empty, saying `datasource: null`. */
const NO_SOURCE: RangeSource = { name: 'none', ranges: () => Promise.resolve(new Map()) };

/** The datasource's range reader, and its name for the answer (null when there is none). */
export function sourceFor(
  deps: DashboardDeps,
  metrics: readonly MetricName[],
): { source: RangeSource; datasource: string | null } {
  const source = deps.source;
  if (!source) return { source: NO_SOURCE, datasource: null };
  if (!source.ranges) {
    throw new StewardError(
      'unavailable',
      'METRIC_UNAVAILABLE',
      `Datasource ${source.name} serves no ranges; the dashboards need one that does (prometheus, or the embedded simulated cloud's)`,
    );
  }
  const unsupported = metrics.filter((metric) => !source.supports(metric));
  if (unsupported.length > 0)
    throw new StewardError(
      'unavailable',
      'METRIC_UNAVAILABLE',
      `Datasource ${source.name} does not serve ${unsupported.join(', ')}`,
    );
  const ranges = source.ranges.bind(source);
  const cache = deps.rangeCache;
  return {
    source: {
      name: source.name,
      ranges: cache ? (metric, options) => cache.ranges(ranges, metric, options) : ranges,
    },
    datasource: source.name,
  };
}

/** The compute model; without one and without a datasource (no cloud at all) an empty one, else a 503. */
export function requireModel(deps: DashboardDeps): ClusterModel {
  const model = deps.model();
  if (!model && !deps.source) return new ClusterModel();
  if (!model) {
    throw new StewardError(
      'unavailable',
      'UPSTREAM_UNAVAILABLE',
      'The compute model has not synced yet (GET /v1/data_model shows when it has); dashboards read hosts and instances from it',
    );
  }
  return model;
}

export const rangeOptions = (
  range: DashboardRange,
  only?: readonly MetricResource[],
): RangeOptions & { only?: readonly MetricResource[] } => ({
  start: range.start,
  end: range.end,
  stepSeconds: range.stepSeconds,
  periodSeconds: range.windowSeconds,
  ...(only && { only }),
});

export const rangeView = (range: DashboardRange, maxPoints: number): RangeView => ({
  range: range.text,
  start: range.start.toISOString(),
  end: range.end.toISOString(),
  step_seconds: range.stepSeconds,
  window_seconds: range.windowSeconds,
  max_points: maxPoints,
});
