import { describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import { createDatasource, datasources } from './index.js';
import { createPrometheusSource } from './prometheus.js';

interface Call {
  path: string;
  query?: string;
}

/** A scripted Prometheus: targets carry `fqdn` values; queries answer one series per known label value. */
function scriptedPrometheus(targetsAnswers: string[][], values: Record<string, string>) {
  const calls: Call[] = [];
  const fetchFn: typeof fetch = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.pathname === '/api/v1/targets') {
      const fqdns = targetsAnswers.length > 1 ? targetsAnswers.shift()! : targetsAnswers[0]!;
      calls.push({ path: url.pathname });
      return Promise.resolve(
        new Response(
          JSON.stringify({
            status: 'success',
            data: { activeTargets: fqdns.map((fqdn) => ({ labels: { fqdn, job: 'node' } })) },
          }),
        ),
      );
    }
    const query = new URLSearchParams(typeof init?.body === 'string' ? init.body : '').get('query') ?? '';
    calls.push({ path: url.pathname, query });
    const result = Object.entries(values)
      .filter(([label]) => !query.includes("fqdn='") || query.includes(`fqdn='${label}'`))
      .map(([label, value]) => ({ metric: { fqdn: label }, value: [1, value] }));
    return Promise.resolve(
      new Response(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } })),
    );
  };
  return { calls, fetchFn };
}

const options = { periodSeconds: 600, aggregate: 'mean' as const };

describe('Prometheus host label resolution', () => {
  it.each([
    ['the full label value', 'compute-1', ['compute-1'], 'compute-1'],
    [
      'the first DNS label of an FQDN',
      'compute-1',
      ['compute-1.cloud.example', 'compute-10.cloud.example'],
      'compute-1.cloud.example',
    ],
  ])('matches a hostname to %s', async (_name, hostname, fqdns, label) => {
    const prometheus = scriptedPrometheus([fqdns], { [label]: '40' });
    const source = createPrometheusSource({
      baseUrl: 'http://127.0.0.1:9',
      fetch: prometheus.fetchFn,
      logger: silentLogger,
    });
    expect(await source.statistic({ kind: 'host', hostname }, 'host_cpu_usage', options)).toBe(40);
    expect(prometheus.calls.find((call) => call.query)?.query).toContain(`fqdn='${label}'`);
  });

  it('re-reads the targets once when a host is not known yet', async () => {
    const prometheus = scriptedPrometheus([['compute-1'], ['compute-1', 'compute-2.example']], {
      'compute-2.example': '12',
    });
    const source = createPrometheusSource({
      baseUrl: 'http://127.0.0.1:9',
      fetch: prometheus.fetchFn,
      logger: silentLogger,
    });
    expect(await source.statistic({ kind: 'host', hostname: 'compute-2' }, 'host_cpu_usage', options)).toBe(
      12,
    );
    expect(prometheus.calls.filter((call) => call.path === '/api/v1/targets')).toHaveLength(2);
  });

  it('answers a batch of hosts with one query, keyed by hostname', async () => {
    const values = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`compute-${i}.example`, String(i)]),
    );
    const prometheus = scriptedPrometheus([[]], values);
    const source = createPrometheusSource({
      baseUrl: 'http://127.0.0.1:9',
      fetch: prometheus.fetchFn,
      logger: silentLogger,
    });
    const hosts = Array.from({ length: 50 }, (_, i) => ({ kind: 'host' as const, hostname: `compute-${i}` }));
    const answer = await source.statistics(hosts, 'host_ram_usage', options);
    expect(answer.size).toBe(50);
    expect(answer.get('compute-7')).toBe(7);
    expect(prometheus.calls).toHaveLength(1);
  });

  it('names the metrics without data and the query it tried', async () => {
    const prometheus = scriptedPrometheus([[]], {});
    const source = createPrometheusSource({
      baseUrl: 'http://127.0.0.1:9',
      fetch: prometheus.fetchFn,
      logger: silentLogger,
    });
    const missing = await source.missing!(['host_pressure_io', 'host_cpu_usage']);
    expect([...missing.keys()].sort()).toEqual(['host_cpu_usage', 'host_pressure_io']);
    expect(missing.get('host_pressure_io')).toMatch(
      /^Prometheus has no data for host_pressure_io \(query: .*node_pressure_io_waiting_seconds_total/,
    );
  });

  it('refuses a metric asked about the wrong kind of resource', async () => {
    const prometheus = scriptedPrometheus([[]], {});
    const source = createPrometheusSource({
      baseUrl: 'http://127.0.0.1:9',
      fetch: prometheus.fetchFn,
      logger: silentLogger,
    });
    await expect(
      source.statistic({ kind: 'host', hostname: 'h' }, 'instance_cpu_usage', options),
    ).rejects.toThrow(/applies to instance resources, not to a host/);
  });
});

describe('datasource registry', () => {
  it.each([
    ['prometheus', 'core'],
    ['gnocchi', 'unsupported'],
    ['grafana', 'unsupported'],
    ['monasca', 'unsupported'],
  ])('lists %s as %s', (name, support) => {
    expect(datasources.require(name).support).toBe(support);
  });

  it.each([
    ['gnocchi', /not supported by Steward; use one of: prometheus/],
    ['influx', /unknown datasource 'influx'/],
  ])('refuses to create %s with a clear message', (name, message) => {
    expect(() => createDatasource(name, {}, silentLogger)).toThrow(message);
  });

  it('creates the prometheus datasource from configuration', () => {
    expect(createDatasource('prometheus', { baseUrl: 'http://127.0.0.1:9090' }, silentLogger).name).toBe(
      'prometheus',
    );
  });
});

describe('Prometheus-compatible APIs without targets', () => {
  it('uses the hostname as the label value when /api/v1/targets is missing', async () => {
    const fetchFn: typeof fetch = (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      if (url.pathname === '/api/v1/targets')
        return Promise.resolve(new Response('404 page not found', { status: 404 }));
      const query = new URLSearchParams(typeof init?.body === 'string' ? init.body : '').get('query') ?? '';
      const result = query.includes("fqdn='compute-3'")
        ? [{ metric: { fqdn: 'compute-3' }, value: [1, '55.5'] }]
        : [];
      return Promise.resolve(
        new Response(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } })),
      );
    };
    const source = createPrometheusSource({
      baseUrl: 'http://127.0.0.1:9',
      fetch: fetchFn,
      logger: silentLogger,
    });
    expect(await source.statistic({ kind: 'host', hostname: 'compute-3' }, 'host_cpu_usage', options)).toBe(
      55.5,
    );
  });
});
