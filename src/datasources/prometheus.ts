/**
 * Metrics from Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`, `/api/v1/targets`), the way upstream
 * Watcher reads it: hosts are found through the `fqdn` label of active scrape targets, matching a compute hostname
 * either to the full label value or to its first DNS label.
 */
import { upstream } from '../errors.js';
import type { Logger } from '../observability/logger.js';
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
  type StatisticOptions,
} from './metrics-source.js';
import { buildQuery, vcpuQuery, type QueryLabels, type QuerySpec } from './queries.js';

export interface PrometheusSourceOptions {
  baseUrl: string;
  hostLabel?: string;
  instanceLabel?: string;
  domainLabel?: string;
  timeoutMs?: number;
  /** Attempts on connection errors and 5xx (upstream: query_max_retries). Default 3. */
  retries?: number;
  retryDelayMs?: number;
  rateWindowSeconds?: number;
  fetch?: typeof fetch;
  logger: Logger;
}

interface Sample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

const SERVICE = 'Prometheus';

export function createPrometheusSource(options: PrometheusSourceOptions): MetricsSource {
  const labels: QueryLabels = {
    host: options.hostLabel ?? 'fqdn',
    instance: options.instanceLabel ?? 'resource',
    domain: options.domainLabel ?? 'domain',
  };
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const attempts = Math.max(1, options.retries ?? 3);
  const retryDelayMs = options.retryDelayMs ?? 250;
  const rateWindowSeconds = options.rateWindowSeconds ?? 300;
  const logger = options.logger.child({ part: 'datasource', datasource: 'prometheus' });
  let hostLabelValues: Set<string> | undefined;

  async function call(path: string, params: Record<string, string>, what: string): Promise<unknown> {
    const body = new URLSearchParams(params).toString();
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let status: number | undefined;
      try {
        // POST keeps cluster-wide queries clear of URL length limits; Prometheus accepts form bodies on these routes.
        const response = await doFetch(`${base}${path}`, {
          method: path === '/api/v1/targets' ? 'GET' : 'POST',
          headers: path === '/api/v1/targets' ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
          ...(path === '/api/v1/targets' ? {} : { body }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        const text = await response.text();
        if (response.status >= 500) throw upstream(SERVICE, what, status, text.slice(0, 300));
        let parsed: { status?: string; data?: unknown; error?: string; errorType?: string };
        try {
          parsed = JSON.parse(text) as typeof parsed;
        } catch {
          throw upstream(SERVICE, what, status, `answer is not JSON: ${text.slice(0, 200)}`, {
            retryable: false,
          });
        }
        if (!response.ok || parsed.status !== 'success') {
          throw upstream(
            SERVICE,
            what,
            status,
            `${parsed.errorType ?? 'error'}: ${parsed.error ?? text.slice(0, 200)}`,
            { retryable: false },
          );
        }
        return parsed.data;
      } catch (error) {
        const wrapped =
          error instanceof Error && 'retryable' in error
            ? error
            : upstream(SERVICE, what, status, `cannot reach ${base}: ${(error as Error).message}`, {
                cause: error,
              });
        lastError = wrapped;
        const retryable = (wrapped as { retryable?: boolean }).retryable !== false;
        if (!retryable || attempt === attempts) throw wrapped;
        logger.warn({ err: wrapped, attempt, what }, 'Prometheus call failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
      }
    }
    throw lastError;
  }

  const query = async (promql: string, at: Date | undefined): Promise<Sample[]> => {
    const data = (await call(
      '/api/v1/query',
      { query: promql, ...(at ? { time: String(at.getTime() / 1000) } : {}) },
      `query ${promql}`,
    )) as {
      resultType: string;
      result: Sample[];
    };
    return data.resultType === 'vector' ? data.result : [];
  };

  async function loadHostLabelValues(): Promise<Set<string>> {
    let data: { activeTargets?: { labels?: Record<string, string> }[] };
    try {
      data = (await call('/api/v1/targets', { state: 'active' }, 'targets')) as typeof data;
    } catch (error) {
      // Some Prometheus-compatible APIs (Thanos query, Mimir, the simulator) have no targets; hostnames then
      // serve as label values directly, and a dead server shows up in the query that follows.
      logger.warn({ err: error }, 'cannot read Prometheus targets; using hostnames as label values');
      return new Set();
    }
    const values = new Set<string>();
    for (const target of data.activeTargets ?? []) {
      const value = target.labels?.[labels.host];
      if (value) values.add(value);
    }
    hostLabelValues = values;
    return values;
  }

  const findLabelValue = (values: Set<string>, hostname: string): string | undefined =>
    values.has(hostname) ? hostname : [...values].find((value) => value.split('.')[0] === hostname);

  /** The label value for a hostname; the target list is re-read once on a miss (hosts come and go). */
  async function hostLabelValue(hostname: string): Promise<string> {
    const found = findLabelValue(hostLabelValues ?? (await loadHostLabelValues()), hostname);
    if (found !== undefined) return found;
    // Without a target carrying the label (series pushed or backfilled), the hostname itself is the best guess.
    return findLabelValue(await loadHostLabelValues(), hostname) ?? hostname;
  }

  const numeric = (raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    return Number.isFinite(value) ? value : undefined;
  };

  async function vcpusOf(
    resources: readonly MetricResource[],
    at: Date | undefined,
    match?: string | readonly string[],
  ): Promise<Map<string, number>> {
    const known = new Map<string, number>();
    for (const resource of resources)
      if (resource.kind === 'instance' && resource.vcpus) known.set(resource.uuid, resource.vcpus);
    if (resources.every((resource) => resource.kind === 'instance' && resource.vcpus)) return known;
    const spec = vcpuQuery(labels, match);
    for (const sample of await query(spec.promql, at)) {
      const key = sample.metric[spec.keyLabel];
      const value = numeric(sample.value?.[1]);
      if (key !== undefined && value && !known.has(key)) known.set(key, value);
    }
    return known;
  }

  const perVcpu = (value: number, vcpus: number | undefined): number | undefined =>
    vcpus ? Math.min(100, value / vcpus) : undefined;

  function checkKind(resource: MetricResource, metric: MetricName): void {
    if (METRICS[metric].kind !== resource.kind)
      throw new RangeError(
        `metric ${metric} applies to ${METRICS[metric].kind} resources, not to a ${resource.kind}`,
      );
  }

  return {
    name: 'prometheus',
    supports: (metric) => Object.hasOwn(METRICS, metric),

    async available(): Promise<Availability> {
      try {
        await call('/api/v1/query', { query: 'vector(1)' }, 'query vector(1)');
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    },

    async statistic(resource, metric, statisticOptions: StatisticOptions) {
      checkKind(resource, metric);
      const match = resource.kind === 'host' ? await hostLabelValue(resource.hostname) : resource.uuid;
      const spec = buildQuery(metric, labels, {
        aggregate: statisticOptions.aggregate,
        periodSeconds: statisticOptions.periodSeconds,
        match,
        ...(resource.kind === 'instance' && resource.vcpus !== undefined ? { vcpus: resource.vcpus } : {}),
        rateWindowSeconds,
      });
      const samples = await query(spec.promql, statisticOptions.at);
      const value = numeric(
        samples.find((sample) => sample.metric[spec.keyLabel] === match)?.value?.[1] ??
          samples[0]?.value?.[1],
      );
      if (value === undefined || !spec.perVcpu) return value;
      return perVcpu(value, (await vcpusOf([resource], statisticOptions.at, match)).get(match));
    },

    async statistics(resources, metric, statisticOptions: StatisticOptions) {
      const answer = new Map<string, number>();
      if (resources.length === 0) return answer;
      for (const resource of resources) checkKind(resource, metric);
      const spec: QuerySpec = buildQuery(metric, labels, {
        aggregate: statisticOptions.aggregate,
        periodSeconds: statisticOptions.periodSeconds,
        rateWindowSeconds,
      });
      const byLabel = new Map<string, number>();
      for (const sample of await query(spec.promql, statisticOptions.at)) {
        const key = sample.metric[spec.keyLabel];
        const value = numeric(sample.value?.[1]);
        if (key !== undefined && value !== undefined) byLabel.set(key, value);
      }
      const vcpus = spec.perVcpu ? await vcpusOf(resources, statisticOptions.at) : undefined;
      for (const resource of resources) {
        const key = resourceKey(resource);
        const label =
          resource.kind === 'host'
            ? byLabel.has(key)
              ? key
              : findLabelValue(new Set(byLabel.keys()), key)
            : key;
        let value = label === undefined ? undefined : byLabel.get(label);
        if (value !== undefined && vcpus) value = perVcpu(value, vcpus.get(key));
        if (value !== undefined) answer.set(key, value);
      }
      return answer;
    },

    async missing(metrics, at) {
      const answer = new Map<MetricName, string>();
      await Promise.all(
        metrics.map(async (metric) => {
          const spec = buildQuery(metric, labels, {
            aggregate: 'mean',
            periodSeconds: 3600,
            rateWindowSeconds,
          });
          try {
            if ((await query(spec.promql, at)).length === 0)
              answer.set(metric, `Prometheus has no data for ${metric} (query: ${spec.promql})`);
          } catch (error) {
            answer.set(metric, (error as Error).message);
          }
        }),
      );
      return answer;
    },

    async ranges(metric, rangeOptions) {
      const only = rangeOptions.only;
      for (const resource of only ?? []) checkKind(resource, metric);
      // Label value in the answer → the key the caller gave (hostnames resolve to their fqdn label value).
      const keyOf = new Map<string, string>();
      for (const resource of only ?? [])
        keyOf.set(
          resource.kind === 'host' ? await hostLabelValue(resource.hostname) : resource.uuid,
          resourceKey(resource),
        );
      const answer = new Map<string, SeriesColumns>();
      if (only?.length === 0) return answer;
      const spec = buildQuery(metric, labels, {
        aggregate: 'mean',
        periodSeconds: rangeOptions.periodSeconds ?? rangeOptions.stepSeconds,
        ...(only && { match: [...keyOf.keys()] }),
        rateWindowSeconds,
      });
      const data = (await call(
        '/api/v1/query_range',
        {
          query: spec.promql,
          start: String(rangeOptions.start.getTime() / 1000),
          end: String(rangeOptions.end.getTime() / 1000),
          step: String(rangeOptions.stepSeconds),
        },
        `query_range ${spec.promql}`,
      )) as { result: Sample[] };
      const vcpus = spec.perVcpu
        ? await vcpusOf(only ?? [], rangeOptions.end, only ? [...keyOf.keys()] : undefined)
        : undefined;
      for (const series of data.result) {
        const label = series.metric[spec.keyLabel];
        if (label === undefined) continue;
        // Defence in depth: with `only`, a series the matcher should have excluded is dropped, never returned.
        const key = only ? keyOf.get(label) : label;
        if (key === undefined) continue;
        const columns: SeriesColumns = { atMs: [], values: [] };
        const seriesVcpus = vcpus?.get(key);
        for (const [time, raw] of series.values ?? []) {
          let value = numeric(raw);
          if (value !== undefined && vcpus) value = perVcpu(value, seriesVcpus);
          if (value === undefined) continue;
          columns.atMs.push(time * 1000);
          columns.values.push(value);
        }
        answer.set(key, columns);
      }
      return answer;
    },

    async range(resource, metric, rangeOptions: RangeOptions): Promise<MetricPoint[]> {
      checkKind(resource, metric);
      const match = resource.kind === 'host' ? await hostLabelValue(resource.hostname) : resource.uuid;
      const spec = buildQuery(metric, labels, {
        aggregate: 'mean',
        periodSeconds: rangeOptions.periodSeconds ?? rangeOptions.stepSeconds,
        match,
        ...(resource.kind === 'instance' && resource.vcpus !== undefined ? { vcpus: resource.vcpus } : {}),
        rateWindowSeconds,
      });
      const data = (await call(
        '/api/v1/query_range',
        {
          query: spec.promql,
          start: String(rangeOptions.start.getTime() / 1000),
          end: String(rangeOptions.end.getTime() / 1000),
          step: String(rangeOptions.stepSeconds),
        },
        `query_range ${spec.promql}`,
      )) as { result: Sample[] };
      const series = data.result.find((sample) => sample.metric[spec.keyLabel] === match) ?? data.result[0];
      const vcpus = spec.perVcpu
        ? (await vcpusOf([resource], rangeOptions.end, match)).get(match)
        : undefined;
      const points: MetricPoint[] = [];
      for (const [time, raw] of series?.values ?? []) {
        let value = numeric(raw);
        if (value !== undefined && spec.perVcpu) value = perVcpu(value, vcpus);
        if (value !== undefined) points.push({ at: new Date(time * 1000), value });
      }
      return points;
    },
  };
}
