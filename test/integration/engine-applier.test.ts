/**
 * The decision engine and the applier against real stores (PGlite and PostgreSQL): audits to plans, plans to
 * outcomes, skips, failures, continuous scheduling on a manual clock, leadership, and crash recovery.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import type { AuditRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { createTestSteward, type TestSteward } from '../helpers/steward.js';
import { STORE_DIALECTS } from '../helpers/store.js';
import { createTempDatabase } from '../helpers/postgres.js';
import { createStore } from '../../src/store/db.js';
import { createContinuousScheduler } from '../../src/decision-engine/continuous-scheduler.js';
import { syncRegistries } from '../../src/decision-engine/sync.js';
import { goals } from '../../src/goals/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { scoringEngines } from '../../src/scoring/index.js';
import { strategies } from '../../src/strategies/index.js';

async function createAudit(
  store: Store,
  fields: Partial<AuditRecord> & { strategy: string; parameters?: Record<string, unknown> },
) {
  const strategy = (await store.strategies.find(fields.strategy))!;
  return store.audits.create({
    name: fields.name ?? `audit-${Math.random()}`,
    auditType: fields.auditType ?? 'ONESHOT',
    state: 'PENDING',
    parameters: fields.parameters ?? {},
    interval: fields.interval ?? null,
    goalId: strategy.goalId,
    strategyId: strategy.id,
    scope: [],
    autoTrigger: fields.autoTrigger ?? false,
    nextRunTime: null,
    startTime: fields.startTime ?? null,
    endTime: fields.endTime ?? null,
    force: fields.force ?? false,
    forceRefresh: false,
  });
}

const nops = (...flags: Record<string, boolean>[]) => ({
  actions: flags.map((flag, n) => ({
    action_type: 'nop',
    input_parameters: { message: `nop ${n}`, ...flag },
  })),
});

describe.each(STORE_DIALECTS)('decision engine and applier on %s', (dialect) => {
  let steward: TestSteward | undefined;
  afterEach(async () => {
    await steward?.close();
    steward = undefined;
  });

  it('turns a dummy audit into a RECOMMENDED plan of nop, nop, sleep and runs it to SUCCEEDED', async () => {
    const clock = new ManualClock();
    steward = await createTestSteward({ dialect, clock });
    const { store, engine, applier } = steward;
    const audit = await createAudit(store, { strategy: 'dummy', parameters: { para1: 2, para2: 'hi' } });
    await engine.triggerAudit(audit.uuid);
    await engine.idle();
    expect((await store.audits.find(audit.uuid))!.state).toBe('SUCCEEDED');
    const [plan] = await store.actionPlans.list({ limit: 10, filters: { auditId: audit.id } });
    expect(plan!.state).toBe('RECOMMENDED');
    const actions = await store.actions.listByPlan(plan!.id);
    expect(actions.map((a) => [a.actionType, a.inputParameters])).toEqual([
      ['nop', { message: 'hello World' }],
      ['nop', { message: 'hi' }],
      ['sleep', { duration: 2 }],
    ]);
    await store.actionPlans.update(plan!.uuid, { state: 'PENDING' });
    await applier.launchActionPlan(plan!.uuid);
    // The sleep action waits 2 s on the clock; let time pass until the plan is done.
    while ((await store.actionPlans.find(plan!.uuid))!.state !== 'SUCCEEDED') await clock.advance(500);
    await applier.idle();
    const finished = (await store.actionPlans.find(plan!.uuid))!;
    expect(finished.state).toBe('SUCCEEDED');
    expect((await store.actions.listByPlan(plan!.id)).map((a) => a.state)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
  });

  it('never runs an operator-skipped action, and the plan still SUCCEEDS with the skip reported', async () => {
    steward = await createTestSteward({ dialect });
    const { store, engine, applier } = steward;
    const audit = await createAudit(store, {
      strategy: 'actuator',
      parameters: nops({}, { fail_execute: true }, {}),
    });
    await engine.triggerAudit(audit.uuid);
    await engine.idle();
    const [plan] = await store.actionPlans.list({ limit: 10, filters: { auditId: audit.id } });
    const actions = await store.actions.listByPlan(plan!.id);
    await store.actions.update(actions[1]!.uuid, {
      state: 'SKIPPED',
      statusMessage: 'Action skipped by user. Reason: would fail',
    });
    await store.actionPlans.update(plan!.uuid, { state: 'PENDING' });
    await applier.launchActionPlan(plan!.uuid);
    await applier.idle();
    const finished = (await store.actionPlans.find(plan!.uuid))!;
    expect(finished.state).toBe('SUCCEEDED');
    expect(finished.statusMessage).toContain('would fail');
    expect((await store.actions.listByPlan(plan!.id)).map((a) => a.state)).toEqual([
      'SUCCEEDED',
      'SKIPPED',
      'SUCCEEDED',
    ]);
  });

  it('ends a plan FAILED when one action fails, cancelling the actions that depend on it', async () => {
    steward = await createTestSteward({ dialect });
    const { store, engine, applier } = steward;
    const audit = await createAudit(store, {
      strategy: 'actuator',
      parameters: nops({}, { fail_execute: true }, { skip_pre_condition: true }),
      autoTrigger: true,
    });
    await engine.triggerAudit(audit.uuid);
    await engine.idle();
    await applier.idle();
    const [plan] = await store.actionPlans.list({ limit: 10, filters: { auditId: audit.id } });
    expect(plan!.state).toBe('FAILED');
    const actions = await store.actions.listByPlan(plan!.id);
    expect(actions.map((a) => a.state)).toEqual(['SUCCEEDED', 'FAILED', 'CANCELLED']);
    expect(actions[1]!.statusMessage).toBe(
      'Action failed in execute: nop failed as requested by fail_execute',
    );
    expect(actions[2]!.statusMessage).toBe(
      `Action was cancelled: it depends on action ${actions[1]!.uuid}, which failed`,
    );
    expect(plan!.statusMessage).toMatch(
      /1 action\(s\) failed.*1 action\(s\) that depend on a failed action were cancelled/,
    );
  });

  it('fails an audit whose strategy throws, with the reason in status_message', async () => {
    steward = await createTestSteward({ dialect });
    const { store, engine } = steward;
    const audit = await createAudit(store, {
      strategy: 'actuator',
      parameters: { actions: [{ action_type: 'teleport', input_parameters: {} }] },
    });
    await engine.triggerAudit(audit.uuid);
    await engine.idle();
    const failed = (await store.audits.find(audit.uuid))!;
    expect(failed.state).toBe('FAILED');
    expect(failed.statusMessage).toContain('unknown action type teleport');
  });

  it('runs a continuous audit every interval, cancelling its previous RECOMMENDED plan each run, until end_time', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    steward = await createTestSteward({ dialect, clock });
    const { store, engine } = steward;
    const audit = await createAudit(store, {
      strategy: 'dummy',
      auditType: 'CONTINUOUS',
      interval: '600',
      endTime: new Date('2026-01-01T00:25:00Z'),
    });
    expect(await engine.scheduler.tick()).toEqual([audit.uuid]);
    expect(await engine.scheduler.tick()).toEqual([]);
    let current = (await store.audits.find(audit.uuid))!;
    expect(current.state).toBe('ONGOING');
    expect(current.nextRunTime?.toISOString()).toBe('2026-01-01T00:10:00.000Z');
    await clock.advance(600_000);
    expect(await engine.scheduler.tick()).toEqual([audit.uuid]);
    const plans = await store.actionPlans.list({ limit: 10, filters: { auditId: audit.id } });
    expect(plans.map((plan) => plan.state).sort()).toEqual(['CANCELLED', 'RECOMMENDED']);
    await clock.advance(20 * 60_000);
    await engine.scheduler.tick();
    current = (await store.audits.find(audit.uuid))!;
    expect(current.state).toBe('SUCCEEDED');
  });

  it('runs a continuous audit at the times a cron expression names, not before its start_time', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    steward = await createTestSteward({ dialect, clock });
    const { store, engine } = steward;
    const audit = await createAudit(store, {
      strategy: 'dummy',
      auditType: 'CONTINUOUS',
      interval: '*/15 * * * *',
      startTime: new Date('2026-01-01T00:05:00Z'),
    });
    expect(await engine.scheduler.tick()).toEqual([]);
    await clock.advance(5 * 60_000);
    expect(await engine.scheduler.tick()).toEqual([audit.uuid]);
    expect((await store.audits.find(audit.uuid))!.nextRunTime?.toISOString()).toBe(
      '2026-01-01T00:15:00.000Z',
    );
    await clock.advance(9 * 60_000);
    expect(await engine.scheduler.tick()).toEqual([]);
    await clock.advance(60_000);
    expect(await engine.scheduler.tick()).toEqual([audit.uuid]);
    expect((await store.audits.find(audit.uuid))!.nextRunTime?.toISOString()).toBe(
      '2026-01-01T00:30:00.000Z',
    );
  });

  it('takes over a plan left ONGOING by an applier that stopped heartbeating, and finishes it', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    steward = await createTestSteward({ dialect, clock });
    const { store, engine, applier } = steward;
    const audit = await createAudit(store, { strategy: 'actuator', parameters: nops({}, {}, {}) });
    await engine.triggerAudit(audit.uuid);
    await engine.idle();
    const [plan] = await store.actionPlans.list({ limit: 10, filters: { auditId: audit.id } });
    const actions = await store.actions.listByPlan(plan!.id);
    await store.services.heartbeat('steward-applier', 'dead-host', new Date('2025-12-31T23:00:00Z'));
    await store.actionPlans.update(plan!.uuid, { state: 'ONGOING', hostname: 'dead-host' });
    await store.actions.update(actions[0]!.uuid, { state: 'SUCCEEDED' });
    await store.actions.update(actions[1]!.uuid, { state: 'ONGOING' });
    expect(await applier.recoverAbandonedPlans()).toBe(1);
    await applier.idle();
    const finished = (await store.actionPlans.find(plan!.uuid))!;
    expect(finished.state).toBe('SUCCEEDED');
    expect(finished.hostname).not.toBe('dead-host');
    expect((await store.actions.listByPlan(plan!.id)).map((a) => a.state)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
  });
});

describe('continuous-audit leadership on PostgreSQL', () => {
  it('lets only the scheduler holding the lock run due audits, and the other take over when it stops', async () => {
    const database = await createTempDatabase();
    const first = await createStore({ dialect: 'postgres', connectionString: database.connectionString });
    const second = await createStore({ dialect: 'postgres', connectionString: database.connectionString });
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const runs: [string, string][] = [];
    const scheduler = (name: string, store: Store) =>
      createContinuousScheduler({
        store,
        clock,
        logger: silentLogger,
        scanIntervalMs: 60_000,
        runAudit: (uuid) => Promise.resolve(runs.push([name, uuid])),
      });
    const leader = scheduler('first', first);
    const follower = scheduler('second', second);
    try {
      await syncRegistries(first, { goals, strategies, scoringEngines });
      const audit = await createAudit(first, { strategy: 'dummy', auditType: 'CONTINUOUS', interval: '600' });
      expect(await leader.tick()).toEqual([audit.uuid]);
      await clock.advance(600_000);
      expect(await follower.tick()).toEqual([]);
      expect(await leader.tick()).toEqual([audit.uuid]);
      await leader.stop();
      await clock.advance(600_000);
      expect(await follower.tick()).toEqual([audit.uuid]);
      expect(runs.map(([name]) => name)).toEqual(['first', 'first', 'second']);
    } finally {
      await follower.stop();
      await first.close();
      await second.close();
      await database.drop();
    }
  });
});
