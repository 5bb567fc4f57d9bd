/**
 * The audit runner and its neighbours against real stores: registry sync, strategies whose metrics the datasource
 * cannot serve, an empty solution, the storage model offered to strategies, and plan expiry on a manual clock.
 */
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { createStorageModelProvider } from '../../src/collectors/storage-model-provider.js';
import { runAudit, type AuditRunnerDeps } from '../../src/decision-engine/audit-runner.js';
import { supersedeExpiredPlans } from '../../src/decision-engine/plan-expiry.js';
import { syncRegistries } from '../../src/decision-engine/sync.js';
import { goals } from '../../src/goals/index.js';
import { workloadBalancing } from '../../src/goals/workload-balancing.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createRegistry } from '../../src/lib/registry.js';
import { silentLogger } from '../../src/observability/logger.js';
import { planners } from '../../src/planners/index.js';
import { scoringEngines } from '../../src/scoring/index.js';
import { dummy } from '../../src/strategies/dummy.js';
import { defineStrategy, type Strategy } from '../../src/strategies/strategy.js';
import type { AuditRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { createTestStore, STORE_DIALECTS, type TestStore } from '../helpers/store.js';
import { storageModel } from '../helpers/storage-model-builder.js';

const needsMetrics = defineStrategy({
  name: 'needs_metrics',
  goal: workloadBalancing,
  displayName: 'Needs metrics',
  parameters: Type.Object({}),
  metrics: ['host_cpu_usage'],
  supportLevel: 'experimental',
  planner: 'weight',
  docs: { description: 'test', requirements: 'host_cpu_usage', limitations: 'none' },
  execute: () => Promise.resolve(),
});

const doesNothing = defineStrategy({
  name: 'does_nothing',
  goal: workloadBalancing,
  displayName: 'Does nothing',
  parameters: Type.Object({}),
  metrics: [],
  supportLevel: 'experimental',
  planner: 'weight',
  docs: { description: 'test', requirements: 'none', limitations: 'none' },
  execute: () => Promise.resolve(),
});

/** What each run of `reads_storage` and `does_nothing` saw of the storage model. */
const storageSeen: {
  strategy: string;
  offered: boolean;
  pools?: string[];
  movedTo?: string | null;
  error?: string;
}[] = [];
const VOLUME = '0f3a0a43-4d4b-4e39-9a55-0c3c0b4f2a11';

const readsStorage = defineStrategy({
  name: 'reads_storage',
  goal: workloadBalancing,
  displayName: 'Reads storage',
  parameters: Type.Object({}),
  metrics: [],
  supportLevel: 'experimental',
  planner: 'weight',
  docs: { description: 'test', requirements: 'Cinder', limitations: 'none' },
  async execute(ctx) {
    if (!ctx.storage) return void storageSeen.push({ strategy: 'reads_storage', offered: false });
    const storage = await ctx.storage();
    // A volume action planned through the builder changes the very model the strategy reads.
    ctx.solution.add('volume_migrate', {
      resource_id: VOLUME,
      migration_type: 'migrate',
      destination_node: 'c0@lvm#a',
    });
    const movedTo = storage.getVolume(VOLUME)?.pool;
    storage.removePool('c0@lvm#a');
    // The second call is the same private copy, not a fresh read.
    const again = await ctx.storage();
    storageSeen.push({
      strategy: 'reads_storage',
      offered: true,
      pools: [...again.pools()].map((pool) => pool.name).sort(),
      movedTo,
    });
  },
});

const notesStorage = defineStrategy({
  ...doesNothing,
  name: 'notes_storage',
  execute(ctx) {
    storageSeen.push({ strategy: 'notes_storage', offered: ctx.storage !== undefined });
    return Promise.resolve();
  },
});

/** What `interrupted` does while it runs (an operator's PATCH, in the test that uses it). */
let duringRun: () => Promise<void> = () => Promise.resolve();

const interrupted = defineStrategy({
  ...doesNothing,
  name: 'interrupted',
  execute: () => duringRun(),
});

const testStrategies = createRegistry<Strategy>('strategy', [
  dummy,
  needsMetrics,
  doesNothing,
  readsStorage,
  notesStorage,
  interrupted,
] as Strategy[]);

async function createAudit(
  store: Store,
  strategyName: string,
  overrides: Partial<Pick<AuditRecord, 'scope' | 'forceRefresh'>> = {},
) {
  const strategy = (await store.strategies.find(strategyName))!;
  return store.audits.create({
    name: `runner-${Math.random()}`,
    auditType: 'ONESHOT',
    state: 'PENDING',
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
    ...overrides,
  });
}

/** A live storage provider over Cinder as data: c0@lvm (az1) with pools a and b, c1@ssd (az2) with pool c. */
function storageProvider(clock: ManualClock, options: { failing?: () => boolean } = {}) {
  let reads = 0;
  const provider = createStorageModelProvider({
    collect: () => {
      reads++;
      if (options.failing?.()) return Promise.reject(new Error('cinder is down'));
      return Promise.resolve(
        storageModel()
          .backend('c0@lvm', { zone: 'az1' })
          .backend('c1@ssd', { zone: 'az2' })
          .pool('c0@lvm#a')
          .pool('c0@lvm#b')
          .pool('c1@ssd#c')
          .volume(VOLUME, 'c0@lvm#b')
          .build(),
      );
    },
    clock,
    logger: silentLogger,
    syncIntervalMs: 3_600_000,
  });
  return { provider, reads: () => reads };
}

describe.each(STORE_DIALECTS)('the audit runner on %s', (dialect) => {
  let testStore: TestStore | undefined;
  afterEach(async () => {
    await testStore?.close();
    testStore = undefined;
  });

  async function setup() {
    testStore = await createTestStore(dialect);
    const { store } = testStore;
    await syncRegistries(store, { goals, strategies: testStrategies, scoringEngines });
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const launched: string[] = [];
    const deps: AuditRunnerDeps = {
      store,
      goals,
      strategies: testStrategies,
      planners,
      scoringEngines,
      models: undefined,
      availableMetrics: new Set(['host_ram_usage']),
      applier: { launchActionPlan: (uuid) => Promise.resolve(void launched.push(uuid)) },
      clock,
      logger: silentLogger,
      hostname: 'engine-1',
    };
    return { store, clock, deps, launched };
  }

  it('syncs every goal and strategy with its parameters_spec and efficacy specification', async () => {
    const { store } = await setup();
    expect((await store.goals.list({ limit: 100 })).map((goal) => goal.name).sort()).toEqual(
      goals.all.map((goal) => goal.name).sort(),
    );
    const strategy = (await store.strategies.find('dummy'))!;
    expect(strategy.parametersSpec).toEqual({
      properties: {
        para1: {
          description: 'number parameter example',
          type: 'number',
          default: 3.2,
          minimum: 1.0,
          maximum: 10.2,
        },
        para2: { description: 'string parameter example', type: 'string', default: 'hello' },
      },
    });
  });

  it('fails an audit whose strategy needs a metric the datasource cannot serve, naming the metric', async () => {
    const { store, deps } = await setup();
    const audit = await createAudit(store, 'needs_metrics');
    expect(await runAudit(deps, audit.uuid, new AbortController().signal)).toBe('failed');
    const failed = (await store.audits.find(audit.uuid))!;
    expect(failed.state).toBe('FAILED');
    expect(failed.statusMessage).toContain('host_cpu_usage');
  });

  it('fails an audit whose plan holds an action type the applier cannot run, naming it, and stores no plan', async () => {
    const { store, deps } = await setup();
    const audit = await createAudit(store, 'dummy');
    const run = runAudit(
      { ...deps, supportedActionTypes: new Set(['nop']) },
      audit.uuid,
      new AbortController().signal,
    );
    expect(await run).toBe('failed');
    const failed = (await store.audits.find(audit.uuid))!;
    expect(failed.state).toBe('FAILED');
    expect(failed.statusMessage).toBe(
      'The audit failed: strategy dummy planned action types the applier cannot run: sleep (it runs nop); no action plan was stored',
    );
    expect(await store.actionPlans.list({ limit: 10, filters: { auditId: audit.id } })).toEqual([]);
  });

  it('leaves an audit cancelled while its strategy ran CANCELLED, and stores no plan for it', async () => {
    const { store, deps } = await setup();
    const audit = await createAudit(store, 'interrupted');
    duringRun = async () => {
      await store.audits.updateIfState(audit.uuid, ['ONGOING'], { state: 'CANCELLED' });
    };
    try {
      expect(await runAudit(deps, audit.uuid, new AbortController().signal)).toBe('skipped');
    } finally {
      duringRun = () => Promise.resolve();
    }
    expect((await store.audits.find(audit.uuid))!.state).toBe('CANCELLED');
    expect(await store.actionPlans.list({ limit: 10, filters: { auditId: audit.id } })).toEqual([]);
  });

  it('stores an empty solution as a SUCCEEDED plan with nothing to do, as upstream does', async () => {
    const { store, deps } = await setup();
    const audit = await createAudit(store, 'does_nothing');
    expect(await runAudit(deps, audit.uuid, new AbortController().signal)).toBe('planned');
    expect((await store.audits.find(audit.uuid))!.state).toBe('SUCCEEDED');
    const [plan] = await store.actionPlans.list({ limit: 10, filters: { auditId: audit.id } });
    expect(plan!.state).toBe('SUCCEEDED');
  });

  it('offers the scoped storage model to a strategy that asks, as one private copy per audit', async () => {
    const { store, deps, clock } = await setup();
    const storage = storageProvider(clock);
    void storage.provider.start();
    await storage.provider.refresh();
    storageSeen.length = 0;
    const audit = await createAudit(store, 'reads_storage', {
      scope: [{ storage: [{ availability_zones: [{ name: 'az1' }] }] }],
    });
    expect(
      await runAudit({ ...deps, storageModels: storage.provider }, audit.uuid, new AbortController().signal),
    ).toBe('planned');
    expect(storageSeen).toEqual([
      { strategy: 'reads_storage', offered: true, pools: ['c0@lvm#b'], movedTo: 'c0@lvm#a' },
    ]);
    expect(storage.provider.current?.getPool('c0@lvm#a')).toBeDefined();
    expect(storage.provider.current?.getVolume(VOLUME)?.pool).toBe('c0@lvm#b');
    expect(storage.reads()).toBe(1);
    await storage.provider.stop();
  });

  it('offers no storage model without Cinder, and reads none for a strategy that does not ask', async () => {
    const { store, deps, clock } = await setup();
    storageSeen.length = 0;
    const without = await createAudit(store, 'reads_storage');
    await runAudit(deps, without.uuid, new AbortController().signal);
    const storage = storageProvider(clock);
    void storage.provider.start();
    await storage.provider.refresh();
    const computeOnly = await createAudit(store, 'notes_storage');
    await runAudit(
      { ...deps, storageModels: storage.provider },
      computeOnly.uuid,
      new AbortController().signal,
    );
    expect(storageSeen).toEqual([
      { strategy: 'reads_storage', offered: false },
      { strategy: 'notes_storage', offered: true },
    ]);
    expect(storage.reads()).toBe(1);
    await storage.provider.stop();
  });

  it('re-reads Cinder on force_refresh, and a failing Cinder does not fail a strategy that reads no storage', async () => {
    const { store, deps, clock } = await setup();
    let failing = false;
    const storage = storageProvider(clock, { failing: () => failing });
    void storage.provider.start();
    await storage.provider.refresh();
    const withStorage = { ...deps, storageModels: storage.provider };
    const refreshed = await createAudit(store, 'notes_storage', { forceRefresh: true });
    await runAudit(withStorage, refreshed.uuid, new AbortController().signal);
    expect(storage.reads()).toBe(2);
    failing = true;
    const despiteCinder = await createAudit(store, 'notes_storage', { forceRefresh: true });
    expect(await runAudit(withStorage, despiteCinder.uuid, new AbortController().signal)).toBe('planned');
    expect(storage.reads()).toBe(3);
    expect((await store.audits.find(despiteCinder.uuid))!.state).toBe('SUCCEEDED');
    await storage.provider.stop();
  });

  it('supersedes RECOMMENDED plans older than the expiry, with the reason, and keeps the young ones', async () => {
    const { store, deps } = await setup();
    const audit = await createAudit(store, 'dummy');
    await runAudit(deps, audit.uuid, new AbortController().signal);
    const [plan] = await store.actionPlans.list({ limit: 10, filters: { auditId: audit.id } });
    const hoursAfterCreation = (hours: number) =>
      new ManualClock(new Date(plan!.createdAt.getTime() + hours * 3600 * 1000));
    expect(await supersedeExpiredPlans(store, hoursAfterCreation(23), 24)).toBe(0);
    expect((await store.actionPlans.find(plan!.uuid))!.state).toBe('RECOMMENDED');
    expect(await supersedeExpiredPlans(store, hoursAfterCreation(25), 24)).toBe(1);
    const expired = (await store.actionPlans.find(plan!.uuid))!;
    expect(expired.state).toBe('SUPERSEDED');
    expect(expired.statusMessage).toBe('Expired: not started within 24 h of its creation.');
  });
});
