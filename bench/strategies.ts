/**
 * `npm run bench -- strategies`: every registered strategy of the server_consolidation and saving_energy goals on
 * every scenario size, ratios 1.0 and overcommitted (vCPU 4.0, RAM 1.5), plus a generated 10,000-host /
 * 100,000-instance cluster. Each case runs in its own process (bench/strategy-case.ts) so time and peak RSS are its
 * own; a load-only process per scenario gives the memory baseline. Beside each plan: the lower bounds computed from
 * the scenario, the replay (empty hosts, migrations, state changes, highest measured host CPU) and the plan
 * validator's findings; Watcher's recorded plans go through the same replay and validator.
 *
 * Baseline for time: the real Watcher 9.0.0 (`shared/peers/watcher/strategy_bench.py`) on the same cluster, in the
 * same run when it is installed (small sizes by default; `--watcher-sizes 1000x10000` opts into runs of many
 * minutes, bounded by `--watcher-timeout`), otherwise its timings recorded in the scenarios' READMEs, labelled so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { consolidationBounds, type ConsolidationBounds } from '../src/scenarios/consolidation-bounds.js';
import { minimumMigrations, type MilpOptimum } from './consolidation-milp.js';
import { loadScenario } from '../src/scenarios/load-scenario.js';
import { replayPlan, type ReplayOutcome } from '../src/scenarios/plan-replay.js';
import { strategies } from '../src/strategies/index.js';
import { validatePlan } from '../src/strategies/plan-validator.js';
import type { CaseResult, CaseSpec, ScenarioSource } from './strategy-case.js';
import { WATCHER_RECORDED, type RecordedTiming } from './watcher-recorded.js';
import type { BalancingRow } from './balancing.js';
import type { StorageRow } from './storage.js';

export const VARIANTS = ['ratio-1.0', 'overcommit'] as const;
export type Variant = (typeof VARIANTS)[number];
export const SIZES = ['10x50', '100x1000', '1000x10000', '10000x100000'] as const;
const GOALS = new Set(['server_consolidation', 'saving_energy']);
const RATIOS: Record<Variant, { vcpu: number; memory: number; disk: number }> = {
  'ratio-1.0': { vcpu: 1, memory: 1, disk: 1 },
  overcommit: { vcpu: 4, memory: 1.5, disk: 1 },
};
/** Up to this many instances the MILP reference is solved (10x50 in a second; 100x1000 is not proven in minutes). */
const MILP_MAX_INSTANCES = 200;
/** Targets of issue 12 for the generated cluster. */
const GENERATED_TARGET = { seconds: 60, peakRssMb: 4096 };

export interface StrategiesBenchOptions {
  sizes?: readonly string[];
  variants?: readonly Variant[];
  /**
   * Registered strategy names; default every strategy of the consolidation and energy goals, the balancing
   * strategies (workload_stabilization, workload_balance) and the storage ones (zone_migration,
   * storage_capacity_balance), each in its own section.
   */
  strategies?: readonly string[];
  /** Generated clusters with storage for the storage strategies, `<hosts>x<volumes>` (default 1000x10000). */
  storageSizes?: readonly string[];
  /** Sizes Watcher runs at in this run when installed (default 10x50 and 100x1000); empty: none. */
  watcherSizes?: readonly string[];
  watcherTimeoutSeconds?: number;
  caseTimeoutSeconds?: number;
  /** Runs of each case (Steward and Watcher alike) on clusters of at most 1,000 instances; the median time is shown. */
  repeat?: number;
  /** The shared data folder holding the 1000x10000 archives (default ../shared/data/scenarios). */
  sharedScenarios?: string;
  /** The Watcher peer's folder (default ../shared/peers/watcher). */
  watcherPeer?: string;
  out?: (line: string) => void;
}

export interface Scenario {
  variant: Variant;
  size: string;
  label: string;
  source: ScenarioSource;
  /** Where Watcher's recorded plans for it are (solution-<size>-seed42-<strategy>.json), if anywhere. */
  solutionsDir?: string;
}

export type WatcherActions = { action_type: string; input_parameters: Record<string, unknown> }[];

export interface WatcherTiming {
  seconds: number;
  source: 'live' | 'recorded';
  /** The plan Watcher made in this run (from strategy_bench.py's dump). */
  actions?: WatcherActions;
  timedOut?: boolean;
  peakRssMb?: number;
  error?: string;
}

export interface StrategyRow {
  scenario: string;
  variant: Variant;
  size: string;
  plan: string;
  steward: boolean;
  result?: CaseResult;
  replay?: Omit<ReplayOutcome, 'actions'>;
  findings?: number;
  watcher?: WatcherTiming;
  /** Every run's execute() seconds when the case ran more than once (`result.executeSeconds` is their median). */
  executeSecondsAll?: number[];
  /** Watcher's seconds / Steward's seconds. */
  speedup?: number;
  error?: string;
}

export interface StrategiesBenchResult {
  scenarios: {
    label: string;
    bounds: ConsolidationBounds | undefined;
    /** The exact fewest migrations for the bound's empty hosts (HiGHS), on clusters small enough to prove it. */
    milp?: MilpOptimum;
    loadOnly?: CaseResult;
    error?: string;
  }[];
  rows: StrategyRow[];
  watcherInstalled: boolean;
  /** workload_stabilization and workload_balance (bench/balancing.ts). */
  balancing?: BalancingRow[];
  /** zone_migration and storage_capacity_balance on generated storage (bench/storage.ts). */
  storage?: StorageRow[];
}

const [hostsOf, instancesOf] = [
  (size: string) => Number(size.split('x')[0]),
  (size: string) => Number(size.split('x')[1]),
];

export function childCase(spec: CaseSpec, timeoutSeconds: number): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--max-old-space-size=8192',
        '--import',
        'tsx',
        'bench/strategy-case.ts',
        JSON.stringify(spec),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('RESULT '));
      const planned = stdout.split('\n').find((candidate) => candidate.startsWith('PLANNED '));
      const failure =
        signal === 'SIGKILL'
          ? `timed out after ${timeoutSeconds} s`
          : `exited with ${String(code)}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      if (line) resolve(JSON.parse(line.slice(7)) as CaseResult);
      else if (planned)
        resolve({
          ...(JSON.parse(planned.slice(8)) as CaseResult),
          checkError: `checking the plan ${failure}`,
        });
      else {
        const error = stdout.split('\n').find((candidate) => candidate.startsWith('ERROR '));
        reject(
          new Error(
            signal === 'SIGKILL'
              ? `timed out after ${timeoutSeconds} s`
              : (error?.slice(6) ??
                  `exited with ${String(code)}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`),
          ),
        );
      }
    });
  });
}

/** Debian's python3 with python3-watcher, as the peer's README requires. */
export function watcherInstalled(): boolean {
  return (
    spawnSync('/usr/bin/python3', ['-c', 'import watcher.decision_engine'], { stdio: 'ignore' }).status === 0
  );
}

export function runWatcher(
  peer: string,
  variant: Variant,
  size: string,
  strategy: string,
  timeoutSeconds: number,
): Promise<WatcherTiming> {
  const dumpDir = path.resolve('.bench', 'watcher', variant);
  mkdirSync(dumpDir, { recursive: true });
  return new Promise((resolve) => {
    const ratios = RATIOS[variant];
    const child = spawn(
      '/usr/bin/python3',
      [
        'strategy_bench.py',
        '--dump-dir',
        dumpDir,
        '--one',
        String(hostsOf(size)),
        String(instancesOf(size)),
        strategy,
      ],
      {
        cwd: peer,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          ...(variant === 'overcommit' && { FAKE_RATIOS: `${ratios.vcpu},${ratios.memory},${ratios.disk}` }),
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('RESULT '));
      if (signal === 'SIGKILL')
        resolve({
          seconds: timeoutSeconds,
          source: 'live',
          timedOut: true,
          error: `timeout after ${timeoutSeconds} s`,
        });
      else if (!line)
        resolve({
          seconds: Number.NaN,
          source: 'live',
          error: stderr.trim().split('\n').slice(-1)[0] ?? 'no result',
        });
      else {
        const result = JSON.parse(line.slice(7)) as { execute_wall_s: number; max_rss_mb: number };
        const dumped = path.join(dumpDir, `solution-${size}-seed42-${strategy}.json`);
        const actions = existsSync(dumped)
          ? (JSON.parse(readFileSync(dumped, 'utf8')) as { actions: WatcherActions }).actions
          : undefined;
        resolve({
          seconds: result.execute_wall_s,
          source: 'live',
          peakRssMb: result.max_rss_mb,
          ...(actions && { actions }),
        });
      }
    });
  });
}

/** The 1000x10000 clusters and Watcher's plans for them, from the shared archives, into .bench/ (never committed). */
function extractArchive(archive: string, into: string): string | undefined {
  if (existsSync(path.join(into, 'scenario-1000x10000-seed42.json'))) return into;
  if (!existsSync(archive)) return undefined;
  mkdirSync(into, { recursive: true });
  const result = spawnSync('tar', ['xzf', archive, '-C', into], { stdio: 'inherit' });
  return result.status === 0 ? into : undefined;
}

export function scenariosFor(
  options: Required<Pick<StrategiesBenchOptions, 'sizes' | 'variants' | 'sharedScenarios'>>,
): {
  scenarios: Scenario[];
  skipped: string[];
} {
  const scenarios: Scenario[] = [];
  const skipped: string[] = [];
  for (const variant of options.variants) {
    const fixtures =
      variant === 'overcommit' ? 'test/fixtures/scenarios/overcommit' : 'test/fixtures/scenarios';
    for (const size of options.sizes) {
      const label = `${size} ${variant === 'overcommit' ? 'overcommit (vCPU 4.0, RAM 1.5)' : 'ratios 1.0'}`;
      if (size === '10x50' || size === '100x1000') {
        const file = `${fixtures}/scenario-${size}-seed42.json`;
        scenarios.push({ variant, size, label, source: { file }, solutionsDir: fixtures });
      } else if (size === '1000x10000') {
        const archive =
          variant === 'overcommit'
            ? path.join(options.sharedScenarios, 'overcommit', 'watcher-overcommit-1000x10000.tar.gz')
            : path.join(options.sharedScenarios, 'watcher-bench-1000x10000.tar.gz');
        const dir = extractArchive(archive, path.join('.bench', 'scenarios', variant));
        if (!dir) skipped.push(`${label}: ${archive} not found`);
        else
          scenarios.push({
            variant,
            size,
            label,
            source: { file: path.join(dir, 'scenario-1000x10000-seed42.json') },
            solutionsDir: dir,
          });
      } else {
        scenarios.push({
          variant,
          size,
          label: `${label}, generated (seed 42)`,
          source: {
            generate: {
              hosts: hostsOf(size),
              instances: instancesOf(size),
              seed: 42,
              ratios: RATIOS[variant],
            },
          },
        });
      }
    }
  }
  return { scenarios, skipped };
}

/** Watcher's recorded consolidation plans for a scenario: the solution files whose indicators release nodes. */
function recordedPlans(scenario: Scenario): {
  strategy: string;
  actions: { action_type: string; input_parameters: Record<string, unknown> }[];
  seconds: number;
}[] {
  const dir = scenario.solutionsDir;
  if (!dir || !existsSync(dir)) return [];
  const prefix = `solution-${scenario.size}-seed42-`;
  return readdirSync(dir)
    .filter((file) => file.startsWith(prefix) && file.endsWith('.json'))
    .sort()
    .flatMap((file) => {
      const solution = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
        result: { strategy: string; execute_wall_s: number; efficacy_indicators: Record<string, number> };
        actions: { action_type: string; input_parameters: Record<string, unknown> }[];
      };
      if (!('released_compute_nodes_count' in solution.result.efficacy_indicators)) return [];
      return [
        {
          strategy: solution.result.strategy,
          actions: solution.actions,
          seconds: solution.result.execute_wall_s,
        },
      ];
    });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Runs a Watcher case `runs` times (fresh process each) and keeps the last plan with the median time. */
export async function medianOf(runs: number, run: () => Promise<WatcherTiming>): Promise<WatcherTiming> {
  const results: WatcherTiming[] = [];
  for (let index = 0; index < runs; index++) {
    const result = await run();
    results.push(result);
    if (result.error) return result;
  }
  return { ...results.at(-1)!, seconds: median(results.map((result) => result.seconds)) };
}

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);

export function formatSeconds(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  return value < 0.01 ? value.toFixed(4) : value < 10 ? value.toFixed(3) : value.toFixed(1);
}

function watcherCell(watcher: WatcherTiming | undefined): string {
  if (!watcher) return '–';
  if (watcher.error && !watcher.timedOut) return 'failed';
  const value = `${watcher.timedOut ? '>' : ''}${formatSeconds(watcher.seconds)}`;
  return `${value} ${watcher.source === 'live' ? 'same run' : 'recorded'}`;
}

export async function runStrategiesBench(
  options: StrategiesBenchOptions = {},
): Promise<StrategiesBenchResult> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const sizes = options.sizes ?? SIZES;
  const variants = options.variants ?? VARIANTS;
  const caseTimeout = options.caseTimeoutSeconds ?? 900;
  // As Watcher's own timings were taken: the median of 3 on the small clusters, one run on the large ones.
  const runsOf = (size: string): number => (instancesOf(size) <= 1000 ? Math.max(1, options.repeat ?? 3) : 1);
  const watcherTimeout = options.watcherTimeoutSeconds ?? 1800;
  const peer = options.watcherPeer ?? '../shared/peers/watcher';
  const installed = existsSync(path.join(peer, 'strategy_bench.py')) && watcherInstalled();
  const watcherSizes = new Set(installed ? (options.watcherSizes ?? ['10x50', '100x1000']) : []);
  const { BALANCING_STRATEGIES, runBalancingBench } = await import('./balancing.js');
  const { STORAGE_STRATEGIES, runStorageBench } = await import('./storage.js');
  const isIn = (list: readonly string[]) => (name: string) => list.includes(name);
  const requested = options.strategies;
  // Each strategy goes to its section: balancing and storage plans are measured by other yardsticks.
  const selected = requested
    ? requested
        .filter((name) => !isIn(BALANCING_STRATEGIES)(name) && !isIn(STORAGE_STRATEGIES)(name))
        .map((name) => strategies.require(name))
    : strategies.all.filter((strategy) => GOALS.has(strategy.goal.name));
  const { scenarios, skipped } = scenariosFor({
    sizes,
    variants,
    sharedScenarios: options.sharedScenarios ?? '../shared/data/scenarios',
  });
  const result: StrategiesBenchResult = { scenarios: [], rows: [], watcherInstalled: installed };
  const balancing = requested ? requested.filter(isIn(BALANCING_STRATEGIES)) : BALANCING_STRATEGIES;
  const storage = requested ? requested.filter(isIn(STORAGE_STRATEGIES)) : STORAGE_STRATEGIES;
  const others = async () => {
    if (balancing.length > 0 && variants.includes('ratio-1.0'))
      result.balancing = await runBalancingBench({
        sizes,
        strategies: balancing,
        watcherSizes,
        watcherTimeoutSeconds: watcherTimeout,
        watcherPeer: peer,
        caseTimeoutSeconds: caseTimeout,
        runsOf,
        sharedScenarios: options.sharedScenarios ?? '../shared/data/scenarios',
        out,
      });
    if (storage.length > 0)
      result.storage = await runStorageBench({
        sizes: options.storageSizes ?? ['1000x10000'],
        strategies: storage,
        ...(options.repeat !== undefined && { repeat: options.repeat }),
        caseTimeoutSeconds: caseTimeout,
        childCase,
        out,
      });
    return result;
  };
  if (requested && selected.length === 0) return others();

  out(
    `\nConsolidation strategies: ${selected.map((strategy) => strategy.name).join(', ') || 'none registered for server_consolidation or saving_energy'}` +
      `\nWatcher 9.0.0 peer: ${installed ? `installed; run in this run at ${[...watcherSizes].join(', ') || 'no size'}` : 'not installed'}; other Watcher times are the READMEs' recorded ones.` +
      '\nEach Steward case in its own process; time = strategy execute() (Watcher: the same, strategy_bench.py); peak = the process peak RSS (loaded = after loading the scenario).',
  );
  for (const line of skipped) out(`skipped ${line}`);

  for (const scenario of scenarios) {
    let bounds: ConsolidationBounds | undefined;
    let loadOnly: CaseResult | undefined;
    try {
      loadOnly = await childCase({ scenario: scenario.source }, caseTimeout);
    } catch (error) {
      result.scenarios.push({ label: scenario.label, bounds, error: (error as Error).message });
      out(`\n${scenario.label}: cannot load: ${(error as Error).message}`);
      continue;
    }
    // Watcher first, in this run where asked: its plans are replayed below with the recorded ones.
    const live = new Map<string, WatcherTiming>();
    if (watcherSizes.has(scenario.size))
      for (const strategy of selected)
        live.set(
          strategy.name,
          await medianOf(runsOf(scenario.size), () =>
            runWatcher(peer, scenario.variant, scenario.size, strategy.name, watcherTimeout),
          ),
        );
    const watcherPlans = [
      ...recordedPlans(scenario)
        .filter((plan) => !live.get(plan.strategy)?.actions)
        .map((plan) => ({
          label: `Watcher ${plan.strategy}, recorded plan`,
          actions: plan.actions,
          watcher: { seconds: plan.seconds, source: 'recorded' as const },
        })),
      ...[...live].flatMap(([name, watcher]) =>
        watcher.actions ? [{ label: `Watcher ${name}, this run`, actions: watcher.actions, watcher }] : [],
      ),
    ];
    const rows: StrategyRow[] = [];
    // Watcher's plans go through the same replay and validator, on the scenario loaded here (files only).
    if (watcherPlans.length > 0 && 'file' in scenario.source) {
      const loaded = loadScenario(scenario.source.file);
      bounds = consolidationBounds(loaded.model);
      const cpu = new Map(loaded.document.instances.map((i) => [i.uuid, i.metrics.instance_cpu_usage ?? 0]));
      for (const plan of watcherPlans) {
        const replayed = replayPlan(
          loaded.model,
          plan.actions.map((action) => ({
            actionType: action.action_type,
            inputParameters: action.input_parameters,
          })),
          { instanceCpuPct: cpu },
        );
        // Watcher's action lists are validated in their order: each action waits for the one before it.
        const chained = replayed.actions.map((action, index) => ({
          uuid: `w${index}`,
          ...action,
          parents: index === 0 ? [] : [`w${index - 1}`],
        }));
        const { actions: _actions, ...replay } = replayed;
        const { actions: _plan, ...watcher } = plan.watcher as WatcherTiming;
        rows.push({
          scenario: scenario.label,
          variant: scenario.variant,
          size: scenario.size,
          plan: plan.label,
          steward: false,
          replay,
          findings: validatePlan(loaded.model, chained).length,
          watcher,
        });
      }
    }
    for (const strategy of selected) {
      const row: StrategyRow = {
        scenario: scenario.label,
        variant: scenario.variant,
        size: scenario.size,
        plan: strategy.name,
        steward: true,
      };
      try {
        const runs: CaseResult[] = [];
        for (let run = 0; run < runsOf(scenario.size); run++)
          runs.push(await childCase({ scenario: scenario.source, strategy: strategy.name }, caseTimeout));
        const times = runs.map((one) => one.executeSeconds ?? Number.NaN);
        row.result = { ...runs.at(-1)!, executeSeconds: median(times) };
        if (runs.length > 1) row.executeSecondsAll = times;
        row.replay = row.result.replay;
        row.findings = row.result.findings;
        bounds ??= row.result.bounds;
      } catch (error) {
        row.error = (error as Error).message;
      }
      const recordedTiming: RecordedTiming | undefined =
        WATCHER_RECORDED[scenario.variant][strategy.name]?.[scenario.size];
      const ran = live.get(strategy.name);
      if (ran) {
        const { actions: _actions, ...timing } = ran;
        row.watcher = timing;
      } else if (recordedTiming)
        row.watcher = {
          seconds: recordedTiming.seconds,
          source: 'recorded',
          ...(recordedTiming.timedOut && { timedOut: true }),
        };
      const steward = row.result?.executeSeconds;
      if (steward !== undefined && steward > 0 && row.watcher && Number.isFinite(row.watcher.seconds))
        row.speedup = row.watcher.seconds / steward;
      rows.push(row);
    }
    bounds ??= loadOnly.bounds;
    const milp =
      bounds && 'file' in scenario.source && loadOnly.instances <= MILP_MAX_INSTANCES
        ? await minimumMigrations(loadScenario(scenario.source.file).model, bounds.maxEmptyHosts, {
            timeLimitSeconds: 120,
          })
        : undefined;
    result.scenarios.push({ label: scenario.label, bounds, ...(milp && { milp }), loadOnly });
    result.rows.push(...rows);
    printScenario(out, scenario, bounds, milp, loadOnly, rows);
  }
  return others();
}

function printScenario(
  out: (line: string) => void,
  scenario: Scenario,
  bounds: ConsolidationBounds | undefined,
  milp: MilpOptimum | undefined,
  loadOnly: CaseResult,
  rows: readonly StrategyRow[],
): void {
  out(
    `\n${scenario.label}: ${loadOnly.hosts} hosts, ${loadOnly.instances} instances; load ${formatSeconds(loadOnly.loadSeconds)} s, ${loadOnly.rssLoadedMb} MB loaded (baseline)`,
  );
  if (bounds)
    out(
      `  bounds: at most ${bounds.maxEmptyHosts} empty hosts (${bounds.minHostsInUse} in use by ${bounds.binding}; ${bounds.emptyBefore} empty before), ` +
        `at least ${bounds.minMigrations} migrations to get there`,
    );
  if (milp)
    out(
      milp.migrations === undefined
        ? `  MILP (HiGHS): no proven optimum for ${milp.emptyHosts} empty hosts (${milp.status}, ${formatSeconds(milp.seconds)} s)`
        : `  MILP (HiGHS): the fewest migrations emptying ${milp.emptyHosts} hosts is ${milp.migrations} (${milp.status}, ${formatSeconds(milp.seconds)} s); a plan's gap = its migrations − ${milp.migrations}`,
    );
  out(
    `  ${'plan'.padEnd(50)} ${'empty'.padStart(6)} ${'migr.'.padStart(6)} ${'svc'.padStart(5)} ${'pwr'.padStart(5)} ${'find.'.padStart(6)} ${'max CPU %'.padStart(9)} ${'time s'.padStart(9)} ${'cpu s'.padStart(8)} ${'peak MB'.padStart(8)} ${'Watcher s'.padStart(18)} ${'speed-up'.padStart(9)}`,
  );
  for (const row of rows) {
    const replay = row.replay;
    const peak =
      row.result?.peakRssMb ?? (row.watcher?.source === 'live' ? row.watcher.peakRssMb : undefined);
    const generated = 'generate' in scenario.source;
    const overTarget =
      generated && row.result
        ? (row.result.executeSeconds ?? 0) > GENERATED_TARGET.seconds ||
          (peak ?? 0) > GENERATED_TARGET.peakRssMb
        : false;
    out(
      `  ${row.plan.padEnd(50)} ${String(replay?.emptyHostsAfter ?? '–').padStart(6)} ${String(replay?.migrations ?? '–').padStart(6)} ${String(replay?.serviceStateChanges ?? '–').padStart(5)} ${String(replay?.powerStateChanges ?? '–').padStart(5)} ${String(row.findings ?? '–').padStart(6)} ${fixed(replay?.maxHostCpuPct, 1).padStart(9)} ${(row.steward ? formatSeconds(row.result?.executeSeconds) : '–').padStart(9)} ${(row.steward ? formatSeconds(row.result?.executeCpuSeconds) : '–').padStart(8)} ${String(peak ?? '–').padStart(8)} ${watcherCell(row.watcher).padStart(18)} ${(row.speedup === undefined ? '–' : `${row.watcher?.timedOut ? '>' : ''}${row.speedup >= 100 ? row.speedup.toFixed(0) : row.speedup.toFixed(1)}×`).padStart(9)}` +
        (row.error ? `  error: ${row.error}` : '') +
        (row.result?.checkError ? `  ${row.result.checkError.slice(0, 120)}` : '') +
        (row.watcher?.error ? `  Watcher: ${row.watcher.error.slice(0, 100)}` : '') +
        (row.result?.firstFinding ? `  first finding: ${row.result.firstFinding}` : '') +
        (overTarget
          ? `  ABOVE TARGET (${GENERATED_TARGET.seconds} s, ${GENERATED_TARGET.peakRssMb} MB)`
          : ''),
    );
  }
}
