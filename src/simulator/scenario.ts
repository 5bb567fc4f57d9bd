/**
 * The shared scenario format (`shared/data/scenarios/scenario-<hosts>x<instances>-seed<seed>.json`, written by the
 * Watcher peer's `fake_cluster.scenario_to_dict`): hosts with capacity, ratios, reserved amounts and constant
 * metrics; instances with their host's uuid, flavor sizes and constant metrics. Read here once, checked against a
 * schema that reports every problem at once, for the simulated cloud, tests and benchmarks alike.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { createConstantSource } from '../datasources/constant.js';
import { METRICS, type MetricName, type MetricsSource } from '../datasources/metrics-source.js';
import { invalid } from '../errors.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { InstanceState } from '../model/elements.js';

const Metrics = Type.Record(Type.String(), Type.Number());

const ScenarioNodeSchema = Type.Object({
  uuid: Type.String(),
  hostname: Type.String(),
  state: Type.String({ description: "'up' or 'down'" }),
  status: Type.String({ description: "'enabled' or 'disabled'" }),
  disabled_reason: Type.Union([Type.String(), Type.Null()]),
  vcpus: Type.Number({ minimum: 0 }),
  vcpu_reserved: Type.Number({ minimum: 0 }),
  vcpu_ratio: Type.Number({ exclusiveMinimum: 0 }),
  memory: Type.Number({ minimum: 0, description: 'MB' }),
  memory_mb_reserved: Type.Number({ minimum: 0 }),
  memory_ratio: Type.Number({ exclusiveMinimum: 0 }),
  disk: Type.Number({ minimum: 0, description: 'GB' }),
  disk_gb_reserved: Type.Number({ minimum: 0 }),
  disk_ratio: Type.Number({ exclusiveMinimum: 0 }),
  instances: Type.Optional(Type.Array(Type.String())),
  metrics: Metrics,
});

const ScenarioInstanceSchema = Type.Object({
  uuid: Type.String(),
  name: Type.String(),
  state: Type.String(),
  /** The uuid of its host (a hostname is accepted too). */
  host: Type.String(),
  vcpus: Type.Number({ minimum: 0 }),
  memory: Type.Number({ minimum: 0, description: 'MB' }),
  disk: Type.Number({ minimum: 0, description: 'GB' }),
  project_id: Type.String(),
  locked: Type.Boolean(),
  watcher_exclude: Type.Optional(Type.Boolean()),
  metadata: Type.Record(Type.String(), Type.String()),
  metrics: Metrics,
});

const ScenarioSchema = Type.Object({
  seed: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  /** Unit of each metric as the file stores it, e.g. host_ram_usage: 'KiB' (Watcher's datasource contract). */
  units: Type.Optional(Type.Record(Type.String(), Type.String())),
  nodes: Type.Array(ScenarioNodeSchema),
  instances: Type.Array(ScenarioInstanceSchema),
});

export type ScenarioNode = Static<typeof ScenarioNodeSchema>;
export type ScenarioInstance = Static<typeof ScenarioInstanceSchema>;
export type ScenarioDocument = Static<typeof ScenarioSchema>;

/** At most this many problems are named in one error: a broken 10,000-instance file must still give a short message. */
const MAX_PROBLEMS = 10;

/** Checks a parsed scenario, naming every problem (up to ten) with its JSON path; `source` names the file. */
export function parseScenario(raw: unknown, source: string): ScenarioDocument {
  if (Value.Check(ScenarioSchema, raw)) return raw;
  const problems = [...Value.Errors(ScenarioSchema, raw)]
    .slice(0, MAX_PROBLEMS)
    .map((error) => `${error.instancePath || '/'} ${error.message}`);
  throw invalid(`scenario ${source} is not in the shared scenario format: ${problems.join('; ')}`, {
    source,
  });
}

export function readScenario(path: string): ScenarioDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw invalid(`scenario ${path} cannot be read as JSON: ${(error as Error).message}`, { source: path });
  }
  return parseScenario(raw, path);
}

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
