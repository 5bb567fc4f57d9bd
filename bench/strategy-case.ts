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
import {
  measureBalance,
  thresholdLowerBound,
  type BalanceMeasures,
} from '../src/scenarios/balance-measures.js';
import { consolidationBounds } from '../src/scenarios/consolidation-bounds.js';
import { scenarioMetrics, scenarioModel } from '../src/scenarios/load-scenario.js';
import { replayPlan, type ReplayOutcome } from '../src/scenarios/plan-replay.js';
import { readScenario, type ScenarioDocument } from '../src/scenarios/scenario-file.js';
import { generateScenario, type GeneratorOptions } from '../src/scenarios/scenario-generator.js';
import { generateStorage, type StorageGeneratorOptions } from '../src/scenarios/storage-generator.js';
import { strategies } from '../src/strategies/index.js';
import { validatePlan } from '../src/strategies/plan-validator.js';
import { SolutionBuilder } from '../src/strategies/solution-builder.js';
import type { StorageModel } from '../src/model/storage-model.js';

export type ScenarioSource = { file: string } | { generate: GeneratorOptions };

export interface CaseSpec {
  scenario: ScenarioSource;
  /** A registered strategy; absent: only load the scenario (the memory baseline of the same scenario). */
  strategy?: string;
  parameters?: Record<string, unknown>;
  /**
   * What to measure the plan by: `consolidation` (default) the bounds and the replay; `balance` the host CPU standard
   * deviation and the hosts at or above workload_balance's threshold, before and after (balance-measures.ts).
   */
  measures?: 'consolidation' | 'balance';
  /** Generate Cinder storage beside the cluster (its volumes attached to the cluster's instances) for the strategy. */
  storage?: StorageGeneratorOptions;
}

export interface StorageCaseResult {
  hosts: number;
  pools: number;
  volumes: number;
  /** Baseline: seconds to copy the storage model once, as every audit does to give its strategy a private copy. */
  cloneSeconds: number;
  /** Pools used at or above `thresholdPct` % of their capacity, before and after the plan's volume migrations. */
  thresholdPct: number;
  poolsOverBefore: number;
  poolsOverAfter: number;
  actionsByType: Record<string, number>;
  volumeMigrations: number;
  volumeRetypes: number;
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
  /** With `measures: 'balance'`. */
  balance?: { before: BalanceMeasures; after: BalanceMeasures; lowerBound: number };
  /** With `storage`. */
  storage?: StorageCaseResult;
}

/** storage_capacity_balance's default `volume_threshold`, the pool use the storage cases count pools over. */
const STORAGE_THRESHOLD_PCT = 80;
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
  const storage = spec.storage && generateStorage(model, spec.storage);
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
  let cloneSeconds = 0;
  if (storage) {
    started = performance.now();
    storage.clone();
    cloneSeconds = seconds(started);
    gc?.();
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
      // As the audit runner does: the builder gets the storage model when the strategy loads it.
      ...(storage && {
        storage: () => {
          solution.useStorage(storage);
          return Promise.resolve(storage);
        },
      }),
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
  const originalStorage = spec.storage && generateStorage(original, spec.storage);
  if (originalStorage) {
    const thresholdPct =
      typeof parameters.volume_threshold === 'number' ? parameters.volume_threshold : STORAGE_THRESHOLD_PCT;
    const poolsOver = (storageModel: StorageModel) =>
      [...storageModel.pools()].filter(
        (pool) => pool.totalCapacityGb - pool.freeCapacityGb >= (thresholdPct / 100) * pool.totalCapacityGb,
      ).length;
    const poolsOverBefore = poolsOver(originalStorage);
    // Pool use after the plan, measured apart from the strategy: its pool-to-pool migrations replayed on a copy.
    const replayed = originalStorage.clone();
    const actionsByType: Record<string, number> = {};
    let volumeMigrations = 0;
    let volumeRetypes = 0;
    for (const action of planned) {
      actionsByType[action.actionType] = (actionsByType[action.actionType] ?? 0) + 1;
      if (action.actionType !== 'volume_migrate') continue;
      const { migration_type: kind, destination_node: to, resource_id: uuid } = action.inputParameters;
      if (kind === 'retype') volumeRetypes += 1;
      else if (typeof to === 'string' && typeof uuid === 'string') {
        replayed.moveVolume(uuid, to);
        volumeMigrations += 1;
      }
    }
    result.storage = {
      hosts: originalStorage.nodeCount,
      pools: originalStorage.poolCount,
      volumes: originalStorage.volumeCount,
      cloneSeconds,
      thresholdPct,
      poolsOverBefore,
      poolsOverAfter: poolsOver(replayed),
      actionsByType,
      volumeMigrations,
      volumeRetypes,
    };
  } else {
    result.bounds = consolidationBounds(original);
    const { actions: _replayed, ...replay } = replayPlan(original, planned, { instanceCpuPct });
    result.replay = replay;
  }
  if (spec.measures === 'balance') {
    const inputs = {
      model: original,
      hostCpuPct: new Map(fresh.nodes.map((node) => [node.hostname, node.metrics.host_cpu_usage ?? 0])),
      instanceCpuPct,
    };
    result.balance = {
      before: measureBalance(inputs),
      after: measureBalance(inputs, planned),
      lowerBound: thresholdLowerBound(inputs),
    };
  }
  started = performance.now();
  const findings = validatePlan(original, planned, originalStorage ? { storage: originalStorage } : {});
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
