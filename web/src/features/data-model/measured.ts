/**
 * Each host's measured CPU and memory, read from the admin utilisation dashboard's host table: one request for the
 * whole cluster, looked up by the data model's hostname (the server already maps Prometheus' labels to it).
 */
import type { AdminDashboardResource } from '@steward/contract/resources.js';

/** One hour: what a host is doing now, not yesterday; the server's shortest range. */
export const MEASURED_RANGE = '1h';

export interface MeasuredFigure {
  mean: number | null;
  p95: number | null;
  /** The dashboard's unit for the metric: `percent` for CPU, `MiB` for memory. */
  unit: string;
}

export interface MeasuredHost {
  cpu: MeasuredFigure;
  memory: MeasuredFigure;
}

/**
 * The hosts with a CPU or memory series in the range. The metric names and units come from the answer's `cpu` and
 * `memory` panels, so they are not repeated here; a host that is absent had no series.
 */
export function measuredHosts(dashboard: AdminDashboardResource): Map<string, MeasuredHost> {
  const byHost = new Map<string, MeasuredHost>();
  const cpu = dashboard.panels.find((panel) => panel.id === 'cpu');
  const memory = dashboard.panels.find((panel) => panel.id === 'memory');
  if (cpu === undefined || memory === undefined) return byHost;
  for (const host of dashboard.hosts) {
    const figure = (metric: string, unit: string): MeasuredFigure => ({
      mean: host.metrics[metric]?.mean ?? null,
      p95: host.metrics[metric]?.p95 ?? null,
      unit,
    });
    const measured = { cpu: figure(cpu.metric, cpu.unit), memory: figure(memory.metric, memory.unit) };
    const hasPoints = [measured.cpu, measured.memory].some((one) => one.mean !== null || one.p95 !== null);
    if (hasPoints) byHost.set(host.hostname, measured);
  }
  return byHost;
}
