/**
 * `npm run bench -- applier`: what the applier's workflow costs, against the simulated cloud over HTTP with
 * Steward's real clients and the real `migrate` action, on the embedded store (PGlite in memory).
 *
 * 1. Overhead per action: a 1,000-migration plan with instant moves (a huge migration bandwidth, and simulated time
 *    running 1,000× real time so a poll interval costs 1 real ms), run by the workflow at parallelism 1, minus the
 *    baseline measured in the same run: the same 1,000 migrations (pre-condition, execute and post-condition, the
 *    action's own calls to the cloud) called one after another on an identical fresh cloud, with no workflow and no
 *    store. The post-condition's share of the baseline is reported beside it. Target: under 5 ms per action. On
 *    the embedded PGlite store and on the machine's PostgreSQL: each action commits ONGOING and its end state.
 *    Beside it, the same overhead split out within the workflow's own run: its wall time minus the time spent inside
 *    the actions' own calls in that run, so the simulated cloud's speed, which moves between two runs on a shared
 *    machine by more than the overhead itself, cancels out; and the part of it spent in the store's state changes.
 * 2. A 100-migration plan at parallelism 1, 4 and 16 with the simulator's real migration times (1 GiB/s, simulated
 *    time 10× real time, so a real millisecond of HTTP or store work counts as 10 simulated ones): the plan's simulated wall time beside the simulator's own migration time (the sum of its
 *    recorded durations, and the ideal at that parallelism: max(sum / p, longest)).
 */
import { randomUUID } from 'node:crypto';
import { actionTypes } from '../src/applier/actions/index.js';
import { defineActionType, type ActionContext, type ActionType } from '../src/applier/action-type.js';
import { actionTimeoutMs, type ApplierSettings } from '../src/applier/settings.js';
import { runWorkflow } from '../src/applier/workflow.js';
import { createCloudClients, type CloudClients } from '../src/cloud/openstack.js';
import type { Server } from '../src/cloud/ports.js';
import { loadConfig } from '../src/config/config.js';
import { syncRegistries } from '../src/decision-engine/sync.js';
import { goals } from '../src/goals/index.js';
import { createRegistry, type Registry } from '../src/lib/registry.js';
import { silentLogger } from '../src/observability/logger.js';
import { scoringEngines } from '../src/scoring/index.js';
import { createSimulatedCloud, type SimulatedCloud } from '../src/simulator/index.js';
import { ScaledClock } from '../src/simulator/scaled-clock.js';
import { strategies } from '../src/strategies/index.js';
import type { Store } from '../src/store/store.js';
import { createTestStore, type StoreDialect, type TestStore } from '../test/helpers/store.js';

export interface ApplierOverheadResult {
  dialect: StoreDialect;
  actions: number;
  workflowMs: number;
  baselineMs: number;
  /** The post-condition calls' share of baselineMs. */
  baselineVerifyMs: number;
  /** (workflow − baseline) / actions. */
  overheadPerActionMs: number;
  /** workflow / baseline. */
  ratio: number;
  targetMs: number;
  succeeded: number;
  /** One action state write on this store (one UPDATE … RETURNING), measured in the same run: the workflow makes two per action. */
  stateWriteMs: number;
  /** (workflow − the time inside the actions' own calls in that same run) / actions: what the workflow adds. */
  ownPerActionMs: number;
  /** The part of ownPerActionMs spent in the store's action state changes (two per action). */
  ownStateChangesPerActionMs: number;
}

export interface ApplierParallelRow {
  parallelism: number;
  migrations: number;
  /** Simulated seconds from the plan's start to its end. */
  planSeconds: number;
  /** Sum of the simulator's recorded migration durations. */
  migrationSeconds: number;
  /** max(sum / parallelism, longest migration). */
  idealSeconds: number;
  /** planSeconds / idealSeconds. */
  ratio: number;
  realMs: number;
  succeeded: number;
}

interface Rig {
  clock: ScaledClock;
  cloud: SimulatedCloud;
  clients: CloudClients;
  close(): Promise<void>;
}

async function rig(options: { speed: number; bandwidthMbPerS: number; hosts: number; instances: number }) {
  const clock = new ScaledClock({ speed: options.speed });
  const cloud = createSimulatedCloud({
    clock,
    cluster: { hosts: options.hosts, instances: options.instances, seed: 7 },
    migrationBandwidthMbPerS: options.bandwidthMbPerS,
    autoSettle: { intervalMs: 5 },
  });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  const c = cloud.credentials;
  const clients = createCloudClients({
    auth: {
      authUrl: c.authUrl,
      username: c.username,
      password: c.password,
      projectName: c.projectName,
      userDomainName: c.userDomainName,
      projectDomainName: c.projectDomainName,
    },
    clock,
    timeoutMs: 30_000,
  });
  return {
    clock,
    cloud,
    clients,
    async close() {
      await clients.close();
      await cloud.close();
    },
  } satisfies Rig;
}

/** Live migrations of the first `count` idle instances, destination left to the scheduler. */
async function migrations(clients: CloudClients, count: number) {
  const servers = (await clients.compute.listServers({ allTenants: true }))
    .filter((s: Server) => s.status === 'ACTIVE' && s.taskState === null && s.hostname !== null)
    .slice(0, count);
  if (servers.length < count)
    throw new Error(`only ${servers.length} idle instances for ${count} migrations`);
  return servers.map((s) => ({
    resource_id: s.uuid,
    migration_type: 'live',
    source_node: s.hostname!,
    destination_node: null,
  }));
}

async function storeWithPlan(
  params: Record<string, unknown>[],
  dialect: StoreDialect,
): Promise<{ testStore: TestStore; planUuid: string }> {
  const testStore = await createTestStore(dialect);
  const store: Store = testStore.store;
  await syncRegistries(store, { goals, strategies, scoringEngines });
  const strategy = (await store.strategies.find('actuator'))!;
  const audit = await store.audits.create({
    name: `bench-applier-${randomUUID()}`,
    auditType: 'ONESHOT',
    state: 'SUCCEEDED',
    parameters: {},
    interval: null,
    goalId: strategy.goalId,
    strategyId: strategy.id,
    scope: [],
    autoTrigger: false,
    nextRunTime: null,
    startTime: null,
    endTime: null,
    force: false,
    forceRefresh: false,
  });
  const plan = await store.actionPlans.create({
    auditId: audit.id,
    strategyId: strategy.id,
    state: 'ONGOING',
    globalEfficacy: [],
    efficacyIndicators: [],
    actions: params.map((inputParameters) => ({
      uuid: randomUUID(),
      actionType: 'migrate',
      inputParameters,
      parents: [],
      state: 'PENDING' as const,
    })),
  });
  return { testStore, planUuid: plan.uuid };
}

function settings(concurrency: number): ApplierSettings {
  return { ...loadConfig({ env: {} }).applier, concurrency, cancelCheckSeconds: 60 };
}

async function workflowRun(
  r: Rig,
  params: Record<string, unknown>[],
  concurrency: number,
  dialect: StoreDialect = 'pglite',
) {
  const { testStore, planUuid } = await storeWithPlan(params, dialect);
  const timing = { actionCallsMs: 0, stateChangesMs: 0 };
  const store = timedStateChanges(testStore.store, timing);
  try {
    const startedSim = r.clock.now().getTime();
    const started = performance.now();
    const result = await runWorkflow(
      {
        store,
        actionTypes: timedActionTypes(timing),
        cloud: r.clients,
        clock: r.clock,
        logger: silentLogger,
        settings: settings(concurrency),
      },
      planUuid,
    );
    const realMs = performance.now() - started;
    const simMs = r.clock.now().getTime() - startedSim;
    // What one committed state change costs on this store, same run: the workflow writes ONGOING and the end state.
    const writes = result.actions.slice(0, 200);
    const writesStarted = performance.now();
    for (const action of writes)
      await testStore.store.actions.update(action.uuid, { statusMessage: 'bench' });
    return {
      realMs,
      simMs,
      ...timing,
      succeeded: result.actions.filter((a) => a.state === 'SUCCEEDED').length,
      stateWriteMs: (performance.now() - writesStarted) / Math.max(1, writes.length),
    };
  } finally {
    await testStore.close();
  }
}

/** The registered action types, each call of check, execute and verify adding its wall time to `timing`. */
function timedActionTypes(timing: { actionCallsMs: number }): Registry<ActionType> {
  const timed =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        return await call(...args);
      } finally {
        timing.actionCallsMs += performance.now() - started;
      }
    };
  return createRegistry(
    actionTypes.kind,
    actionTypes.all.map((type) =>
      defineActionType({
        ...type,
        check: timed(type.check.bind(type)),
        execute: timed(type.execute.bind(type)),
        ...(type.verify && { verify: timed(type.verify.bind(type)) }),
      }),
    ),
  );
}

/** The store, each action state change (the workflow's compare-and-set) adding its wall time to `timing`. */
function timedStateChanges(store: Store, timing: { stateChangesMs: number }): Store {
  const actions: Store['actions'] = {
    ...store.actions,
    async updateIfState(...args) {
      const started = performance.now();
      try {
        return await store.actions.updateIfState(...args);
      } finally {
        timing.stateChangesMs += performance.now() - started;
      }
    },
  };
  return { ...store, actions };
}

/** The same actions' own calls (pre-condition, execute, post-condition) made directly, one after another: no workflow, no store. */
async function directRun(r: Rig, params: Record<string, unknown>[]) {
  const migrate = actionTypes.get('migrate')!;
  const timeouts = settings(1).timeouts;
  const ctx: ActionContext = {
    cloud: r.clients,
    clock: r.clock,
    log: silentLogger,
    signal: new AbortController().signal,
    progress: () => undefined,
    timeoutMs: (scale) => actionTimeoutMs(timeouts, 'migrate', scale),
  };
  const started = performance.now();
  let verifyMs = 0;
  let succeeded = 0;
  for (const p of params) {
    if ((await migrate.check(ctx, p)).ok) {
      await migrate.execute(ctx, p);
      const verifyStarted = performance.now();
      await migrate.verify?.(ctx, p);
      verifyMs += performance.now() - verifyStarted;
      succeeded++;
    }
  }
  return { realMs: performance.now() - started, verifyMs, succeeded };
}

export async function runApplierOverheadBench(
  options: { actions?: number; dialect?: StoreDialect } = {},
): Promise<ApplierOverheadResult> {
  const actions = options.actions ?? 1000;
  const dialect = options.dialect ?? 'pglite';
  const shape = { speed: 1000, bandwidthMbPerS: 1e9, hosts: 160, instances: actions + 100 };
  const baselineRig = await rig(shape);
  let baseline: Awaited<ReturnType<typeof directRun>>;
  try {
    baseline = await directRun(baselineRig, await migrations(baselineRig.clients, actions));
  } finally {
    await baselineRig.close();
  }
  const workflowRig = await rig(shape);
  try {
    const run = await workflowRun(workflowRig, await migrations(workflowRig.clients, actions), 1, dialect);
    return {
      dialect,
      actions,
      workflowMs: Math.round(run.realMs),
      baselineMs: Math.round(baseline.realMs),
      baselineVerifyMs: Math.round(baseline.verifyMs),
      overheadPerActionMs: Number(((run.realMs - baseline.realMs) / actions).toFixed(2)),
      ratio: Number((run.realMs / baseline.realMs).toFixed(3)),
      targetMs: 5,
      succeeded: run.succeeded,
      stateWriteMs: Number(run.stateWriteMs.toFixed(2)),
      ownPerActionMs: Number(((run.realMs - run.actionCallsMs) / actions).toFixed(2)),
      ownStateChangesPerActionMs: Number((run.stateChangesMs / actions).toFixed(2)),
    };
  } finally {
    await workflowRig.close();
  }
}

export async function runApplierParallelBench(
  options: { migrations?: number; parallelisms?: number[] } = {},
): Promise<ApplierParallelRow[]> {
  const count = options.migrations ?? 100;
  const rows: ApplierParallelRow[] = [];
  for (const parallelism of options.parallelisms ?? [1, 4, 16]) {
    const r = await rig({ speed: 10, bandwidthMbPerS: 1024, hosts: 32, instances: 200 });
    try {
      const params = await migrations(r.clients, count);
      const run = await workflowRun(r, params, parallelism);
      const ids = new Set(params.map((p) => p.resource_id));
      const durations = r.cloud.state.migrations
        .filter((m) => ids.has(m.instanceId) && m.status === 'completed')
        .map((m) => m.durationMs);
      const sumMs = durations.reduce((a, b) => a + b, 0);
      const idealMs = Math.max(sumMs / parallelism, ...durations);
      rows.push({
        parallelism,
        migrations: count,
        planSeconds: Number((run.simMs / 1000).toFixed(1)),
        migrationSeconds: Number((sumMs / 1000).toFixed(1)),
        idealSeconds: Number((idealMs / 1000).toFixed(1)),
        ratio: Number((run.simMs / idealMs).toFixed(2)),
        realMs: Math.round(run.realMs),
        succeeded: run.succeeded,
      });
    } finally {
      await r.close();
    }
  }
  return rows;
}
