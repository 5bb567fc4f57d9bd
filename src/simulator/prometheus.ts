/** The Prometheus HTTP API part of the simulator: instant and range queries, labels, series, targets. */
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../lib/clock.js';
import type { ClusterState } from './cluster.js';
import type { createMetricSource } from './metrics.js';
import {
  query,
  queryRange,
  formatValue,
  labelNames,
  labelValues,
  type Labels,
  type Value,
} from './promql/evaluator.js';
import { parse, parseDuration, PromQLError, type Expr } from './promql/parser.js';
import { HttpError, matchRoute, type Reply, type Route } from './routing.js';

export interface PrometheusContext {
  state: ClusterState;
  clock: Clock;
  metrics: ReturnType<typeof createMetricSource>;
}

interface QueryRequest {
  /** Evaluation time when the request names none, in seconds. */
  nowS: number;
}

const promError = (status: number, errorType: string, error: string): HttpError =>
  new HttpError(status, { status: 'error', errorType, error });
const ok = (data: unknown): Reply => ({ status: 200, body: { status: 'success', data } });

const parseTime = (s: string | null, dflt: number): number => {
  if (!s) return dflt;
  const n = Number(s);
  if (Number.isFinite(n)) return n;
  const d = Date.parse(s);
  if (Number.isNaN(d))
    throw promError(400, 'bad_data', `invalid parameter "time": cannot parse "${s}" to a valid timestamp`);
  return d / 1000;
};

/** Label sets of the series the match[] selectors pick (each must be a plain selector). */
function selectSeries(c: PrometheusContext, q: URLSearchParams): Labels[] {
  const selectors = q.getAll('match[]');
  const seen = new Map<string, Labels>();
  for (const text of selectors) {
    let expr: Expr;
    try {
      expr = parse(text);
    } catch (e) {
      if (e instanceof PromQLError)
        throw promError(400, 'bad_data', `invalid parameter "match[]": ${e.message}`);
      throw e;
    }
    if (expr.kind !== 'selector' || expr.rangeMs !== null)
      throw promError(400, 'bad_data', `invalid parameter "match[]": ${text} is not a series selector`);
    const series = c.metrics.select(expr.name, expr.matchers);
    if (selectors.length === 1) return series.map((s) => s.labels);
    // Several selectors may pick the same series; Prometheus lists it once.
    for (const s of series) seen.set(JSON.stringify(s.labels), s.labels);
  }
  return [...seen.values()];
}

function run(c: PrometheusContext, text: string, t: number): Value {
  try {
    return query(text, c.metrics, t);
  } catch (e) {
    if (e instanceof PromQLError) throw promError(400, 'bad_data', `invalid parameter "query": ${e.message}`);
    throw e;
  }
}

function runRange(c: PrometheusContext, text: string, start: number, end: number, step: number) {
  try {
    return queryRange(text, c.metrics, start, end, step);
  } catch (e) {
    if (e instanceof PromQLError) throw promError(400, 'bad_data', `invalid parameter "query": ${e.message}`);
    throw e;
  }
}

const routes: readonly Route<PrometheusContext & QueryRequest>[] = [
  {
    path: '/api/v1/query',
    handle(c, { q }) {
      const text = q.get('query');
      if (!text)
        throw promError(
          400,
          'bad_data',
          'invalid parameter "query": unknown position: parse error: no expression found in input',
        );
      const t = parseTime(q.get('time'), c.nowS);
      const v = run(c, text, t);
      if (v.type === 'scalar') return ok({ resultType: 'scalar', result: [t, formatValue(v.value)] });
      return ok({
        resultType: 'vector',
        result: v.samples.map((s) => ({ metric: s.labels, value: [t, formatValue(s.value)] })),
      });
    },
  },
  {
    path: '/api/v1/query_range',
    handle(c, { q }) {
      const text = q.get('query');
      if (!text) throw promError(400, 'bad_data', 'invalid parameter "query": no expression found in input');
      const start = parseTime(q.get('start'), NaN);
      const end = parseTime(q.get('end'), NaN);
      const stepText = q.get('step') ?? '';
      const step = Number.isFinite(Number(stepText)) ? Number(stepText) : parseDuration(stepText) / 1000;
      if (!Number.isFinite(start) || !Number.isFinite(end))
        throw promError(400, 'bad_data', 'invalid parameter "start"/"end"');
      if (!(step > 0))
        throw promError(
          400,
          'bad_data',
          'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
        );
      if ((end - start) / step > 11_000)
        throw promError(
          400,
          'bad_data',
          'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
        );
      const series = new Map<string, { metric: Record<string, string>; values: [number, string][] }>();
      for (const { tSec: t, value: v } of runRange(c, text, start, end, step)) {
        const samples = v.type === 'scalar' ? [{ labels: {}, value: v.value }] : v.samples;
        for (const s of samples) {
          const key = JSON.stringify(s.labels);
          const entry = series.get(key) ?? { metric: s.labels, values: [] };
          entry.values.push([t, formatValue(s.value)]);
          series.set(key, entry);
        }
      }
      return ok({ resultType: 'matrix', result: [...series.values()] });
    },
  },
  // The label APIs read the series themselves (all of them, or those match[] selects), so they list every label.
  {
    path: '/api/v1/labels',
    handle: (c, { q }) =>
      ok(labelNames(q.getAll('match[]').length > 0 ? selectSeries(c, q) : c.metrics.sampleSeries())),
  },
  {
    path: '/api/v1/label/:name/values',
    handle(c, { params, q }) {
      const name = params.name as string;
      if (q.getAll('match[]').length > 0) return ok(labelValues(selectSeries(c, q), name));
      // Every series of a family carries its name; other labels are read from the families that carry them, so
      // `device` reads 8,000 series of a 1,000-host cloud, not 400,000.
      const sample = c.metrics.sampleSeries();
      if (name === '__name__') return ok(labelValues(sample, name));
      const carrying = new Set(sample.filter((l) => name in l).map((l) => l.__name__ ?? ''));
      return ok(
        labelValues(
          [...carrying].flatMap((family) => c.metrics.select(family, []).map((s) => s.labels)),
          name,
        ),
      );
    },
  },
  {
    path: '/api/v1/series',
    handle(c, { q }) {
      if (q.getAll('match[]').length === 0) throw promError(400, 'bad_data', 'no match[] parameter provided');
      return ok(selectSeries(c, q));
    },
  },
  {
    path: '/api/v1/targets',
    handle(c) {
      const activeTargets = c.state.hosts.map((h) => {
        const labels = c.metrics.hostLabels(h);
        return {
          discoveredLabels: {
            __address__: `${h.hostIp}:9100`,
            __metrics_path__: '/metrics',
            __scheme__: 'http',
            ...labels,
          },
          labels,
          scrapePool: 'node',
          scrapeUrl: `http://${h.hostIp}:9100/metrics`,
          globalUrl: `http://${h.hostname}:9100/metrics`,
          lastError: '',
          lastScrape: c.clock.now().toISOString(),
          lastScrapeDuration: 0.01,
          health: 'up',
          scrapeInterval: '30s',
          scrapeTimeout: '10s',
        };
      });
      return ok({ activeTargets, droppedTargets: [] });
    },
  },
  {
    path: '/api/v1/status/buildinfo',
    handle: () =>
      ok({
        version: '2.53.0',
        revision: 'steward-simulator',
        branch: 'HEAD',
        buildUser: 'steward',
        buildDate: '20260101-00:00:00',
        goVersion: 'go1.22',
      }),
  },
];

/** Handles `/prometheus…` (the part after `/prometheus`); a POST's form body adds to the query parameters. */
export async function prometheus(
  c: PrometheusContext,
  req: IncomingMessage,
  path: string,
  q: URLSearchParams,
): Promise<Reply> {
  if (req.method === 'POST') {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    for (const [k, val] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) q.set(k, val);
  }
  const method = req.method ?? 'GET';
  const hit = matchRoute(routes, method, path);
  if (!hit) throw promError(404, 'not_found', `unknown API endpoint ${path}`);
  return hit.route.handle(
    { ...c, nowS: c.clock.now().getTime() / 1000 },
    { req, method, params: hit.params, q },
  );
}
