/**
 * The shared scenario format (`shared/data/scenarios/scenario-<hosts>x<instances>-seed<seed>.json`, written by the
 * Watcher peer's `fake_cluster.scenario_to_dict`): hosts with capacity, ratios, reserved amounts and constant
 * metrics; instances with their host's uuid, flavor sizes and constant metrics. Read here once, checked against a
 * schema that reports every problem at once, for the simulated cloud, tests and benchmarks alike.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { invalid } from '../errors.js';

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
export const MAX_PROBLEMS = 10;

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
