/**
 * `npm run bench`: every benchmark, each reported against a baseline measured in the same run, printed and
 * written to .bench/results.json. Benchmarks are not tests: nothing here fails a build.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runApiBench, type ApiBenchRow } from './api.js';

const { positionals: only, values: flags } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    // strategies: which clusters, variants, strategies, and how far the Watcher peer runs in the same run.
    sizes: { type: 'string' },
    variants: { type: 'string' },
    strategies: { type: 'string' },
    'storage-sizes': { type: 'string' },
    'watcher-sizes': { type: 'string' },
    'watcher-timeout': { type: 'string' },
    'case-timeout': { type: 'string' },
    repeat: { type: 'string' },
    // applier: the size of the overhead plan, of the parallel plan, and which parallelisms (shorter runs).
    actions: { type: 'string' },
    migrations: { type: 'string' },
    parallelisms: { type: 'string' },
  },
});
const list = (value: string | undefined): string[] | undefined =>
  value === undefined ? undefined : value.split(',').filter((item) => item !== '');
const wanted = (name: string) => only.length === 0 || only.includes(name);
const results: Record<string, unknown> = {};

if (wanted('api')) {
  const rows: ApiBenchRow[] = [];
  for (const dialect of ['pglite', 'postgres'] as const) rows.push(...(await runApiBench({ dialect })));
  results.api = rows;
  process.stdout.write(
    '\nAPI (autocannon, 10 connections, 5 s each; baseline = a bare Fastify route in the same run)\n',
  );
  process.stdout.write(
    `${'route'.padEnd(40)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'bare req/s'.padStart(11)} ${'ratio'.padStart(7)} ${'p99 ratio'.padStart(10)} errors\n`,
  );
  for (const row of rows) {
    process.stdout.write(
      `${row.name.padEnd(40)} ${row.requestsPerSecond.toFixed(0).padStart(9)} ${row.p50Ms.toFixed(1).padStart(8)} ${row.p99Ms.toFixed(1).padStart(8)} ${row.baselineRequestsPerSecond.toFixed(0).padStart(11)} ${row.throughputRatio.toFixed(3).padStart(7)} ${row.p99Ratio.toFixed(1).padStart(10)} ${row.errors}\n`,
    );
  }
}

if (wanted('auth')) {
  const { runAuthBench } = await import('./auth.js');
  const result = await runAuthBench();
  results.auth = result;
  const list = (values: number[], digits = 0) => values.map((value) => value.toFixed(digits)).join(' / ');
  process.stdout.write(
    `\nAuth (autocannon, 10 connections, 5 s per round, rounds alternating): GET /v1/goals\n` +
      `  noauth                     req/s ${list(result.noauthRequestsPerSecond)}  p99 ms ${list(result.noauthP99Ms, 1)}\n` +
      `  Keystone token (cached)    req/s ${list(result.keystoneRequestsPerSecond)}  p99 ms ${list(result.keystoneP99Ms, 1)}\n` +
      `  ratio ${result.ratio.toFixed(3)} (target > 0.8); calls to Keystone ${result.keystoneCalls}; errors ${result.errors}\n`,
  );
}

if (wanted('notification-ingest')) {
  const { runNotificationIngestBench, runCollectorIngestBench } = await import('./notification-ingest.js');
  const bus = await runNotificationIngestBench({});
  const collector = await runCollectorIngestBench({});
  results['notification-ingest'] = [bus, collector];
  for (const [label, result] of [
    ['AmqpBus only', bus],
    ['AmqpBus + live compute model (1,000 hosts / 10,000 instances)', collector],
  ] as const) {
    process.stdout.write(
      `\nNotification ingest over RabbitMQ, ${label}: ${result.value.toFixed(0)} ${result.unit} (baseline raw amqplib ${result.baseline.toFixed(0)}; ratio ${result.ratio.toFixed(3)}; target ${result.target})\n`,
    );
  }
  process.stdout.write(
    `  collector outcomes: ${JSON.stringify(Object.fromEntries(Object.entries(collector.details).filter(([key]) => key.startsWith('outcome_'))))}\n`,
  );
}

if (wanted('dashboards')) {
  const { runDashboardsBench } = await import('./dashboards.js');
  const result = await runDashboardsBench({
    ...(flags.sizes !== undefined && { hosts: Number(flags.sizes) }),
    ...(flags.repeat !== undefined && { rounds: Number(flags.repeat) }),
  });
  results.dashboards = result;
  process.stdout.write(
    `\nDashboards: 7-day admin dashboard, ${result.hosts} hosts, ${result.points} points × ${result.queries} panels, real Prometheus (one sample per ${result.sampleIntervalSeconds} s)\n` +
      `  raw PromQL (same ${result.queries} query_range calls, parsed)  median ${result.rawMedianMs.toFixed(0)} ms  [${result.rawMs.map((ms) => ms.toFixed(0)).join(', ')}]  ${(result.rawBytes / 1e6).toFixed(1)} MB\n` +
      `  GET /v1/dashboards/admin?range=7d         median ${result.stewardMedianMs.toFixed(0)} ms  [${result.stewardMs.map((ms) => ms.toFixed(0)).join(', ')}]  ${(result.responseBytes / 1e6).toFixed(2)} MB\n` +
      `  ratio ${result.ratio.toFixed(2)} (target <= ${result.target})\n` +
      `  the same view again, from the range cache  median ${result.cachedMedianMs.toFixed(0)} ms  [${result.cachedMs.map((ms) => ms.toFixed(0)).join(', ')}]  (${(result.stewardMedianMs / result.cachedMedianMs).toFixed(1)}x faster than uncached)\n` +
      (result.render
        ? `  first render in headless Chromium, no range cache (cold: bundle + JSON + ${result.hosts}-row table + charts)  median ${result.render.firstRenderMedianMs.toFixed(0)} ms  [${result.render.firstRenderMs.map((ms) => ms.toFixed(0)).join(', ')}]\n` +
          `    of which after the answer arrived  median ${result.render.afterDataMedianMs.toFixed(0)} ms  [${result.render.afterDataMs.map((ms) => ms.toFixed(0)).join(', ')}]\n` +
          `    ratio to the uncached serve time above ${result.render.ratioToServe.toFixed(2)}\n` +
          (result.cachedRender
            ? `  first render, range cache warm  median ${result.cachedRender.firstRenderMedianMs.toFixed(0)} ms  [${result.cachedRender.firstRenderMs.map((ms) => ms.toFixed(0)).join(', ')}]  (after the answer: ${result.cachedRender.afterDataMedianMs.toFixed(0)} ms)\n`
            : '')
        : '  first render: skipped (no /usr/bin/chromium)\n'),
  );
}

if (wanted('model-sync')) {
  const { runModelSyncBench } = await import('./model-sync.js');
  const result = await runModelSyncBench();
  results['model-sync'] = result;
  process.stdout.write(
    `\nFull model sync, ${result.hosts} hosts / ${result.instances} instances over HTTP: ${result.seconds.toFixed(2)} s ` +
      `(baseline bare requests ${result.baselineSeconds.toFixed(2)} s; ratio ${result.ratio.toFixed(2)}; target < ${result.targetSeconds} s; ` +
      `first sync ${result.details.firstSyncSeconds} s)\n`,
  );
}

if (wanted('model-latency')) {
  const { runModelLatencyBench } = await import('./model-latency.js');
  const rows = await runModelLatencyBench();
  results['model-latency'] = rows;
  process.stdout.write(
    '\nLive migration to model (settle: Nova finishes and notifies → destination in the live model), 100 hosts\n',
  );
  for (const row of rows) {
    process.stdout.write(
      `  ${row.bus.padEnd(10)} median ${row.medianMs} ms, max ${row.maxMs} ms over ${row.moves} moves ` +
        `(baseline one bus message ${row.baselineMedianMs} ms; ratio ${row.ratio}; target < ${row.targetMs} ms)\n`,
    );
  }
}

if (wanted('strategies')) {
  const { runStrategiesBench, VARIANTS } = await import('./strategies.js');
  const variants = list(flags.variants);
  const unknown = variants?.filter((variant) => !(VARIANTS as readonly string[]).includes(variant)) ?? [];
  if (unknown.length > 0)
    throw new RangeError(`--variants takes ${VARIANTS.join(', ')}, not ${unknown.join(', ')}`);
  results.strategies = await runStrategiesBench({
    ...(flags.sizes !== undefined && { sizes: list(flags.sizes) }),
    ...(variants && { variants: variants as (typeof VARIANTS)[number][] }),
    ...(flags.strategies !== undefined && { strategies: list(flags.strategies) }),
    ...(flags['storage-sizes'] !== undefined && { storageSizes: list(flags['storage-sizes']) }),
    ...(flags['watcher-sizes'] !== undefined && { watcherSizes: list(flags['watcher-sizes']) }),
    ...(flags['watcher-timeout'] !== undefined && {
      watcherTimeoutSeconds: Number(flags['watcher-timeout']),
    }),
    ...(flags['case-timeout'] !== undefined && { caseTimeoutSeconds: Number(flags['case-timeout']) }),
    ...(flags.repeat !== undefined && { repeat: Number(flags.repeat) }),
  });
}

if (wanted('applier')) {
  const { runApplierOverheadBench, runApplierParallelBench } = await import('./applier.js');
  const overheads = [];
  for (const dialect of ['pglite', 'postgres'] as const)
    overheads.push(
      await runApplierOverheadBench({
        dialect,
        ...(flags.actions !== undefined && { actions: Number(flags.actions) }),
      }),
    );
  const parallel = await runApplierParallelBench({
    ...(flags.migrations !== undefined && { migrations: Number(flags.migrations) }),
    ...(flags.parallelisms !== undefined && { parallelisms: list(flags.parallelisms)!.map(Number) }),
  });
  results.applier = { overhead: overheads, parallel };
  for (const overhead of overheads)
    process.stdout.write(
      `\nApplier workflow overhead, ${overhead.actions} live migrations with instant moves at parallelism 1 (${overhead.dialect}): ` +
        `${overhead.workflowMs} ms (baseline: the same actions' pre-condition, execute and post-condition called directly, ${overhead.baselineMs} ms, of which post-condition ${overhead.baselineVerifyMs} ms; ratio ${overhead.ratio}); ` +
        `overhead ${overhead.overheadPerActionMs} ms per action (target < ${overhead.targetMs} ms; one state write on this store ${overhead.stateWriteMs} ms, two per action); ` +
        `within the workflow's run, beside the actions' own calls: ${overhead.ownPerActionMs} ms per action, of which state changes ${overhead.ownStateChangesPerActionMs} ms; ${overhead.succeeded} succeeded\n`,
    );
  process.stdout.write(
    `\nApplier, ${parallel[0]?.migrations ?? 0}-migration plan (simulated time, 1 GiB/s; baseline: the simulator’s own migration time)\n`,
  );
  process.stdout.write(
    `${'parallelism'.padStart(11)} ${'plan s'.padStart(8)} ${'migrations s'.padStart(13)} ${'ideal s'.padStart(8)} ${'ratio'.padStart(6)} ${'real ms'.padStart(8)} succeeded\n`,
  );
  for (const row of parallel) {
    process.stdout.write(
      `${String(row.parallelism).padStart(11)} ${row.planSeconds.toFixed(1).padStart(8)} ${row.migrationSeconds.toFixed(1).padStart(13)} ${row.idealSeconds.toFixed(1).padStart(8)} ${row.ratio.toFixed(2).padStart(6)} ${String(row.realMs).padStart(8)} ${row.succeeded}\n`,
    );
  }
}

if (wanted('simulator')) {
  const { runSimulatorBench } = await import('./simulator.js');
  const result = await runSimulatorBench();
  results.simulator = result;
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  process.stdout.write(
    `\nSimulator read the way a sync reads it, ${result.hosts} hosts / ${result.instances} instances over HTTP: ` +
      `${ms(result.totalSyncMs)} (servers ${ms(result.serversMs)}, hypervisors ${ms(result.hypervisorsMs)}, ` +
      `usages ${ms(result.usagesMs)}; one all-hosts CPU query ${ms(result.hostCpuQueryMs)}; built in ${ms(result.buildMs)}) ` +
      `(baseline: the server pages serialised in-process ${ms(result.baselineSerializeMs)}; ratio ${(result.serversMs / result.baselineSerializeMs).toFixed(1)})\n`,
  );
}

if (wanted('action-plan-page')) {
  const { runActionPlanPageBench } = await import('./action-plan-page.js');
  const result = await runActionPlanPageBench({
    ...(flags.actions !== undefined && { actions: Number(flags.actions) }),
    ...(flags.repeat !== undefined && { rounds: Number(flags.repeat) }),
  });
  results['action-plan-page'] = result ?? null;
  const list = (values: number[]) => values.map((ms) => ms.toFixed(0)).join(', ');
  process.stdout.write(
    result
      ? `\nAction plan page in headless Chromium from a blank page, median of ${result.rounds} alternating loads\n` +
          `  ${result.actions}-action plan, interactive (first action's skip form open)  ${result.interactiveMedianMs.toFixed(0)} ms  [${list(result.large.map((load) => load.interactiveMs))}]  (target < ${result.targetMs} ms)\n` +
          `  ${result.actions}-action plan, last row drawn  ${result.completeMedianMs.toFixed(0)} ms  [${list(result.large.map((load) => load.completeMs))}]\n` +
          `  1-action plan, interactive (baseline)  ${result.baselineMedianMs.toFixed(0)} ms  [${list(result.baseline.map((load) => load.interactiveMs))}]\n` +
          `  ratio ${result.ratio.toFixed(2)}\n`
      : '\nAction plan page: skipped (no /usr/bin/chromium)\n',
  );
}

if (wanted('cli')) {
  const { runCliBench } = await import('./cli.js');
  const result = runCliBench();
  results.cli = result;
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  process.stdout.write(
    `\nCLI start-up, median of ${result.runs} alternating runs: steward --version ${ms(result.versionMedianMs)}, ` +
      `node -e 0 ${ms(result.nodeMedianMs)} (baseline); ratio ${result.ratio.toFixed(2)}; ` +
      `the sources through tsx (STEWARD_FROM_SOURCE=1) ${ms(result.fromSourceMedianMs)}` +
      `${result.compiled ? '' : ' (no dist/: run npm run build first, the figures are the tsx fallback)'}\n`,
  );
}

mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write('\nwritten to .bench/results.json\n');
process.exit(0);
