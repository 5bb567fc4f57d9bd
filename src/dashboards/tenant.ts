/**
 * The tenant dashboard: each of the caller's instances' CPU, memory, disk and network against its flavor, and the
 * instances that could run on a smaller flavor. The project comes from the token (never from the request), its
 * instances from the compute model, and every backend query is restricted to exactly those instance uuids, so no
 * parameter, header or label trick can bring another project's series into the answer. Host names are not shown:
 * Nova hides them from tenants too.
 */
import { StewardError } from '../errors.js';
import type { MetricName, MetricResource, SeriesColumns } from '../datasources/metrics-source.js';
import type { Instance } from '../model/elements.js';
import {
  rangeOptions,
  rangeView,
  requireModel,
  sourceFor,
  unitOf,
  type DashboardDeps,
  type Panel,
  type PanelSpec,
  type RangeSource,
  type RangeView,
} from './dashboard.js';
import { findOversized, type InstanceUsage } from './oversize.js';
import { dashboardRange, MAX_POINTS, timestamps, type DashboardRange } from './range.js';
import { coverage, onGrid, percentile } from './series.js';

export const TENANT_PANELS: readonly (PanelSpec & { limit: (instance: Instance) => number | null })[] = [
  { id: 'cpu', title: 'CPU used (% of flavor vCPUs)', metric: 'instance_cpu_usage', limit: () => 100 },
  { id: 'memory', title: 'Memory used', metric: 'instance_ram_usage', limit: (i) => i.flavor.memoryMb },
  { id: 'disk', title: 'Root disk used', metric: 'instance_disk_used_gb', limit: (i) => i.flavor.diskGb },
  {
    id: 'network_rx',
    title: 'Network received',
    metric: 'instance_network_rx_bytes_per_s',
    limit: () => null,
  },
  { id: 'network_tx', title: 'Network sent', metric: 'instance_network_tx_bytes_per_s', limit: () => null },
];

export interface TenantRequest {
  range: string;
  /** From the token (or the noauth X-Project-Id header); never from a query parameter. */
  projectId: string;
  instance?: string;
}

interface FlavorView {
  id: string;
  name: string;
  vcpus: number;
  ram_mb: number;
  disk_gb: number;
}

export interface TenantDashboardView {
  dashboard: 'tenant';
  datasource: string | null;
  project_id: string;
  range: RangeView;
  timestamps: number[];
  instance: string | null;
  instances: { uuid: string; name: string; state: string; flavor: FlavorView }[];
  panels: Panel[];
  oversized: {
    uuid: string;
    name: string;
    flavor: FlavorView;
    p95_cpu_percent: number;
    p95_ram_mb: number;
    underused: ('cpu' | 'ram')[];
    needed: { vcpus: number; ram_mb: number; disk_gb: number };
    suggested_flavor: FlavorView;
  }[];
}

export const flavorView = (flavor: Instance['flavor']): FlavorView => ({
  id: flavor.id,
  name: flavor.name,
  vcpus: flavor.vcpus,
  ram_mb: flavor.memoryMb,
  disk_gb: flavor.diskGb,
});

/** The project's instances in the model: the only resources a tenant query may name. */
export function projectInstances(instances: Iterable<Instance>, projectId: string): Instance[] {
  const out: Instance[] = [];
  for (const instance of instances)
    if (instance.projectId === projectId && instance.state !== 'deleted') out.push(instance);
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.uuid.localeCompare(b.uuid));
}

export const notInProject = (uuid: string, projectId: string): StewardError =>
  // The same answer for another project's instance and for none at all: existence is not disclosed.
  new StewardError(
    'forbidden',
    'NOT_IN_PROJECT',
    `Instance ${uuid} is not an instance of project ${projectId}`,
    {
      details: { instance: uuid, project_id: projectId },
    },
  );

/**
 * The instance panels for exactly `shown`: each query names their uuids (none sent for an empty list), and a series
 * for any other uuid is dropped rather than trusted. Shared with the admin dashboard's host drill-down.
 */
export async function instancePanels(
  source: RangeSource,
  range: DashboardRange,
  shown: readonly Instance[],
): Promise<{ panels: Panel[]; values: Map<MetricName, Map<string, (number | null)[]>> }> {
  const byUuid = new Map(shown.map((instance) => [instance.uuid, instance]));
  const only: MetricResource[] = shown.map((instance) => ({
    kind: 'instance',
    uuid: instance.uuid,
    vcpus: instance.flavor.vcpus,
  }));
  const answers = await Promise.all(
    TENANT_PANELS.map((panel) =>
      only.length === 0
        ? Promise.resolve(new Map<string, SeriesColumns>())
        : source.ranges(panel.metric, rangeOptions(range, only)),
    ),
  );

  const values = new Map<MetricName, Map<string, (number | null)[]>>();
  const panels: Panel[] = TENANT_PANELS.map((spec, index) => {
    const series: Panel['series'] = [];
    const perInstance = new Map<string, (number | null)[]>();
    for (const [uuid, points] of answers[index]!) {
      const instance = byUuid.get(uuid);
      if (!instance) continue;
      const onTheGrid = onGrid(points, range);
      perInstance.set(uuid, onTheGrid);
      series.push({ resource: uuid, values: onTheGrid, limit: spec.limit(instance) });
    }
    values.set(spec.metric, perInstance);
    series.sort((a, b) => a.resource.localeCompare(b.resource));
    return { id: spec.id, title: spec.title, metric: spec.metric, unit: unitOf(spec.metric), series };
  });
  return { panels, values };
}

export async function buildTenantDashboard(
  deps: DashboardDeps,
  request: TenantRequest,
): Promise<TenantDashboardView> {
  const range = dashboardRange(request.range, deps.clock.now());
  const { source, datasource } = sourceFor(
    deps,
    TENANT_PANELS.map((panel) => panel.metric),
  );
  const own = projectInstances(requireModel(deps).instances(), request.projectId);
  let shown = own;
  if (request.instance !== undefined) {
    shown = own.filter((instance) => instance.uuid === request.instance);
    if (shown.length === 0) throw notInProject(request.instance, request.projectId);
  }
  const [{ panels, values }, flavors] = await Promise.all([
    instancePanels(source, range, shown),
    shown.length > 0 ? deps.flavors() : Promise.resolve([]),
  ]);
  const grid = timestamps(range);

  const usages: InstanceUsage[] = shown.map((instance) => {
    const cpu = values.get('instance_cpu_usage')?.get(instance.uuid) ?? [];
    const ram = values.get('instance_ram_usage')?.get(instance.uuid) ?? [];
    return {
      uuid: instance.uuid,
      name: instance.name,
      flavor: instance.flavor,
      p95CpuPercent: percentile(cpu, 95),
      p95RamMib: percentile(ram, 95),
      coverage: Math.min(coverage(cpu), coverage(ram)),
    };
  });

  return {
    dashboard: 'tenant',
    datasource,
    project_id: request.projectId,
    range: rangeView(range, MAX_POINTS),
    timestamps: grid,
    instance: request.instance ?? null,
    instances: shown.map((instance) => ({
      uuid: instance.uuid,
      name: instance.name,
      state: instance.state,
      flavor: flavorView(instance.flavor),
    })),
    panels,
    oversized: findOversized(usages, flavors).map((row) => ({
      uuid: row.uuid,
      name: row.name,
      flavor: flavorView(row.flavor),
      p95_cpu_percent: row.p95CpuPercent,
      p95_ram_mb: row.p95RamMib,
      underused: row.underused,
      needed: { vcpus: row.needed.vcpus, ram_mb: row.needed.memoryMb, disk_gb: row.needed.diskGb },
      suggested_flavor: flavorView(row.suggested),
    })),
  };
}
