/**
 * Evaluates the parsed PromQL subset against series whose values are functions of time, so any instant or
 * range can be computed on demand without stored samples.
 */
import { parse, PromQLError, type Expr, type Matcher } from './parser.js';

export type Labels = Record<string, string>;

export interface Series {
  labels: Labels;
  /** Value at a time in seconds (a counter's running total for counters). */
  at(tSec: number): number;
}

export interface SeriesSource {
  /** Series of metric `name` (all metrics when empty) matching every matcher. */
  select(name: string, matchers: Matcher[]): Series[];
}

export type Sample = { labels: Labels; value: number };
export type Value = { type: 'scalar'; value: number } | { type: 'vector'; samples: Sample[] };

/** Spacing of the virtual scrapes *_over_time and irate look at. */
export const SCRAPE_INTERVAL_S = 30;

// A matcher's pattern compiles once: a tenant query names dozens of uuids in one `=~`, tested against every series.
const compiled = new WeakMap<Matcher, RegExp>();
function patternOf(matcher: Matcher): RegExp {
  let pattern = compiled.get(matcher);
  if (!pattern) compiled.set(matcher, (pattern = new RegExp(`^(?:${matcher.value})$`)));
  return pattern;
}

export function matches(labels: Labels, matchers: Matcher[]): boolean {
  for (const m of matchers) {
    const v = labels[m.label] ?? '';
    switch (m.op) {
      case '=':
        if (v !== m.value) return false;
        break;
      case '!=':
        if (v === m.value) return false;
        break;
      case '=~':
        if (!patternOf(m).test(v)) return false;
        break;
      case '!~':
        if (patternOf(m).test(v)) return false;
        break;
    }
  }
  return true;
}

// Labels are never mutated, so each label set loses its name once, not at every step of a subquery.
const withoutName = new WeakMap<Labels, Labels>();
function dropName(labels: Labels): Labels {
  let rest = withoutName.get(labels);
  if (!rest) {
    const { __name__: _ignored, ...copy } = labels;
    withoutName.set(labels, (rest = copy));
  }
  return rest;
}

const signatures = new WeakMap<Labels, string>();
/** The identity of a label set without its name, computed once per label set. */
function signature(labels: Labels): string {
  let key = signatures.get(labels);
  if (key === undefined) {
    key = JSON.stringify(Object.entries(dropName(labels)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    signatures.set(labels, key);
  }
  return key;
}

// An aggregation hands out the same label object for a group at every step of a subquery (the AST node lives for
// one query), so the per-label-set caches above hit.
const groupLabels = new WeakMap<Expr, Map<string, Labels>>();

/** The reducers of the *_over_time functions, over the samples of a range or a subquery. */
const OVER_TIME: Record<string, (values: number[]) => number> = {
  avg_over_time: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  max_over_time: (v) => Math.max(...v),
  min_over_time: (v) => Math.min(...v),
  sum_over_time: (v) => v.reduce((a, b) => a + b, 0),
};

/** Prometheus's default evaluation interval: the step of a subquery written without one (`[1h:]`). */
export const DEFAULT_SUBQUERY_STEP_S = 60;

/** Times k·step (absolute, as Prometheus aligns them) inside the left-open window (t - range, t]. */
function alignedTimes(t: number, rangeS: number, stepS: number): number[] {
  const times: number[] = [];
  const first = Math.floor((t - rangeS) / stepS + 1) * stepS;
  for (let k = 0; first + k * stepS <= t; k++) times.push(first + k * stepS);
  return times;
}

function overTime(series: Series, t: number, rangeS: number, fn: (values: number[]) => number): number {
  // Virtual scrapes on the scrape grid, like Prometheus's left-open range window.
  const values = alignedTimes(t, rangeS, SCRAPE_INTERVAL_S).map((s) => series.at(s));
  if (values.length === 0) values.push(series.at(t));
  return fn(values);
}

function rangeFunction(fn: string, series: Series, t: number, rangeS: number): number {
  switch (fn) {
    case 'rate':
      return (series.at(t) - series.at(t - rangeS)) / rangeS;
    case 'increase':
      return series.at(t) - series.at(t - rangeS);
    case 'irate': {
      const step = Math.min(SCRAPE_INTERVAL_S, rangeS);
      return (series.at(t) - series.at(t - step)) / step;
    }
    default: {
      const reduce = OVER_TIME[fn];
      if (!reduce) throw new PromQLError(`function "${fn}" does not take a range vector`);
      return overTime(series, t, rangeS, reduce);
    }
  }
}

/** A source that selects each distinct selector once, for the many evaluations of one subquery. */
function memoized(source: SeriesSource): SeriesSource {
  const selected = new Map<string, Series[]>();
  return {
    select(name, matchers) {
      const key = JSON.stringify([name, matchers]);
      let series = selected.get(key);
      if (!series) selected.set(key, (series = source.select(name, matchers)));
      return series;
    },
  };
}

/** `fn(expr[range:step])`: the inner expression at every aligned step, reduced per series. */
function overSubquery(
  subquery: Extract<Expr, { kind: 'subquery' }>,
  fn: string,
  source: SeriesSource,
  tSec: number,
): Sample[] {
  const reduce = OVER_TIME[fn];
  if (!reduce)
    throw new PromQLError(
      `the simulator evaluates subqueries only inside *_over_time functions, not inside "${fn}"`,
    );
  const stepS = (subquery.stepMs ?? DEFAULT_SUBQUERY_STEP_S * 1000) / 1000;
  if (!(stepS > 0)) throw new PromQLError('zero or negative subquery resolution step');
  const cached = memoized(source);
  const groups = new Map<string, { labels: Labels; values: number[] }>();
  for (const s of alignedTimes(tSec, subquery.rangeMs / 1000, stepS)) {
    const v = evaluate(subquery.expr, cached, s);
    if (v.type !== 'vector') throw new PromQLError('subquery is only allowed on instant vector, got scalar');
    for (const sample of v.samples) {
      const key = `${sample.labels.__name__ ?? ''}\u0000${signature(sample.labels)}`;
      const group = groups.get(key) ?? { labels: sample.labels, values: [] };
      group.values.push(sample.value);
      groups.set(key, group);
    }
  }
  return [...groups.values()].map((g) => ({ labels: dropName(g.labels), value: reduce(g.values) }));
}

function arith(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    default:
      return a / b;
  }
}

export function evaluate(expr: Expr, source: SeriesSource, tSec: number): Value {
  switch (expr.kind) {
    case 'number':
      return { type: 'scalar', value: expr.value };
    case 'neg': {
      const v = evaluate(expr.expr, source, tSec);
      return v.type === 'scalar'
        ? { type: 'scalar', value: -v.value }
        : {
            type: 'vector',
            samples: v.samples.map((s) => ({ labels: dropName(s.labels), value: -s.value })),
          };
    }
    case 'subquery':
      throw new PromQLError('the simulator evaluates subqueries only inside *_over_time functions');
    case 'selector': {
      if (expr.rangeMs !== null)
        throw new PromQLError('range vector selectors are only allowed inside range functions');
      const series = source.select(expr.name, expr.matchers);
      return { type: 'vector', samples: series.map((s) => ({ labels: s.labels, value: s.at(tSec) })) };
    }
    case 'call': {
      const [first, second] = expr.args;
      if (expr.fn === 'vector') {
        const v = expr.args.length === 1 && first ? evaluate(first, source, tSec) : undefined;
        if (v?.type !== 'scalar') throw new PromQLError('expected type scalar in call to function "vector"');
        return { type: 'vector', samples: [{ labels: {}, value: v.value }] };
      }
      if (first?.kind === 'subquery' && expr.args.length === 1)
        return { type: 'vector', samples: overSubquery(first, expr.fn, source, tSec) };
      if (expr.fn === 'clamp_max' || expr.fn === 'clamp_min' || expr.fn === 'abs') {
        const wanted = expr.fn === 'abs' ? 1 : 2;
        if (expr.args.length !== wanted || !first)
          throw new PromQLError(`${expr.fn} expects ${wanted} arguments`);
        const v = evaluate(first, source, tSec);
        if (v.type !== 'vector')
          throw new PromQLError(`expected type instant vector in call to function "${expr.fn}", got scalar`);
        let f: (x: number) => number = Math.abs;
        if (expr.fn !== 'abs') {
          const bound = evaluate(second as Expr, source, tSec);
          if (bound.type !== 'scalar')
            throw new PromQLError(`expected type scalar in call to function "${expr.fn}"`);
          f = expr.fn === 'clamp_max' ? (x) => Math.min(x, bound.value) : (x) => Math.max(x, bound.value);
        }
        return {
          type: 'vector',
          samples: v.samples.map((s) => ({ labels: dropName(s.labels), value: f(s.value) })),
        };
      }
      if (expr.args.length !== 1 || first?.kind !== 'selector' || first.rangeMs === null) {
        throw new PromQLError(`expected type range vector in call to function "${expr.fn}"`);
      }
      const rangeS = first.rangeMs / 1000;
      const series = source.select(first.name, first.matchers);
      return {
        type: 'vector',
        samples: series.map((s) => ({
          labels: dropName(s.labels),
          value: rangeFunction(expr.fn, s, tSec, rangeS),
        })),
      };
    }
    case 'aggregate': {
      const v = evaluate(expr.expr, source, tSec);
      if (v.type !== 'vector')
        throw new PromQLError(`expected type instant vector in aggregation expression, got scalar`);
      const groups = new Map<string, { labels: Labels; values: number[] }>();
      let known = groupLabels.get(expr);
      if (!known) groupLabels.set(expr, (known = new Map<string, Labels>()));
      for (const s of v.samples) {
        // by (…): the group is the tuple of those labels' values (a missing label counts as empty, as in Prometheus).
        const key = expr.without ? '' : expr.by.map((k) => s.labels[k] ?? '').join('\u0000');
        let labels: Labels | undefined;
        if (expr.without) {
          labels = {};
          for (const [k, val] of Object.entries(dropName(s.labels)))
            if (!expr.by.includes(k)) labels[k] = val;
        }
        const groupKey = labels ? signature(labels) : key;
        let group = groups.get(groupKey);
        if (!group) {
          labels = known.get(groupKey) ?? labels;
          if (!labels) {
            labels = {};
            for (const k of expr.by) if (s.labels[k]) labels[k] = s.labels[k];
          }
          known.set(groupKey, labels);
          groups.set(groupKey, (group = { labels, values: [] }));
        }
        group.values.push(s.value);
      }
      const reduce = (values: number[]): number => {
        switch (expr.op) {
          case 'sum':
            return values.reduce((a, b) => a + b, 0);
          case 'avg':
            return values.reduce((a, b) => a + b, 0) / values.length;
          case 'min':
            return Math.min(...values);
          case 'max':
            return Math.max(...values);
          default:
            return values.length;
        }
      };
      return {
        type: 'vector',
        samples: [...groups.values()].map((g) => ({ labels: g.labels, value: reduce(g.values) })),
      };
    }
    case 'binary': {
      const l = evaluate(expr.lhs, source, tSec);
      const r = evaluate(expr.rhs, source, tSec);
      if (l.type === 'scalar' && r.type === 'scalar')
        return { type: 'scalar', value: arith(expr.op, l.value, r.value) };
      if (l.type === 'vector' && r.type === 'scalar')
        return {
          type: 'vector',
          samples: l.samples.map((s) => ({
            labels: dropName(s.labels),
            value: arith(expr.op, s.value, r.value),
          })),
        };
      if (l.type === 'scalar' && r.type === 'vector')
        return {
          type: 'vector',
          samples: r.samples.map((s) => ({
            labels: dropName(s.labels),
            value: arith(expr.op, l.value, s.value),
          })),
        };
      if (l.type === 'vector' && r.type === 'vector') {
        // One-to-one matching on all labels but the metric name, as Prometheus does without on()/ignoring().
        const right = new Map<string, Sample>();
        for (const s of r.samples) {
          const key = signature(s.labels);
          if (right.has(key))
            throw new PromQLError(
              'found duplicate series for the match group on the right hand-side of the operation',
            );
          right.set(key, s);
        }
        const out: Sample[] = [];
        for (const s of l.samples) {
          const other = right.get(signature(s.labels));
          if (other) out.push({ labels: dropName(s.labels), value: arith(expr.op, s.value, other.value) });
        }
        return { type: 'vector', samples: out };
      }
      throw new PromQLError('unreachable operand types');
    }
  }
}

/** Parses and evaluates; throws PromQLError on unsupported syntax. */
export function query(text: string, source: SeriesSource, tSec: number): Value {
  return evaluate(parse(text), source, tSec);
}

/**
 * A range query: parsed once and its selectors resolved once (a series source's set does not change with the time
 * asked), then evaluated at every step from `startS` to `endS`.
 */
export function queryRange(
  text: string,
  source: SeriesSource,
  startS: number,
  endS: number,
  stepS: number,
): { tSec: number; value: Value }[] {
  const expr = parse(text);
  const once = memoized(source);
  const out: { tSec: number; value: Value }[] = [];
  for (let t = startS; t <= endS; t += stepS) out.push({ tSec: t, value: evaluate(expr, once, t) });
  return out;
}

/** The label names the series carry, sorted, as Prometheus's `/api/v1/labels` lists them. */
export function labelNames(series: readonly Labels[]): string[] {
  const names = new Set<string>();
  for (const labels of series) for (const name in labels) names.add(name);
  return [...names].sort();
}

/** The values one label takes across the series, sorted, as `/api/v1/label/<name>/values` lists them. */
export function labelValues(series: readonly Labels[], name: string): string[] {
  const values = new Set<string>();
  for (const labels of series) {
    const value = labels[name];
    if (value !== undefined && value !== '') values.add(value);
  }
  return [...values].sort();
}

/** Prometheus's JSON formatting of sample values. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
