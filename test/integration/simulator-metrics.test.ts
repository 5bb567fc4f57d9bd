/**
 * The MetricsSource contract over the simulated cloud's Prometheus API, read by the Prometheus datasource exactly as
 * Steward's embedded default composes it. The expected values come from the scenario file and the series formulas
 * documented in docs/simulator.md, never from the simulator's code, so a unit or label slip on either side fails.
 */
import { readFileSync } from 'node:fs';
import { createPrometheusSource } from '../../src/datasources/prometheus.js';
import type { MetricName } from '../../src/datasources/metrics-source.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createSimulatedCloud } from '../../src/simulator/index.js';
import { describeMetricsSourceContract } from '../contracts/metrics-source.contract.js';

const SCENARIO = 'test/fixtures/simulator/scenario-metrics-2x3.json';

interface ScenarioNode {
  hostname: string;
  uuid: string;
  vcpus: number;
  memory: number;
  disk: number;
  metrics: { host_cpu_usage: number; host_ram_usage: number };
}
interface ScenarioInstance {
  uuid: string;
  host: string;
  vcpus: number;
  memory: number;
  disk: number;
  metrics: { instance_cpu_usage: number; instance_ram_usage: number };
}
const scenario = JSON.parse(readFileSync(SCENARIO, 'utf8')) as {
  nodes: ScenarioNode[];
  instances: ScenarioInstance[];
};

/** L3 an instance wants: 2 MiB per busy vCPU. */
const l3Demand = (i: ScenarioInstance): number => (2 * i.vcpus * i.metrics.instance_cpu_usage) / 100;
/** L3 it holds: 1 MiB per host thread, shared in proportion to demand once the demands exceed it. */
function l3Held(instance: ScenarioInstance): number {
  const node = scenario.nodes.find((candidate) => candidate.uuid === instance.host)!;
  const total = scenario.instances.filter((i) => i.host === node.uuid).reduce((s, i) => s + l3Demand(i), 0);
  return total <= node.vcpus ? l3Demand(instance) : (l3Demand(instance) * node.vcpus) / total;
}

/** The true value, from the scenario (host RAM in KiB, as upstream's) and the simulator's documented series. */
function expectedValue(metric: MetricName, key: string): number {
  const node = scenario.nodes.find((candidate) => candidate.hostname === key);
  const instance = scenario.instances.find((candidate) => candidate.uuid === key);
  const host = (): ScenarioNode => {
    if (!node) throw new Error(`no scenario host ${key}`);
    return node;
  };
  const vm = (): ScenarioInstance => {
    if (!instance) throw new Error(`no scenario instance ${key}`);
    return instance;
  };
  const busy = (): number => host().metrics.host_cpu_usage / 100;
  const ramUsedMiB = (): number => host().metrics.host_ram_usage / 1024;
  const cpu = (): number => vm().metrics.instance_cpu_usage / 100;
  const ramFraction = (): number => vm().metrics.instance_ram_usage / vm().memory;
  // The documented IPMI readings: power follows the busy fraction, the fans follow the power.
  const ipmi = (): { power: number; airflow: number } => {
    const power = 150 + 300 * Math.min(1, busy());
    return { power, airflow: 300 + 0.5 * (power - 150) };
  };
  switch (metric) {
    case 'host_cpu_usage':
      return busy() * 100;
    case 'host_ram_usage':
      return ramUsedMiB();
    case 'host_cpu_steal_pct':
      // The share of the demand the cores could not serve: none while the demand fits.
      return busy() > 1 ? (1 - 1 / busy()) * 100 : 0;
    case 'host_io_wait_pct':
      return 0.02 * (Math.min(1, busy()) - (busy() > 1 ? 1 - 1 / busy() : 0)) * 100;
    case 'host_pressure_cpu':
      return 0.5 * Math.max(0, busy() - 0.7);
    case 'host_pressure_memory':
      return Math.max(0, ramUsedMiB() / host().memory - 0.85);
    case 'host_pressure_io':
      return 0.01 * busy();
    case 'host_network_rx_bytes_per_s':
      return 2e6 * busy() + 1e4;
    case 'host_network_tx_bytes_per_s':
      return 1.5e6 * busy() + 1e4;
    case 'host_disk_used_gb': {
      const hosted = scenario.instances
        .filter((i) => i.host === host().uuid)
        .reduce((gb, i) => gb + i.disk, 0);
      return Math.min(host().disk, 20 + 0.6 * hosted);
    }
    case 'instance_cpu_usage':
      return cpu() * 100;
    case 'instance_ram_usage':
      return vm().metrics.instance_ram_usage;
    case 'instance_cpu_steal_pct':
      return 0.02 * cpu() * 100;
    case 'instance_io_wait_pct':
      return Math.min(100, (0.05 + 0.03) * cpu() * 100);
    case 'instance_cache_miss_rate': {
      // Plus half the share of the L3 it wants that its neighbours hold.
      const wanted = l3Demand(vm());
      return 0.02 + 0.1 * ramFraction() + (wanted > 0 ? 0.5 * (1 - l3Held(vm()) / wanted) : 0);
    }
    case 'instance_disk_used_gb':
      return vm().disk * (1 / 3 + 0.2 * ramFraction());
    case 'instance_network_rx_bytes_per_s':
      return 2e5 * vm().vcpus * cpu() + 1e3;
    case 'instance_network_tx_bytes_per_s':
      return 1e5 * vm().vcpus * cpu() + 1e3;
    case 'host_power':
      return ipmi().power;
    case 'host_airflow':
      return ipmi().airflow;
    case 'host_inlet_temp':
      return 22;
    case 'host_outlet_temp':
      return 22 + (1.76 * ipmi().power) / (ipmi().airflow / 10);
    case 'instance_l3_cache_usage':
      return l3Held(vm());
  }
}

describeMetricsSourceContract('simulated cloud Prometheus API (scenario, flat load)', async () => {
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const cloud = createSimulatedCloud({ clock, cluster: { scenarioFile: SCENARIO } });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  return {
    // As compose.ts builds it for the embedded simulated cloud: only the URL differs from a real deployment.
    source: createPrometheusSource({ baseUrl: cloud.urls.prometheus, logger: silentLogger }),
    at: clock.now(),
    hosts: scenario.nodes.map((node) => ({ kind: 'host' as const, hostname: node.hostname })),
    instances: scenario.instances.map((instance) => ({
      kind: 'instance' as const,
      uuid: instance.uuid,
      vcpus: instance.vcpus,
    })),
    expected: expectedValue,
    close: () => cloud.close(),
  };
});
