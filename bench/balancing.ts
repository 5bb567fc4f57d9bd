/**
 * The balancing strategies of `npm run bench -- strategies`: workload_stabilization and workload_balance on the same
 * clusters as the consolidation strategies (allocation ratios 1.0: Watcher's recorded balancing plans are of those),
 * beside the real Watcher 9.0.0's plans and times — from this run where the peer is installed and the size is in
 * `--watcher-sizes`, else the recorded ones, labelled so. Every plan, Watcher's included, is measured apart from the
 * strategies by src/scenarios/balance-measures.ts and goes through the plan validator:
 * - workload_stabilization: the host CPU standard deviation after the plan against Watcher's target (its 0.1
 *   threshold), and the migrations it took against Watcher's;
 * - workload_balance: upstream's one move per audit by default, and with `max_migrations: 0` (plan until no host is at
 *   or above the threshold) the hosts left at or above it and the migrations against the lower bound
 *   (`thresholdLowerBound`: the fewest migrations any plan that clears every host can make).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  measureBalance,
  thresholdLowerBound,
  type BalanceMeasures,
} from '../src/scenarios/balance-measures.js';
import { loadScenario } from '../src/scenarios/load-scenario.js';
import { replayPlan } from '../src/scenarios/plan-replay.js';
import { validatePlan } from '../src/strategies/plan-validator.js';
import {
  childCase,
  formatSeconds,
  median,
  medianOf,
  runWatcher,
  scenariosFor,
  type Scenario,
  type WatcherActions,
  type WatcherTiming,
} from './strategies.js';
import type { CaseResult, CaseSpec } from './strategy-case.js';
import { readFileSync } from 'node:fs';

export const BALANCING_STRATEGIES = ['workload_stabilization', 'workload_balance'] as const;
type BalancingStrategy = (typeof BALANCING_STRATEGIES)[number];
/** workload_stabilization's default threshold on the host CPU standard deviation: Watcher stops under it. */
const SD_TARGET = 0.1;
/** workload_balance's default threshold, % of a host's vCPUs. */
const THRESHOLD_PCT = 25;
/** Issue 17's speed targets at 1000x10000: how many times faster than Watcher at least. */
const SPEED_TARGET: Record<BalancingStrategy, number> = { workload_stabilization: 100, workload_balance: 1 };

export interface BalancingBenchOptions {
  sizes: readonly string[];
  strategies?: readonly string[];
  /** Sizes Watcher runs at in this run (the peer installed); the others show its recorded plans and times. */
  watcherSizes: ReadonlySet<string>;
  watcherTimeoutSeconds: number;
  watcherPeer: string;
  caseTimeoutSeconds: number;
  runsOf(size: string): number;
  sharedScenarios: string;
  out?: (line: string) => void;
}

export interface BalancingRow {
  scenario: string;
  size: string;
  plan: string;
  strategy: BalancingStrategy;
  steward: boolean;
  parameters?: Record<string, unknown>;
  before?: BalanceMeasures;
  after?: BalanceMeasures;
  lowerBound?: number;
  findings?: number;
  firstFinding?: string;
  result?: CaseResult;
  executeSecondsAll?: number[];
  watcher?: Omit<WatcherTiming, 'actions'>;
  /** Watcher's seconds / Steward's seconds, against Watcher's plan of the same strategy. */
  speedup?: number;
  /** What the row shows against the issue's bar, in words. */
  verdict?: string;
  error?: string;
}

/** Steward's cases per scenario: the strategies' defaults, and workload_balance planning until no host is over. */
const CASES: { strategy: BalancingStrategy; parameters?: Record<string, unknown>; label: string }[] = [
  { strategy: 'workload_stabilization', label: 'workload_stabilization' },
  { strategy: 'workload_balance', label: 'workload_balance' },
  {
    strategy: 'workload_balance',
    parameters: { max_migrations: 0 },
    label: 'workload_balance max_migrations=0',
  },
];

/** Watcher's recorded plan of a strategy for a scenario (solution-<size>-seed42-<strategy>.json), if there is one. */
function recordedPlan(
  scenario: Scenario,
  strategy: string,
): { actions: WatcherActions; seconds: number } | undefined {
  const file =
    scenario.solutionsDir &&
    path.join(scenario.solutionsDir, `solution-${scenario.size}-seed42-${strategy}.json`);
  if (!file || !existsSync(file)) return undefined;
  const solution = JSON.parse(readFileSync(file, 'utf8')) as {
    result: { execute_wall_s: number };
    actions: WatcherActions;
  };
  return { actions: solution.actions, seconds: solution.result.execute_wall_s };
}

const sdCell = (before?: BalanceMeasures, after?: BalanceMeasures) =>
  before && after ? `${before.cpuStdDev.toFixed(4)} → ${after.cpuStdDev.toFixed(4)}` : '–';
const overCell = (before?: BalanceMeasures, after?: BalanceMeasures) =>
  before && after ? `${before.hostsAtOrAboveThreshold} → ${after.hostsAtOrAboveThreshold}` : '–';

function verdictOf(row: BalancingRow, watcherMigrations: number | undefined): string | undefined {
  const after = row.after;
  if (!after || !row.steward) return undefined;
  if (row.strategy === 'workload_stabilization') {
    const reached = after.cpuStdDev < SD_TARGET ? `sd < ${SD_TARGET}` : `sd NOT under ${SD_TARGET}`;
    if (watcherMigrations === undefined) return reached;
    const fewer =
      after.migrations < watcherMigrations
        ? `fewer migrations than Watcher (${after.migrations} < ${watcherMigrations})`
        : after.migrations === watcherMigrations
          ? `as many migrations as Watcher (${after.migrations})`
          : `MORE migrations than Watcher (${after.migrations} > ${watcherMigrations})`;
    return `${reached}, ${fewer}`;
  }
  if (row.parameters?.max_migrations === 0) {
    const cleared =
      after.hostsAtOrAboveThreshold === 0
        ? `no host ≥ ${THRESHOLD_PCT} %`
        : `${after.hostsAtOrAboveThreshold} hosts still ≥ ${THRESHOLD_PCT} %`;
    const bound =
      row.lowerBound === undefined
        ? ''
        : after.migrations === row.lowerBound
          ? `, = the lower bound (${row.lowerBound})`
          : `, ${after.migrations - row.lowerBound} above the lower bound (${row.lowerBound})`;
    return cleared + bound;
  }
  return watcherMigrations === undefined
    ? undefined
    : `upstream's one move per audit (Watcher: ${watcherMigrations})`;
}

export async function runBalancingBench(options: BalancingBenchOptions): Promise<BalancingRow[]> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const wanted = new Set(options.strategies ?? BALANCING_STRATEGIES);
  const cases = CASES.filter((one) => wanted.has(one.strategy));
  const { scenarios, skipped } = scenariosFor({
    sizes: options.sizes,
    variants: ['ratio-1.0'],
    sharedScenarios: options.sharedScenarios,
  });
  out(
    `\nBalancing strategies: ${[...new Set(cases.map((one) => one.strategy))].join(', ')}, allocation ratios 1.0` +
      `\n  measured apart from the strategies on the scenario's metrics: host CPU standard deviation (workload_stabilization's target: under ${SD_TARGET}) and hosts whose instances use ≥ ${THRESHOLD_PCT} % of their vCPUs (workload_balance's threshold), before → after` +
      '\n  find. = plan validator findings (Watcher’s plans in their recorded order); speed-up = Watcher’s time for the same strategy / Steward’s',
  );
  for (const line of skipped) out(`skipped ${line}`);
  const rows: BalancingRow[] = [];
  for (const scenario of scenarios) {
    const scenarioRows: BalancingRow[] = [];
    const watcherMigrations = new Map<BalancingStrategy, number>();
    const watcherTiming = new Map<BalancingStrategy, Omit<WatcherTiming, 'actions'>>();
    // Watcher's plans (this run's, else the recorded ones), measured and validated on the scenario loaded here.
    const loaded = 'file' in scenario.source ? loadScenario(scenario.source.file) : undefined;
    for (const strategy of new Set(cases.map((one) => one.strategy))) {
      let actions: WatcherActions | undefined;
      let watcher: Omit<WatcherTiming, 'actions'> | undefined;
      let label = '';
      if (options.watcherSizes.has(scenario.size)) {
        const live = await medianOf(options.runsOf(scenario.size), () =>
          runWatcher(
            options.watcherPeer,
            'ratio-1.0',
            scenario.size,
            strategy,
            options.watcherTimeoutSeconds,
          ),
        );
        const { actions: liveActions, ...timing } = live;
        actions = liveActions;
        watcher = timing;
        label = `Watcher ${strategy}, this run`;
      } else {
        const recorded = recordedPlan(scenario, strategy);
        if (recorded) {
          actions = recorded.actions;
          watcher = { seconds: recorded.seconds, source: 'recorded' };
          label = `Watcher ${strategy}, recorded plan`;
        }
      }
      if (watcher) watcherTiming.set(strategy, watcher);
      if (!watcher || !loaded) continue;
      const row: BalancingRow = {
        scenario: scenario.label,
        size: scenario.size,
        plan: label,
        strategy,
        steward: false,
        watcher,
        ...(watcher.error && { error: `Watcher: ${watcher.error}` }),
      };
      if (actions) {
        const inputs = {
          model: loaded.model,
          hostCpuPct: new Map(loaded.document.nodes.map((n) => [n.hostname, n.metrics.host_cpu_usage ?? 0])),
          instanceCpuPct: new Map(
            loaded.document.instances.map((i) => [i.uuid, i.metrics.instance_cpu_usage ?? 0]),
          ),
        };
        const moves = actions.map((action) => ({
          actionType: action.action_type,
          inputParameters: action.input_parameters,
        }));
        row.before = measureBalance(inputs);
        row.after = measureBalance(inputs, moves);
        row.lowerBound = thresholdLowerBound(inputs);
        const replayed = replayPlan(loaded.model, moves, { instanceCpuPct: inputs.instanceCpuPct });
        const chained = replayed.actions.map((action, index) => ({
          uuid: `w${index}`,
          ...action,
          parents: index === 0 ? [] : [`w${index - 1}`],
        }));
        const findings = validatePlan(loaded.model, chained);
        row.findings = findings.length;
        if (findings[0]) row.firstFinding = `${findings[0].rule}: ${findings[0].reason}`;
        watcherMigrations.set(strategy, row.after.migrations);
      }
      scenarioRows.push(row);
    }
    for (const one of cases) {
      const row: BalancingRow = {
        scenario: scenario.label,
        size: scenario.size,
        plan: one.label,
        strategy: one.strategy,
        steward: true,
        ...(one.parameters && { parameters: one.parameters }),
      };
      try {
        const spec: CaseSpec = {
          scenario: scenario.source,
          strategy: one.strategy,
          measures: 'balance',
          ...(one.parameters && { parameters: one.parameters }),
        };
        const runs: CaseResult[] = [];
        for (let run = 0; run < options.runsOf(scenario.size); run++)
          runs.push(await childCase(spec, options.caseTimeoutSeconds));
        const times = runs.map((result) => result.executeSeconds ?? Number.NaN);
        row.result = { ...runs.at(-1)!, executeSeconds: median(times) };
        if (runs.length > 1) row.executeSecondsAll = times;
        const balance = row.result.balance;
        if (balance) {
          row.before = balance.before;
          row.after = balance.after;
          row.lowerBound = balance.lowerBound;
        }
        if (row.result.findings !== undefined) row.findings = row.result.findings;
        if (row.result.firstFinding) row.firstFinding = row.result.firstFinding;
      } catch (error) {
        row.error = (error as Error).message;
      }
      const watcher = watcherTiming.get(one.strategy);
      if (watcher) row.watcher = watcher;
      const steward = row.result?.executeSeconds;
      if (steward !== undefined && steward > 0 && watcher && Number.isFinite(watcher.seconds))
        row.speedup = watcher.seconds / steward;
      const verdict = verdictOf(row, watcherMigrations.get(one.strategy));
      if (verdict) row.verdict = verdict;
      scenarioRows.push(row);
    }
    rows.push(...scenarioRows);
    printScenario(out, scenario, scenarioRows);
  }
  return rows;
}

function printScenario(out: (line: string) => void, scenario: Scenario, rows: readonly BalancingRow[]): void {
  const lowerBound = rows.find((row) => row.lowerBound !== undefined)?.lowerBound;
  out(
    `\n${scenario.label}${lowerBound === undefined ? '' : `: at least ${lowerBound} migrations bring every host under ${THRESHOLD_PCT} % (lower bound)`}`,
  );
  out(
    `  ${'plan'.padEnd(44)} ${'migr.'.padStart(6)} ${'CPU sd before → after'.padStart(22)} ${`≥ ${THRESHOLD_PCT} %`.padStart(11)} ${'find.'.padStart(6)} ${'time s'.padStart(9)} ${'cpu s'.padStart(8)} ${'peak MB'.padStart(8)} ${'Watcher s'.padStart(18)} ${'speed-up'.padStart(9)}  check`,
  );
  for (const row of rows) {
    const watcher = row.watcher;
    const watcherCell = !watcher
      ? '–'
      : watcher.error && !watcher.timedOut
        ? 'failed'
        : `${watcher.timedOut ? '>' : ''}${formatSeconds(watcher.seconds)} ${watcher.source === 'live' ? 'same run' : 'recorded'}`;
    const speedup =
      row.speedup === undefined
        ? '–'
        : `${watcher?.timedOut ? '>' : ''}${row.speedup >= 100 ? row.speedup.toFixed(0) : row.speedup.toFixed(1)}×`;
    const belowTarget =
      row.steward &&
      row.size === '1000x10000' &&
      row.speedup !== undefined &&
      !watcher?.timedOut &&
      row.parameters === undefined &&
      row.speedup < SPEED_TARGET[row.strategy];
    out(
      `  ${row.plan.padEnd(44)} ${String(row.after?.migrations ?? '–').padStart(6)} ${sdCell(row.before, row.after).padStart(22)} ${overCell(row.before, row.after).padStart(11)} ${String(row.findings ?? '–').padStart(6)} ${(row.steward ? formatSeconds(row.result?.executeSeconds) : '–').padStart(9)} ${(row.steward ? formatSeconds(row.result?.executeCpuSeconds) : '–').padStart(8)} ${String(row.result?.peakRssMb ?? row.watcher?.peakRssMb ?? '–').padStart(8)} ${watcherCell.padStart(18)} ${speedup.padStart(9)}` +
        (row.verdict ? `  ${row.verdict}` : '') +
        (belowTarget ? `  BELOW TARGET (${SPEED_TARGET[row.strategy]}× Watcher)` : '') +
        (row.error ? `  error: ${row.error.slice(0, 120)}` : '') +
        (row.result?.checkError ? `  ${row.result.checkError.slice(0, 120)}` : '') +
        (row.firstFinding ? `  first finding: ${row.firstFinding}` : ''),
    );
  }
}
