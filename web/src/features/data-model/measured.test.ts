import { describe, expect, it } from 'vitest';
import type { AdminDashboardResource, DashboardPanelResource } from '@steward/contract/resources.js';
import { measuredHosts } from './measured.js';

const panel = (id: string, metric: string, unit: string): DashboardPanelResource => ({
  id,
  title: id,
  metric,
  unit,
  series: [],
});
const dashboard = (
  hosts: AdminDashboardResource['hosts'],
  panels = [panel('cpu', 'host_cpu_usage', 'percent'), panel('memory', 'host_ram_usage', 'MiB')],
): AdminDashboardResource => ({
  dashboard: 'admin',
  datasource: 'simulated',
  range: {
    range: '1h',
    start: '2026-01-01T00:00:00Z',
    end: '2026-01-01T01:00:00Z',
    step_seconds: 60,
    window_seconds: 300,
    max_points: 500,
  },
  timestamps: [],
  host: null,
  panels,
  hosts,
  instances: [],
  instance_panels: [],
  emptied_hosts: null,
});

describe('measuredHosts', () => {
  it("reads each host's CPU and memory mean and p95 under the metrics and units its panels name", () => {
    const measured = measuredHosts(
      dashboard([
        {
          hostname: 'compute-1',
          metrics: {
            host_cpu_usage: { mean: 41.5, p95: 60, max: 70 },
            host_ram_usage: { mean: 8192, p95: 9000, max: 9500 },
            host_pressure_io: { mean: 0.1, p95: 0.2, max: 0.3 },
          },
        },
      ]),
    );
    expect(measured.get('compute-1')).toEqual({
      cpu: { mean: 41.5, p95: 60, unit: 'percent' },
      memory: { mean: 8192, p95: 9000, unit: 'MiB' },
    });
  });

  it('leaves out a host without a CPU or memory point, so the panel says it has no series', () => {
    const measured = measuredHosts(
      dashboard([
        { hostname: 'gaps-only', metrics: { host_cpu_usage: { mean: null, p95: null, max: null } } },
        { hostname: 'network-only', metrics: { host_network_rx_bytes_per_s: { mean: 1, p95: 2, max: 3 } } },
        { hostname: 'memory-only', metrics: { host_ram_usage: { mean: 100, p95: 120, max: 130 } } },
      ]),
    );
    expect([...measured.keys()]).toEqual(['memory-only']);
    expect(measured.get('memory-only')?.cpu).toEqual({ mean: null, p95: null, unit: 'percent' });
  });

  it('measures nothing when the answer has no CPU or memory panel', () => {
    const measured = measuredHosts(
      dashboard(
        [{ hostname: 'compute-1', metrics: { host_cpu_usage: { mean: 1, p95: 2, max: 3 } } }],
        [panel('cpu', 'host_cpu_usage', 'percent')],
      ),
    );
    expect(measured.size).toBe(0);
  });
});
