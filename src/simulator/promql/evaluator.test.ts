import { describe, expect, it } from 'vitest';
import { query, queryRange, type Series, type SeriesSource } from './evaluator.js';
import { parse, PromQLError } from './parser.js';
import { matches } from './evaluator.js';

// Two hosts whose idle counters grow at 0.6 and 0.2 cpu-seconds per second; a memory gauge that ramps.
const series: Series[] = [
  ...[0, 1].map((cpu) => ({
    labels: { __name__: 'node_cpu_seconds_total', fqdn: 'a', cpu: String(cpu), mode: 'idle' },
    at: (t: number) => 0.6 * t,
  })),
  ...[0, 1].map((cpu) => ({
    labels: { __name__: 'node_cpu_seconds_total', fqdn: 'b', cpu: String(cpu), mode: 'idle' },
    at: (t: number) => 0.2 * t,
  })),
  {
    labels: { __name__: 'node_cpu_seconds_total', fqdn: 'a', cpu: '0', mode: 'user' },
    at: (t: number) => 0.4 * t,
  },
  { labels: { __name__: 'node_memory_MemTotal_bytes', fqdn: 'a', job: 'node' }, at: () => 8192 },
  {
    labels: { __name__: 'node_memory_MemAvailable_bytes', fqdn: 'a', job: 'node' },
    at: (t: number) => 4096 + (t % 600),
  },
  { labels: { __name__: 'ceilometer_cpu', resource: 'u1', project: 'p' }, at: (t: number) => 1.5e9 * t },
  {
    labels: { __name__: 'ceilometer_memory_usage', resource: 'u1', project: 'p' },
    at: (t: number) => 500 + (t % 300),
  },
];
const source: SeriesSource = {
  select: (name, matchers) =>
    series.filter((s) => (name === '' || s.labels.__name__ === name) && matches(s.labels, matchers)),
};
const T = 1_800_000_000;

describe('PromQL subset', () => {
  it.each([
    [
      'Watcher host cpu: 100 - avg by (fqdn)(rate(idle)) * 100',
      "100 - (avg by (fqdn)(rate(node_cpu_seconds_total{mode='idle',fqdn='a'}[300s])) * 100)",
      [{ fqdn: 'a' }],
      [40],
    ],
    [
      'Watcher host cpu with max aggregate',
      "100 - (max by (fqdn)(rate(node_cpu_seconds_total{mode='idle',fqdn='b'}[600s])) * 100)",
      [{ fqdn: 'b' }],
      [80],
    ],
    [
      'Watcher host ram in KB from two vectors',
      "(node_memory_MemTotal_bytes{fqdn='a'} - max_over_time(node_memory_MemAvailable_bytes{fqdn='a'}[600s])) / 1024",
      [{ fqdn: 'a', job: 'node' }],
      [(8192 - (4096 + 570)) / 1024],
    ],
    [
      'Watcher instance ram',
      "avg_over_time(ceilometer_memory_usage{resource='u1'}[300s])",
      [{ resource: 'u1', project: 'p' }],
      [500 + (0 + 30 + 60 + 90 + 120 + 150 + 180 + 210 + 240 + 270) / 10],
    ],
    [
      'Watcher instance cpu with clamp_max and 10e+8',
      "clamp_max((avg by (resource)(rate(ceilometer_cpu{resource='u1'}[300s]))/10e+8) *(100/2), 100)",
      [{ resource: 'u1' }],
      [75],
    ],
    [
      'clamp_max caps at the bound',
      "clamp_max((avg by (resource)(rate(ceilometer_cpu{resource='u1'}[300s]))/10e+8) *(100/1), 100)",
      [{ resource: 'u1' }],
      [100],
    ],
    [
      'clamp_min raises to the bound',
      "clamp_min(rate(ceilometer_cpu{resource='u1'}[1m]) / 1e9, 2)",
      [{ resource: 'u1', project: 'p' }],
      [2],
    ],
    [
      'regex matcher and sum by',
      "sum by (fqdn)(irate(node_cpu_seconds_total{fqdn=~'a|b',mode!='user'}[5m]))",
      [{ fqdn: 'a' }, { fqdn: 'b' }],
      [1.2, 0.4],
    ],
    [
      'increase over a range',
      "increase(node_cpu_seconds_total{fqdn='a',mode='user'}[1h])",
      [{ fqdn: 'a', cpu: '0', mode: 'user' }],
      [1440],
    ],
    ['min aggregate without by', "min(rate(node_cpu_seconds_total{mode='idle'}[5m]))", [{}], [0.2]],
    ['vector() of a scalar, as a liveness probe sends it', 'vector(1)', [{}], [1]],
    [
      'max_over_time of a gauge subquery at aligned 60 s steps',
      "max_over_time(node_memory_MemAvailable_bytes{fqdn='a'}[600s:60s])",
      [{ fqdn: 'a', job: 'node' }],
      [4096 + 540],
    ],
    [
      'min_over_time of a gauge subquery',
      "min_over_time(node_memory_MemAvailable_bytes{fqdn='a'}[600s:60s])",
      [{ fqdn: 'a', job: 'node' }],
      [4096],
    ],
    [
      'max_over_time of a rate subquery',
      "max_over_time(rate(ceilometer_cpu{resource='u1'}[300s])[3600s:300s])",
      [{ resource: 'u1', project: 'p' }],
      [1.5e9],
    ],
    [
      'a subquery of an aggregation keeps its grouping',
      "max_over_time((sum by (fqdn)(rate(node_cpu_seconds_total{mode='idle'}[5m])))[1h:1m])",
      [{ fqdn: 'a' }, { fqdn: 'b' }],
      [1.2, 0.4],
    ],
    [
      'a subquery over a left-open window holds range/step points',
      'sum_over_time(vector(1)[1h:60s])',
      [{}],
      [60],
    ],
    [
      'a subquery without a step uses the 1 m evaluation interval',
      'sum_over_time(vector(1)[1h:])',
      [{}],
      [60],
    ],
  ])('evaluates %s', (_name, text, labels, values) => {
    const v = query(text, source, T);
    expect(v.type).toBe('vector');
    if (v.type !== 'vector') return;
    expect(v.samples.map((s) => s.labels)).toEqual(labels);
    v.samples.forEach((s, i) => expect(s.value).toBeCloseTo(values[i] as number, 6));
  });

  it.each([
    ['scalar arithmetic with precedence', '1 + 2 * 3', 7],
    ['parentheses', '(1 + 2) * 3', 9],
    ['unary minus', '-4 / 2', -2],
    ['scientific notation', '10e+8 / 1e9', 1],
  ])('computes %s', (_name, text, value) => {
    expect(query(text, source, T)).toEqual({ type: 'scalar', value });
  });

  it.each([
    ['an unknown function', 'histogram_quantile(0.9, x)'],
    ['a range selector outside a function', 'node_memory_MemTotal_bytes[5m]'],
    ['an unterminated matcher', "up{job='x'"],
    ['a bad duration', 'rate(x[5q])'],
    ['trailing tokens', '1 2'],
    ['vector() of a vector', "vector(ceilometer_cpu{resource='u1'})"],
    ['a subquery outside a function', 'vector(1)[5m:1m]'],
    ['a subquery of a range vector', 'max_over_time(ceilometer_cpu[5m][1h:1m])'],
    ['rate() of a subquery, which the simulator does not evaluate', 'rate(vector(1)[5m:1m])'],
  ])('rejects %s with a PromQLError', (_name, text) => {
    expect(() => query(text, source, T)).toThrow(PromQLError);
  });

  it('parses matchers with both quote styles into the same selector', () => {
    expect(parse(`x{a="1",b='2'}`)).toEqual(parse(`x{a='1', b="2"}`));
  });
});

describe('range queries', () => {
  it('equal the instant query at every step, selecting each series once for the whole range', () => {
    let selections = 0;
    const counting: SeriesSource = {
      select: (name, matchers) => {
        selections++;
        return source.select(name, matchers);
      },
    };
    for (const expression of [
      "100 - (avg by (fqdn)(rate(node_cpu_seconds_total{mode='idle',fqdn=~'a|b'}[300s])) * 100)",
      "avg_over_time(node_memory_MemAvailable_bytes{fqdn=~'a|c'}[5m])",
    ]) {
      selections = 0;
      const steps = queryRange(expression, counting, T, T + 3600, 60);
      expect(steps).toHaveLength(61);
      expect(selections).toBe(1);
      for (const { tSec, value } of steps) expect(value).toEqual(query(expression, source, tSec));
    }
  });
});
