import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from './metrics-source.js';
import { buildQuery, escapeLabelValue, resourceMatcher } from './queries.js';

const labels = { host: 'fqdn', instance: 'resource', domain: 'domain' };

describe('PromQL per metric', () => {
  // Upstream Watcher's queries (prometheus_base.py), RAM divided once more to MiB.
  it.each([
    [
      'host_cpu_usage',
      'max',
      'h1',
      undefined,
      "100 - (min by (fqdn)(rate(node_cpu_seconds_total{mode='idle',fqdn='h1'}[600s])) * 100)",
    ],
    [
      'host_cpu_usage',
      'mean',
      'h1',
      undefined,
      "100 - (avg by (fqdn)(rate(node_cpu_seconds_total{mode='idle',fqdn='h1'}[600s])) * 100)",
    ],
    [
      'host_ram_usage',
      'min',
      'h1',
      undefined,
      "(node_memory_MemTotal_bytes{fqdn='h1'} - max_over_time(node_memory_MemAvailable_bytes{fqdn='h1'}[600s])) / 1024 / 1024",
    ],
    [
      'instance_ram_usage',
      'max',
      'u1',
      undefined,
      "max_over_time(ceilometer_memory_usage{resource='u1'}[600s])",
    ],
    [
      'instance_cpu_usage',
      'mean',
      'u1',
      4,
      "clamp_max((avg by (resource)(rate(ceilometer_cpu{resource='u1'}[600s]))/10e+8) *(100/4), 100)",
    ],
  ] as const)('writes upstream Watcher query for %s (%s)', (metric, aggregate, match, vcpus, promql) => {
    expect(
      buildQuery(metric, labels, {
        aggregate,
        periodSeconds: 600,
        match,
        rateWindowSeconds: 300,
        ...(vcpus ? { vcpus } : {}),
      }).promql,
    ).toBe(promql);
  });

  it.each(METRIC_NAMES)('leaves the resource matcher out of the batched %s query', (metric) => {
    const spec = buildQuery(metric, labels, {
      aggregate: 'mean',
      periodSeconds: 600,
      rateWindowSeconds: 300,
    });
    expect(spec.promql).not.toMatch(/(fqdn|resource|domain)='/);
    expect(['fqdn', 'resource', 'domain']).toContain(spec.keyLabel);
  });

  it('honours custom host and instance labels', () => {
    const custom = { host: 'hostname', instance: 'instance_id', domain: 'domain' };
    expect(
      buildQuery('host_cpu_usage', custom, {
        aggregate: 'mean',
        periodSeconds: 60,
        match: 'h',
        rateWindowSeconds: 60,
      }).promql,
    ).toContain("hostname='h'");
    expect(
      buildQuery('instance_ram_usage', custom, {
        aggregate: 'mean',
        periodSeconds: 60,
        match: 'u',
        rateWindowSeconds: 60,
      }).promql,
    ).toContain("instance_id='u'");
  });

  // Upstream maps these to Ceilometer's meters (Gnocchi); Steward reads the same meters from Ceilometer's exporter.
  it.each([
    [
      'host_outlet_temp',
      'mean',
      'h1',
      "avg by (fqdn)(avg_over_time(ceilometer_hardware_ipmi_node_outlet_temperature{fqdn='h1'}[600s]))",
    ],
    [
      'host_inlet_temp',
      'max',
      'h1',
      "max_over_time((avg by (fqdn)(ceilometer_hardware_ipmi_node_temperature{fqdn='h1'}))[600s:60s])",
    ],
    [
      'host_airflow',
      'mean',
      'h1',
      "avg by (fqdn)(avg_over_time(ceilometer_hardware_ipmi_node_airflow{fqdn='h1'}[600s]))",
    ],
    [
      'host_power',
      'min',
      'h1',
      "min_over_time((avg by (fqdn)(ceilometer_hardware_ipmi_node_power{fqdn='h1'}))[600s:60s])",
    ],
    [
      'instance_l3_cache_usage',
      'mean',
      'u1',
      "avg by (resource)(avg_over_time(ceilometer_cpu_l3_cache{resource='u1'}[600s])) / 1048576",
    ],
  ] as const)('reads %s (%s) from upstream’s Ceilometer meter', (metric, aggregate, match, promql) => {
    expect(
      buildQuery(metric, labels, { aggregate, periodSeconds: 600, match, rateWindowSeconds: 300 }).promql,
    ).toBe(promql);
  });

  it.each([
    ["o'brien", "o\\'brien"],
    ['back\\slash', 'back\\\\slash'],
  ])('escapes %s inside a label matcher', (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });
});

describe('matchers naming a set of resources (tenant dashboards)', () => {
  const regexOf = (matcher: string): RegExp => {
    // The PromQL string literal → the RE2 pattern; Prometheus anchors it, as we do explicitly.
    const literal = /=~'((?:[^'\\]|\\.)*)'$/.exec(matcher)![1]!;
    return new RegExp(literal.replace(/\\(.)/g, '$1'));
  };

  it('injects every uuid into each metric query as an anchored alternation', () => {
    const uuids = ['5b2d3a4e-0000-4000-8000-00000000000a', '5b2d3a4e-0000-4000-8000-00000000000b'];
    for (const metric of [
      'instance_cpu_usage',
      'instance_ram_usage',
      'instance_disk_used_gb',
      'instance_network_rx_bytes_per_s',
    ] as const) {
      const spec = buildQuery(metric, labels, {
        aggregate: 'mean',
        periodSeconds: 600,
        match: uuids,
        rateWindowSeconds: 300,
      });
      expect(spec.promql).toContain(`${spec.keyLabel}=~'^(?:${uuids.join('|')})$'`);
    }
  });

  it('matches only the values given, whatever characters they hold', () => {
    const hostile = ['.*', "a'b", 'x|y', 'a\\b', '(?:z)'];
    const regex = regexOf(resourceMatcher('resource', hostile));
    for (const value of hostile) expect(regex.test(value), value).toBe(true);
    for (const other of ['anything', 'a', 'x', 'y', 'z', 'ab', ''])
      expect(regex.test(other), other).toBe(false);
  });

  it('matches nothing for an empty set', () => {
    expect(resourceMatcher('resource', [])).toBe("resource='',resource!=''");
  });
});
