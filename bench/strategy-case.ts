/**
 * One case of `npm run bench -- strategies`, in its own process so its peak RSS is its own: load (or generate) a
 * scenario, run one registered strategy on it exactly as the audit runner does (schema defaults, seeded random, the
 * scenario's metrics), time `execute()` and the planner, then replay the planned actions on a fresh copy of the
 * scenario and run the plan validator over the planned DAG. Prints one `RESULT {json}` line.
 *
 *   node --expose-gc --import tsx bench/strategy-case.ts '<CaseSpec as JSON>'
 */
import { randomUUID } from 'node:crypto';
import { Value } from 'typebox/value';
import { ManualClock } from '../src/lib/clock.js';
import { createRandom } from '../src/lib/rng.js';
import { planners } from '../src/planners/index.js';
import { consolidationBounds } from '../src/scenarios/consolidation-bounds.js';
import { scenarioMetrics, scenarioModel } from '../src/scenarios/load-scenario.js';
import { replayPlan, type ReplayOutcome } from '../src/scenarios/plan-replay.js';
import { readScenario, type ScenarioDocument } from '../src/scenarios/scenario-file.js';
import { generateScenario, type GeneratorOptions } from '../src/scenarios/scenario-generator.js';
import { strategies } from '../src/strategies/index.js';
import { validatePlan } from '../src/strategies/plan-validator.js';
import { SolutionBuilder } from '../src/strategies/solution-builder.js';

export type ScenarioSource = { file: string } | { generate: GeneratorOptions };

export interface CaseSpec {
  scenario: ScenarioSource;
  /** A registered strategy; absent: only load the scenario (the memory baseline of the same scenario). */
  strategy?: string;
  parameters?: Record<string, unknown>;
}

export interface CaseResult {
  strategy: string | null;
  hosts: number;
  instances: number;
  loadSeconds: number;
  /** RSS once the scenario, its model and metrics are in memory, after a GC. */
  rssLoadedMb: number;
  /** The child's peak RSS up to the end of the strategy and planner (before any checking). */
  peakRssMb: number;
  executeSeconds?: number;
  /** CPU seconds of execute() (user + system): what the strategy cost when the machine is shared. */
  executeCpuSeconds?: number;
  planSeconds?: number;
  actions?: number;
  indicators?: Record<string, number>;
  bounds?: ReturnType<typeof consolidationBounds>;
  replay?: Omit<ReplayOutcome, 'actions'>;
  findings?: number;
  findingRules?: Record<string, number>;
  firstFinding?: string;
  validateSeconds?: number;
  /** The replay or the validator failed (the strategy's own figures above still hold). */
  checkError?: string;
}

const mb = (bytes: number): number => Math.round(bytes / 1048576);
const seconds = (since: number): number => (performance.now() - since) / 1000;

function loadDocument(source: ScenarioSource): ScenarioDocument {
  return 'file' in source ? readScenario(source.file) : generateScenario(source.generate);
}

const sourceName = (source: ScenarioSource): string =>
  'file' in source
    ? source.file
    : `generated ${source.generate.hosts}x${source.generate.instances} seed ${source.generate.seed ?? 42}`;

async function runCase(spec: CaseSpec): Promise<CaseResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let started = performance.now();
  let document: ScenarioDocument | undefined = loadDocument(spec.scenario);
  const hosts = document.nodes.length;
  const instances = document.instances.length;
  const model = scenarioModel(document);
  const metrics = scenarioMetrics(document, sourceName(spec.scenario));
  document = undefined;
  const loadSeconds = seconds(started);
  gc?.();
  const rssLoadedMb = mb(process.memoryUsage().rss);
  const result: CaseResult = {
    strategy: spec.strategy ?? null,
    hosts,
    instances,
    loadSeconds,
    rssLoadedMb,
    peakRssMb: 0,
  };
  if (spec.strategy === undefined) {
    result.bounds = consolidationBounds(model);
    result.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    return result;
  }

  const strategy = strategies.require(spec.strategy);
  const parameters = Value.Default(strategy.parameters, structuredClone(spec.parameters ?? {}));
  if (!Value.Check(strategy.parameters, parameters))
    throw new RangeError(`parameters for ${strategy.name} break its schema: ${JSON.stringify(parameters)}`);
  const solution = new SolutionBuilder(model);
  const controller = new AbortController();
  started = performance.now();
  const cpuStarted = process.cpuUsage();
  await strategy.execute(
    {
      model,
      metrics,
      solution,
      clock: new ManualClock(),
      random: createRandom(42),
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined },
      signal: controller.signal,
      scoringEngine: (name) => {
        throw new RangeError(`the strategies bench has no scoring engine ${name}`);
      },
    },
    parameters,
  );
  result.executeSeconds = seconds(started);
  const cpu = process.cpuUsage(cpuStarted);
  result.executeCpuSeconds = (cpu.user + cpu.system) / 1e6;
  started = performance.now();
  const planned = planners.require(strategy.planner).plan(solution.actions, randomUUID);
  result.planSeconds = seconds(started);
  result.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  result.actions = planned.length;
  result.indicators = Object.fromEntries(solution.indicators);
  // The strategy's own figures first: a check that fails or runs out of time below must not lose them.
  process.stdout.write(`PLANNED ${JSON.stringify(result)}\n`);

  // Checked on the cluster as it was: a fresh copy, since the strategy's working model holds its moves.
  const fresh = loadDocument(spec.scenario);
  const original = scenarioModel(fresh);
  const instanceCpuPct = new Map(fresh.instances.map((i) => [i.uuid, i.metrics.instance_cpu_usage ?? 0]));
  result.bounds = consolidationBounds(original);
  const { actions: _replayed, ...replay } = replayPlan(original, planned, { instanceCpuPct });
  result.replay = replay;
  started = performance.now();
  const findings = validatePlan(original, planned);
  result.validateSeconds = seconds(started);
  result.findings = findings.length;
  result.findingRules = {};
  for (const finding of findings)
    result.findingRules[finding.rule] = (result.findingRules[finding.rule] ?? 0) + 1;
  if (findings[0]) result.firstFinding = `${findings[0].rule}: ${findings[0].reason}`;
  return result;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as CaseSpec;
try {
  process.stdout.write(`RESULT ${JSON.stringify(await runCase(spec))}\n`);
  process.exit(0);
} catch (error) {
  process.stdout.write(`ERROR ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
