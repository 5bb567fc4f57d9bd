/**
 * A scenario file as a strategy sees it: the cluster model a sync would build from that cluster, and its constant
 * metrics as a MetricsSource in Steward's units.
 */
import { createConstantSource } from '../datasources/constant.js';
import { METRICS, type MetricName, type MetricsSource } from '../datasources/metrics-source.js';
import { invalid } from '../errors.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { InstanceState } from '../model/elements.js';
import { MAX_PROBLEMS, readScenario, type ScenarioDocument } from './scenario-file.js';

const INSTANCE_STATES: ReadonlySet<string> = new Set<InstanceState>([
  'active',
  'building',
  'paused',
  'suspended',
  'stopped',
  'shelved',
  'shelved_offloaded',
  'resized',
  'rescued',
  'error',
  'deleted',
  'soft-delete',
]);

/**
 * The cluster model a sync would build from this cluster: hosts keyed by hostname (zone `nova`, no aggregates or
 * traits: the format has none), instances on their host with a flavor named by the `flavor` metadata key.
 */
export function scenarioModel(doc: ScenarioDocument, builtAt = new Date(0)): ClusterModel {
  const model = new ClusterModel();
  const hostnames = new Map<string, string>();
  for (const n of doc.nodes) {
    hostnames.set(n.uuid, n.hostname);
    hostnames.set(n.hostname, n.hostname);
    model.upsertNode({
      uuid: n.uuid,
      hostname: n.hostname,
      state: n.state === 'down' ? 'down' : 'up',
      status: n.status === 'disabled' ? 'disabled' : 'enabled',
      disabledReason: n.disabled_reason,
      vcpus: n.vcpus,
      vcpuReserved: n.vcpu_reserved,
      vcpuRatio: n.vcpu_ratio,
      memoryMb: n.memory,
      memoryMbReserved: n.memory_mb_reserved,
      memoryRatio: n.memory_ratio,
      diskGb: n.disk,
      diskGbReserved: n.disk_gb_reserved,
      diskRatio: n.disk_ratio,
      availabilityZone: 'nova',
      aggregates: [],
      traits: [],
      inMaintenance: false,
      powerState: 'on',
      updatedAt: builtAt,
    });
  }
  const unknownHosts: string[] = [];
  for (const i of doc.instances) {
    const hostname = hostnames.get(i.host);
    if (hostname === undefined) unknownHosts.push(`${i.uuid} on ${i.host}`);
    const flavorName = i.metadata.flavor ?? `custom-${i.vcpus}-${i.memory}-${i.disk}`;
    model.upsertInstance({
      uuid: i.uuid,
      name: i.name,
      state: INSTANCE_STATES.has(i.state) ? (i.state as InstanceState) : 'error',
      taskState: null,
      hostname: hostname ?? null,
      projectId: i.project_id,
      flavor: {
        id: flavorName,
        name: flavorName,
        vcpus: i.vcpus,
        memoryMb: i.memory,
        diskGb: i.disk,
        extraSpecs: {},
      },
      vcpus: i.vcpus,
      memoryMb: i.memory,
      diskGb: i.disk,
      locked: i.locked,
      metadata: { ...i.metadata },
      pinnedAvailabilityZone: null,
      schedulerHints: {},
      imageProperties: {},
      serverGroup: null,
      ...(i.watcher_exclude === true && { watcherExclude: true }),
      updatedAt: builtAt,
    });
  }
  if (unknownHosts.length > 0)
    throw invalid(
      `scenario instances name hosts it does not have: ${unknownHosts.slice(0, MAX_PROBLEMS).join(', ')}`,
    );
  return model;
}

/** What one stored unit is in the unit Steward serves the metric in (metrics-source.ts). */
const TO_STEWARD_UNIT: Record<string, Record<string, number>> = {
  percent: { '%': 1, percent: 1 },
  MiB: {
    KiB: 1 / 1024,
    KB: 1 / 1024,
    MB: 1,
    MiB: 1,
    GiB: 1024,
    GB: 1024,
    B: 1 / 1048576,
    bytes: 1 / 1048576,
  },
};

/** The scenario metrics Steward serves, with the unit Watcher's datasource contract gives them when `units` is silent. */
const SCENARIO_METRICS: readonly { metric: MetricName; defaultUnit: string }[] = [
  { metric: 'host_cpu_usage', defaultUnit: '%' },
  { metric: 'host_ram_usage', defaultUnit: 'KiB' },
  { metric: 'instance_cpu_usage', defaultUnit: '%' },
  { metric: 'instance_ram_usage', defaultUnit: 'MB' },
];

/**
 * The scenario's constant metrics as a MetricsSource, converted to Steward's units: host RAM, stored in KiB as
 * Watcher's datasources report it, is served in MiB; CPU stays in % (of the host's cores, of the flavor's vCPUs).
 */
export function scenarioMetrics(doc: ScenarioDocument, name: string): MetricsSource {
  const values: Partial<Record<MetricName, Map<string, number>>> = {};
  for (const { metric, defaultUnit } of SCENARIO_METRICS) {
    const unit = doc.units?.[metric] ?? defaultUnit;
    const factor = TO_STEWARD_UNIT[METRICS[metric].unit]?.[unit];
    if (factor === undefined)
      throw invalid(
        `scenario ${name} stores ${metric} in ${unit}, which cannot be converted to ${METRICS[metric].unit}`,
      );
    const byKey = new Map<string, number>();
    if (METRICS[metric].kind === 'host') {
      for (const n of doc.nodes) {
        const value = n.metrics[metric];
        if (value !== undefined) byKey.set(n.hostname, value * factor);
      }
    } else {
      for (const i of doc.instances) {
        const value = i.metrics[metric];
        if (value !== undefined) byKey.set(i.uuid, value * factor);
      }
    }
    values[metric] = byKey;
  }
  return createConstantSource({ name: `scenario ${name}`, values });
}

export interface LoadedScenario {
  document: ScenarioDocument;
  model: ClusterModel;
  metrics: MetricsSource;
}

/** A scenario file as a strategy sees it: the model and the metrics. */
export function loadScenario(path: string, builtAt = new Date(0)): LoadedScenario {
  const document = readScenario(path);
  return { document, model: scenarioModel(document, builtAt), metrics: scenarioMetrics(document, path) };
}
