/**
 * Host readings for the thermal strategies (outlet_temperature, uniform_airflow): one batched query per metric over
 * the hosts Nova schedules onto. As upstream, a host without a reading is left out with a warning (some hosts have
 * no IPMI sensor); unlike upstream, no reading for any host fails the audit instead of planning nothing.
 */
import type { MetricName, MetricsSource } from '../datasources/metrics-source.js';
import { StewardError } from '../errors.js';
import type { ComputeNode } from '../model/elements.js';
import type { StrategyLog } from './strategy.js';

export interface HostReading {
  node: ComputeNode;
  value: number;
}

export async function readHosts(
  metrics: MetricsSource | undefined,
  metric: MetricName,
  nodes: readonly ComputeNode[],
  periodSeconds: number,
  log: StrategyLog,
): Promise<HostReading[]> {
  if (!metrics)
    throw new StewardError(
      'unavailable',
      'METRIC_UNAVAILABLE',
      `no datasource is configured to serve ${metric}`,
      {
        details: { metric },
      },
    );
  if (nodes.length === 0) return [];
  const values = await metrics.statistics(
    nodes.map((node) => ({ kind: 'host' as const, hostname: node.hostname })),
    metric,
    { periodSeconds, aggregate: 'mean' },
  );
  const readings: HostReading[] = [];
  const missing: string[] = [];
  for (const node of nodes) {
    const value = values.get(node.hostname);
    if (value === undefined) missing.push(node.hostname);
    else readings.push({ node, value });
  }
  if (readings.length === 0)
    throw new StewardError(
      'unavailable',
      'METRIC_UNAVAILABLE',
      `datasource ${metrics.name} has no ${metric} for any of the ${nodes.length} host(s) over the last ${periodSeconds} s (a period shorter than the sensors' polling interval holds no reading)`,
      { details: { metric, missing: missing.slice(0, 5) } },
    );
  if (missing.length > 0)
    log.warn(
      { metric, hosts: missing.slice(0, 10), count: missing.length },
      `hosts without ${metric} left out`,
    );
  return readings;
}
