import { describe, expect, it } from 'vitest';
import { createPrometheusSource } from '../../src/datasources/prometheus.js';
import { silentLogger } from '../../src/observability/logger.js';
import { describeMetricsSourceContract } from '../contracts/metrics-source.contract.js';
import {
  SYNTHETIC_CLOUD,
  expectedValue,
  prometheusBinariesPresent,
  REAL_PROMETHEUS,
  startPrometheus,
} from '../helpers/prometheus.js';
import { freePort } from '../helpers/free-port.js';

const present = await prometheusBinariesPresent();
if (!present && process.env.CI === 'true') {
  throw new Error(
    'prometheus/promtool not installed: scripts/install-system-deps.sh installs the Debian packages',
  );
}

describe.skipIf(!present)(`Prometheus datasource ${REAL_PROMETHEUS}`, () => {
  describeMetricsSourceContract('prometheus (promtool-backfilled)', async () => {
    const prometheus = await startPrometheus(SYNTHETIC_CLOUD);
    return {
      source: createPrometheusSource({ baseUrl: prometheus.baseUrl, logger: silentLogger }),
      at: prometheus.at,
      hosts: SYNTHETIC_CLOUD.hosts.map((host) => ({ kind: 'host' as const, hostname: host.hostname })),
      instances: SYNTHETIC_CLOUD.instances.map((instance) => ({
        kind: 'instance' as const,
        uuid: instance.uuid,
        vcpus: instance.vcpus,
      })),
      expected: (metric, key) => expectedValue(SYNTHETIC_CLOUD, metric, key),
      close: () => prometheus.stop(),
    };
  });
});

describe('Prometheus datasource failures', () => {
  it('reports unavailable, naming Prometheus, when nothing listens', async () => {
    const port = await freePort();
    const source = createPrometheusSource({
      baseUrl: `http://127.0.0.1:${port}`,
      logger: silentLogger,
      retries: 2,
      retryDelayMs: 1,
    });
    const availability = await source.available();
    expect(availability.ok).toBe(false);
    expect(availability.ok ? '' : availability.reason).toMatch(
      /^Prometheus query vector\(1\) failed: cannot reach/,
    );
  });

  it('retries a 5xx and then answers', async () => {
    const statuses = [503, 200];
    const fakeFetch: typeof fetch = () =>
      Promise.resolve(
        new Response(
          JSON.stringify({
            status: 'success',
            data: { resultType: 'vector', result: [{ metric: { resource: 'u' }, value: [1, '12.5'] }] },
          }),
          {
            status: statuses.shift() ?? 200,
          },
        ),
      );
    const source = createPrometheusSource({
      baseUrl: 'http://127.0.0.1:1',
      fetch: fakeFetch,
      logger: silentLogger,
      retryDelayMs: 1,
    });
    expect(
      await source.statistic({ kind: 'instance', uuid: 'u' }, 'instance_ram_usage', {
        periodSeconds: 60,
        aggregate: 'mean',
      }),
    ).toBe(12.5);
    expect(statuses).toHaveLength(0);
  });

  it('names the query when Prometheus rejects it', async () => {
    const fakeFetch: typeof fetch = () =>
      Promise.resolve(
        new Response(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }), {
          status: 400,
        }),
      );
    const source = createPrometheusSource({
      baseUrl: 'http://127.0.0.1:1',
      fetch: fakeFetch,
      logger: silentLogger,
    });
    await expect(
      source.statistic({ kind: 'instance', uuid: 'u' }, 'instance_ram_usage', {
        periodSeconds: 60,
        aggregate: 'max',
      }),
    ).rejects.toThrow(
      /Prometheus query max_over_time\(ceilometer_memory_usage\{resource='u'\}\[60s\]\) failed with HTTP 400: bad_data: parse error/,
    );
  });
});
