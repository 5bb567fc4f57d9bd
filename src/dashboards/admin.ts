/**
 * The admin dashboard: the cluster's CPU, memory, disk, network and PSI pressure over time, a table of every host's
 * mean, p95 and max, one host's own series on drill-down (`host`), and the hosts an action plan would empty.
 * One range query per metric serves all hosts (1,000 hosts = 8 queries, not 8,000).
 */
import { notFound } from '../errors.js';
import type { MetricName } from '../datasources/metrics-source.js';
import {
  rangeOptions,
  rangeView,
  sourceFor,
  unitOf,
  type DashboardDeps,
  type Panel,
  type PanelSpec,
  type RangeView,
} from './dashboard.js';
import { hostsEmptiedBy, type EmptiedHosts } from './emptied-hosts.js';
import { dashboardRange, MAX_POINTS, timestamps } from './range.js';
import { flavorView, instancePanels, TENANT_PANELS } from './tenant.js';
import { combine, onGrid, summarise, type Combine, type Summary } from './series.js';

/** The panels, and how hosts add up to the cluster: percentages and pressures average, amounts sum. */
export const ADMIN_PANELS: readonly (PanelSpec & { cluster: Combine })[] = [
  { id: 'cpu', title: 'CPU busy', metric: 'host_cpu_usage', cluster: 'mean' },
  { id: 'memory', title: 'Memory used', metric: 'host_ram_usage', cluster: 'sum' },
  { id: 'disk', title: 'Local disk used', metric: 'host_disk_used_gb', cluster: 'sum' },
  { id: 'network_rx', title: 'Network received', metric: 'host_network_rx_bytes_per_s', cluster: 'sum' },
  { id: 'network_tx', title: 'Network sent', metric: 'host_network_tx_bytes_per_s', cluster: 'sum' },
  { id: 'pressure_cpu', title: 'CPU pressure (PSI some)', metric: 'host_pressure_cpu', cluster: 'mean' },
  {
    id: 'pressure_memory',
    title: 'Memory pressure (PSI some)',
    metric: 'host_pressure_memory',
    cluster: 'mean',
  },
  { id: 'pressure_io', title: 'I/O pressure (PSI some)', metric: 'host_pressure_io', cluster: 'mean' },
];

export interface AdminRequest {
  range: string;
  host?: string;
  actionPlan?: string;
}

export interface AdminDashboardView {
  dashboard: 'admin';
  /** The datasource's name; null when Steward has none (the panels are then empty). */
  datasource: string | null;
  range: RangeView;
  timestamps: number[];
  /** The drilled-down host, or null for the cluster view. */
  host: string | null;
  panels: Panel[];
  hosts: { hostname: string; metrics: Record<string, Summary> }[];
  /** With `host`: the instances on it (any project: this is the admin's view), and their panels. */
  instances: {
    uuid: string;
    name: string;
    project_id: string;
    state: string;
    flavor: ReturnType<typeof flavorView>;
  }[];
  instance_panels: Panel[];
  emptied_hosts: {
    action_plan: string;
    hosts: { hostname: string; instances_moved_out: number }[];
    unplaced_moves: number;
  } | null;
}

/** A label value (`compute-a.cloud.example`) → the model's hostname it names (`compute-a`), or itself. */
function hostnameResolver(hostnames: ReadonlySet<string>): (label: string) => string {
  return (label) => {
    if (hostnames.has(label)) return label;
    const short = label.split('.')[0]!;
    return hostnames.has(short) ? short : label;
  };
}

export async function buildAdminDashboard(
  deps: DashboardDeps,
  request: AdminRequest,
): Promise<AdminDashboardView> {
  const range = dashboardRange(request.range, deps.clock.now());
  const { source, datasource } = sourceFor(deps, [
    ...ADMIN_PANELS.map((panel) => panel.metric),
    ...(request.host === undefined ? [] : TENANT_PANELS.map((panel) => panel.metric)),
  ]);
  const model = deps.model();
  const hostnames = new Set(model ? [...model.nodes()].map((node) => node.hostname) : []);
  if (request.host !== undefined && model && !hostnames.has(request.host))
    throw notFound('Compute node', request.host);

  let emptied: EmptiedHosts | undefined;
  if (request.actionPlan !== undefined) {
    const moves = await deps.planMoves(request.actionPlan);
    if (!moves) throw notFound('ActionPlan', request.actionPlan);
    if (model) emptied = hostsEmptiedBy(model, moves);
  }

  const resolve = hostnameResolver(hostnames);
  const only = request.host === undefined ? undefined : [{ kind: 'host' as const, hostname: request.host }];
  const onHost = request.host !== undefined && model ? model.instancesOn(request.host) : [];
  const [answers, instanceView] = await Promise.all([
    Promise.all(ADMIN_PANELS.map((panel) => source.ranges(panel.metric, rangeOptions(range, only)))),
    request.host === undefined ? undefined : instancePanels(source, range, onHost),
  ]);
  const grid = timestamps(range);
  const perHost = new Map<string, Record<string, Summary>>();
  const panels: Panel[] = ADMIN_PANELS.map((spec, index) => {
    const byHost = new Map<string, (number | null)[]>();
    for (const [label, points] of answers[index]!) byHost.set(resolve(label), onGrid(points, range));
    for (const [hostname, values] of byHost) {
      const row = perHost.get(hostname) ?? {};
      row[spec.metric] = summarise(values);
      perHost.set(hostname, row);
    }
    const series =
      request.host === undefined
        ? [
            {
              resource: 'cluster',
              values: combine([...byHost.values()], spec.cluster, grid.length),
              limit: clusterLimit(spec.metric, deps),
            },
          ]
        : [...byHost].map(([hostname, values]) => ({
            resource: hostname,
            values,
            limit: hostLimit(spec.metric, hostname, deps),
          }));
    return { id: spec.id, title: spec.title, metric: spec.metric, unit: unitOf(spec.metric), series };
  });

  return {
    dashboard: 'admin',
    datasource,
    range: rangeView(range, MAX_POINTS),
    timestamps: grid,
    host: request.host ?? null,
    panels,
    hosts: [...perHost]
      .map(([hostname, metrics]) => ({ hostname, metrics }))
      .sort((a, b) => a.hostname.localeCompare(b.hostname)),
    instances: onHost.map((instance) => ({
      uuid: instance.uuid,
      name: instance.name,
      project_id: instance.projectId,
      state: instance.state,
      flavor: flavorView(instance.flavor),
    })),
    instance_panels: instanceView?.panels ?? [],
    emptied_hosts:
      request.actionPlan === undefined
        ? null
        : {
            action_plan: request.actionPlan,
            hosts: (emptied?.hosts ?? []).map((host) => ({
              hostname: host.hostname,
              instances_moved_out: host.instancesMovedOut,
            })),
            unplaced_moves: emptied?.unplacedMoves ?? 0,
          },
  };
}

/** What a host's value is measured against, from the model: 100 % for CPU, its memory and disk. */
function hostLimit(metric: MetricName, hostname: string, deps: DashboardDeps): number | null {
  const node = deps.model()?.getNode(hostname);
  if (metric === 'host_cpu_usage') return 100;
  if (!node) return null;
  if (metric === 'host_ram_usage') return node.memoryMb;
  if (metric === 'host_disk_used_gb') return node.diskGb;
  return null;
}

function clusterLimit(metric: MetricName, deps: DashboardDeps): number | null {
  if (metric === 'host_cpu_usage') return 100;
  const model = deps.model();
  if (!model) return null;
  let total = 0;
  for (const node of model.nodes()) {
    if (metric === 'host_ram_usage') total += node.memoryMb;
    else if (metric === 'host_disk_used_gb') total += node.diskGb;
    else return null;
  }
  return total;
}
