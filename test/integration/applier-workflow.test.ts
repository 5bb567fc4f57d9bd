/**
 * The applier's DAG walk against real stores, with test action types that record what ran and when, on a manual
 * clock: dependency order, the concurrency bound, pre-condition outcomes, failures cancelling their dependants,
 * rollback, retries, a plan that cannot run, cancellation (abortable or not), shutdown, and resuming a plan a
 * crashed applier left half done.
 */
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { defineActionType, ok, skip, type ActionType } from '../../src/applier/action-type.js';
import type { ApplierSettings } from '../../src/applier/settings.js';
import { runWorkflow, type WorkflowDeps } from '../../src/applier/workflow.js';
import { loadConfig } from '../../src/config/config.js';
import { syncRegistries } from '../../src/decision-engine/sync.js';
import { StewardError } from '../../src/errors.js';
import { goals } from '../../src/goals/index.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createRegistry } from '../../src/lib/registry.js';
import { createApplier } from '../../src/applier/applier.js';
import { createLogger, silentLogger } from '../../src/observability/logger.js';
import { scoringEngines } from '../../src/scoring/index.js';
import { strategies } from '../../src/strategies/index.js';
import type { ActionState } from '../../src/contract/states.js';
import type { Store } from '../../src/store/store.js';
import { createTestStore, STORE_DIALECTS, type TestStore } from '../helpers/store.js';

interface Probe {
  order: string[];
  reverted: string[];
  attemptsAt: string[];
  running: number;
  maxRunning: number;
  failuresLeft: number;
}

function probeTypes(probe: Probe) {
  const params = Type.Object(
    { name: Type.String(), ms: Type.Optional(Type.Number()) },
    { additionalProperties: false },
  );
  const step = defineActionType({
    name: 'step',
    parameters: params,
    abortable: true,
    describe: ({ name }) => `step ${name}`,
    check: () => Promise.resolve(ok),
    async execute(ctx, { name, ms }) {
      probe.running += 1;
      probe.maxRunning = Math.max(probe.maxRunning, probe.running);
      try {
        await ctx.clock.sleep(ms ?? 1000, ctx.signal);
        probe.order.push(name);
      } finally {
        probe.running -= 1;
      }
    },
    revert(_ctx, { name }) {
      probe.reverted.push(name);
      return Promise.resolve();
    },
  });
  // Runs to its end whatever happens to the plan (like a resize Nova cannot abort).
  const steady = defineActionType({
    name: 'steady',
    parameters: params,
    abortable: false,
    describe: ({ name }) => `steady ${name}`,
    check: () => Promise.resolve(ok),
    async execute(ctx, { name, ms }) {
      probe.running += 1;
      try {
        await ctx.clock.sleep(ms ?? 1000);
        probe.order.push(name);
      } finally {
        probe.running -= 1;
      }
    },
  });
  const gone = defineActionType({
    name: 'gone',
    parameters: params,
    abortable: false,
    describe: ({ name }) => `gone ${name}`,
    check: () => Promise.resolve(skip('the instance no longer exists')),
    execute: () => Promise.reject(new Error('must not run')),
  });
  const brokenCheck = defineActionType({
    name: 'broken_check',
    parameters: params,
    abortable: false,
    describe: ({ name }) => `broken ${name}`,
    check: () => Promise.reject(new Error('nova is unreachable')),
    execute: () => Promise.reject(new Error('must not run')),
  });
  const flaky = defineActionType({
    name: 'flaky',
    parameters: params,
    abortable: false,
    describe: ({ name }) => `flaky ${name}`,
    check: () => Promise.resolve(ok),
    execute(ctx, { name }) {
      probe.attemptsAt.push(ctx.clock.now().toISOString());
      if (probe.failuresLeft > 0) {
        probe.failuresLeft -= 1;
        return Promise.reject(
          new StewardError('unavailable', 'UPSTREAM_UNAVAILABLE', 'nova timed out', { retryable: true }),
        );
      }
      probe.order.push(name);
      return Promise.resolve();
    },
  });
  const fatal = defineActionType({
    name: 'fatal',
    parameters: params,
    abortable: false,
    describe: ({ name }) => `fatal ${name}`,
    check: () => Promise.resolve(ok),
    execute: () =>
      Promise.reject(
        new StewardError('invalid', 'INVALID_INPUT', 'flavor x9 does not exist', { retryable: false }),
      ),
  });
  return createRegistry<ActionType>('action type', [
    step,
    steady,
    gone,
    brokenCheck,
    flaky,
    fatal,
  ] as ActionType[]);
}

interface Spec {
  name: string;
  type?: string;
  after?: string[];
  state?: ActionState;
  ms?: number;
  params?: Record<string, unknown>;
}

async function createPlan(store: Store, specs: Spec[], planState: 'ONGOING' | 'PENDING' = 'ONGOING') {
  const strategy = (await store.strategies.find('dummy'))!;
  const audit = await store.audits.create({
    name: `workflow-${Math.random()}`,
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
  const uuidOf = (name: string) =>
    `00000000-0000-4000-8000-${Buffer.from(name).toString('hex').padStart(12, '0')}`;
  const plan = await store.actionPlans.create({
    auditId: audit.id,
    strategyId: strategy.id,
    state: planState,
    globalEfficacy: [],
    efficacyIndicators: [],
    actions: specs.map((spec) => ({
      uuid: uuidOf(spec.name),
      actionType: spec.type ?? 'step',
      inputParameters: spec.params ?? { name: spec.name, ...(spec.ms !== undefined && { ms: spec.ms }) },
      parents: (spec.after ?? []).map(uuidOf),
      state: spec.state ?? 'PENDING',
    })),
  });
  return { plan, uuidOf };
}

/** Runs the workflow to the end, advancing the manual clock whenever every running action is asleep. */
async function drive(clock: ManualClock, run: Promise<unknown>, stepMs = 1000): Promise<void> {
  let done = false;
  void run.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    await new Promise((resolve) => setImmediate(resolve));
    if (clock.pendingSleepers > 0) await clock.advance(stepMs);
  }
}

describe.each(STORE_DIALECTS)('the applier workflow on %s', (dialect) => {
  let testStore: TestStore | undefined;
  afterEach(async () => {
    await testStore?.close();
    testStore = undefined;
  });

  async function setup(settings: Partial<ApplierSettings> = {}) {
    testStore = await createTestStore(dialect);
    await syncRegistries(testStore.store, { goals, strategies, scoringEngines });
    const clock = new ManualClock();
    const probe: Probe = {
      order: [],
      reverted: [],
      attemptsAt: [],
      running: 0,
      maxRunning: 0,
      failuresLeft: 0,
    };
    const deps: WorkflowDeps = {
      store: testStore.store,
      actionTypes: probeTypes(probe),
      cloud: undefined,
      clock,
      logger: silentLogger,
      settings: { ...loadConfig({ env: {} }).applier, concurrency: 2, retryDelaySeconds: 0.5, ...settings },
    };
    return { store: testStore.store, clock, probe, deps };
  }

  it('runs every action after its parents and never more at once than the concurrency limit', async () => {
    const { store, clock, probe, deps } = await setup({ concurrency: 2 });
    const { plan } = await createPlan(store, [
      { name: 'a' },
      { name: 'b' },
      { name: 'c' },
      { name: 'd', after: ['a', 'b', 'c'] },
      { name: 'e', after: ['d'] },
      { name: 'f', after: ['d'] },
    ]);
    const run = runWorkflow(deps, plan.uuid);
    await drive(clock, run);
    const result = await run;
    expect(result.state).toBe('SUCCEEDED');
    // How many overlap depends on store latency; the bound never does.
    expect(probe.maxRunning).toBeGreaterThan(0);
    expect(probe.maxRunning).toBeLessThanOrEqual(2);
    expect(probe.order.indexOf('d')).toBeGreaterThan(
      Math.max(...['a', 'b', 'c'].map((name) => probe.order.indexOf(name))),
    );
    expect(probe.order.slice(4).sort()).toEqual(['e', 'f']);
    expect((await store.actions.listByPlan(plan.id)).map((action) => action.state)).toEqual(
      Array(6).fill('SUCCEEDED'),
    );
  });

  it.each([
    ['gone', 'SKIPPED', 'Action was skipped automatically: the instance no longer exists', 'SUCCEEDED'],
    ['broken_check', 'FAILED', 'Action failed in pre_condition: nova is unreachable', 'FAILED'],
    ['fatal', 'FAILED', 'Action failed in execute: flavor x9 does not exist', 'FAILED'],
  ])(
    'ends a %s action %s with "%s" and the plan %s; a failure cancels its dependants, not its independent branch',
    async (type, state, message, planState) => {
      const { store, clock, probe, deps } = await setup();
      const { plan, uuidOf } = await createPlan(store, [
        { name: 'x', type },
        { name: 'y', after: ['x'] },
        { name: 'z', after: ['y'] },
        { name: 'w' },
      ]);
      const run = runWorkflow(deps, plan.uuid);
      await drive(clock, run);
      const result = await run;
      expect(result.state).toBe(planState);
      const ranAfter = state === 'SKIPPED';
      expect(result.actions).toEqual([
        { uuid: uuidOf('x'), state, reason: message },
        ranAfter
          ? { uuid: uuidOf('y'), state: 'SUCCEEDED' }
          : {
              uuid: uuidOf('y'),
              state: 'CANCELLED',
              reason: `Action was cancelled: it depends on action ${uuidOf('x')}, which failed`,
            },
        ranAfter
          ? { uuid: uuidOf('z'), state: 'SUCCEEDED' }
          : {
              uuid: uuidOf('z'),
              state: 'CANCELLED',
              reason: `Action was cancelled: it depends on action ${uuidOf('y')}, which was cancelled`,
            },
        { uuid: uuidOf('w'), state: 'SUCCEEDED' },
      ]);
      expect((await store.actions.find(uuidOf('x')))!.statusMessage).toBe(message);
      expect((await store.actions.find(uuidOf('z')))!.state).toBe(ranAfter ? 'SUCCEEDED' : 'CANCELLED');
      expect(probe.order.sort()).toEqual(ranAfter ? ['w', 'y', 'z'] : ['w']);
      expect(result.statusMessage).toContain(message);
    },
  );

  it('logs one line per finished action saying what it did and how it ended, and a FAILED plan at warn with its reason, without stacks', async () => {
    const { store, clock, deps } = await setup({ concurrency: 1 });
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      format: 'json',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const { plan, uuidOf } = await createPlan(
      store,
      [{ name: 'w' }, { name: 'x', type: 'gone', after: ['w'] }, { name: 'f', type: 'fatal', after: ['x'] }],
      'PENDING',
    );
    const applier = createApplier({ ...deps, logger, hostname: 'h1', serviceDownTimeSeconds: 90 });
    const run = applier.executeActionPlan(plan.uuid);
    await drive(clock, run);
    await run;
    const outcomes = lines.filter((line) => line.action !== undefined && line.state !== undefined);
    expect(
      outcomes.map(({ level, msg, action, state, reason }) => ({ level, msg, action, state, reason })),
    ).toEqual([
      { level: 30, msg: 'step w: succeeded', action: uuidOf('w'), state: 'SUCCEEDED', reason: undefined },
      {
        level: 30,
        msg: 'gone x: skipped',
        action: uuidOf('x'),
        state: 'SKIPPED',
        reason: 'Action was skipped automatically: the instance no longer exists',
      },
      {
        level: 40,
        msg: 'fatal f: failed',
        action: uuidOf('f'),
        state: 'FAILED',
        reason: 'Action failed in execute: flavor x9 does not exist',
      },
    ]);
    const ended = lines.find((line) => line.msg === 'action plan FAILED');
    expect(ended).toMatchObject({ level: 40, actionPlan: plan.uuid, state: 'FAILED' });
    expect(ended?.reason).toContain('flavor x9 does not exist');
    expect(JSON.stringify(lines)).not.toContain('"stack"');
  });

  it('with rollback on, reverts the succeeded actions of a failed plan, the latest first', async () => {
    const { store, clock, probe, deps } = await setup({ rollbackOnFailure: true, concurrency: 1 });
    const { plan, uuidOf } = await createPlan(store, [
      { name: 'a' },
      { name: 'b', after: ['a'] },
      { name: 'x', type: 'fatal', after: ['b'] },
      { name: 'c', after: ['x'] },
    ]);
    const run = runWorkflow(deps, plan.uuid);
    await drive(clock, run);
    const result = await run;
    expect(result.state).toBe('FAILED');
    expect(probe.order).toEqual(['a', 'b']);
    expect(probe.reverted).toEqual(['b', 'a']);
    expect(result.statusMessage).toContain('Rollback: 2 succeeded action(s) reverted.');
    expect((await store.actions.find(uuidOf('a')))!.statusMessage).toBe(
      'Action was reverted because its action plan failed (rollback)',
    );
    expect((await store.actions.find(uuidOf('c')))!.state).toBe('CANCELLED');
  });

  it('without rollback, leaves the succeeded actions of a failed plan in place', async () => {
    const { store, clock, probe, deps } = await setup();
    const { plan } = await createPlan(store, [{ name: 'a' }, { name: 'x', type: 'fatal', after: ['a'] }]);
    const run = runWorkflow(deps, plan.uuid);
    await drive(clock, run);
    expect((await run).state).toBe('FAILED');
    expect(probe.reverted).toEqual([]);
  });

  it.each([
    [
      'an action type it does not implement',
      { type: 'unknown_type' },
      'action type unknown_type is not implemented by this applier (it runs step, steady, gone, broken_check, flaky, fatal)',
    ],
    [
      'input parameters its schema refuses',
      { type: 'step', params: { name: 'b', not_a_field: 1 } },
      'invalid input_parameters for step: /not_a_field schema is false; / must not have additional properties',
    ],
  ])('fails a plan with %s before running anything', async (_what, spec, problem) => {
    const { store, clock, probe, deps } = await setup();
    const { plan, uuidOf } = await createPlan(store, [{ name: 'a' }, { name: 'b', after: ['a'], ...spec }]);
    const run = runWorkflow(deps, plan.uuid);
    await drive(clock, run);
    const result = await run;
    expect(result.state).toBe('FAILED');
    expect(probe.order).toEqual([]);
    expect(result.statusMessage).toBe(
      `The action plan cannot run, so no action was started: action ${uuidOf('b')}: ${problem}.`,
    );
    expect((await store.actions.find(uuidOf('b')))!.state).toBe('FAILED');
    expect((await store.actions.find(uuidOf('a')))!.statusMessage).toBe(
      'Action was cancelled: its action plan cannot run',
    );
  });

  it('retries an action only while its error is retryable, backing off on the clock', async () => {
    const { store, clock, probe, deps } = await setup({ maxAttempts: 3 });
    probe.failuresLeft = 2;
    const { plan } = await createPlan(store, [{ name: 'r', type: 'flaky' }]);
    const run = runWorkflow(deps, plan.uuid);
    await drive(clock, run, 500);
    expect((await run).state).toBe('SUCCEEDED');
    expect(probe.order).toEqual(['r']);
    // The n-th retry waits n × retryDelaySeconds on the clock (other sleepers may move the clock past it a bit).
    const at = probe.attemptsAt.map((iso) => new Date(iso).getTime());
    expect(at).toHaveLength(3);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(500);
    expect(at[1]! - at[0]!).toBeLessThan(1000);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1000);
    expect(at[2]! - at[1]!).toBeLessThan(1500);
  });

  it('never runs an action the operator skipped', async () => {
    const { store, clock, probe, deps } = await setup();
    const { plan } = await createPlan(store, [
      { name: 'a' },
      { name: 'b', state: 'SKIPPED', after: ['a'] },
      { name: 'c', after: ['b'] },
    ]);
    const run = runWorkflow(deps, plan.uuid);
    await drive(clock, run);
    expect((await run).state).toBe('SUCCEEDED');
    expect(probe.order).toEqual(['a', 'c']);
  });

  it('on cancel aborts the running abortable actions, lets the others finish, starts no new one, and cancels the pending ones', async () => {
    const { store, clock, probe, deps } = await setup({ concurrency: 2 });
    const { plan, uuidOf } = await createPlan(store, [
      { name: 'a', ms: 60_000 },
      { name: 's', type: 'steady', ms: 30_000 },
      { name: 'b', after: ['a'] },
      { name: 'c' },
    ]);
    const controller = new AbortController();
    const run = runWorkflow(deps, plan.uuid, { cancel: controller.signal });
    while (probe.running < 2) await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('cancelled by the operator'));
    await drive(clock, run);
    const result = await run;
    expect(result.state).toBe('CANCELLED');
    expect(probe.order).toEqual(['s']);
    expect(result.actions.map((action) => action.state)).toEqual([
      'CANCELLED',
      'SUCCEEDED',
      'CANCELLED',
      'CANCELLED',
    ]);
    expect((await store.actions.find(uuidOf('a')))!.statusMessage).toBe(
      'Action was aborted because the action plan was cancelled',
    );
    expect((await store.actions.find(uuidOf('c')))!.state).toBe('CANCELLED');
  });

  it('notices an operator’s cancel in the store (CANCELLING) while an action runs', async () => {
    const { store, clock, probe, deps } = await setup({ concurrency: 1, cancelCheckSeconds: 1 });
    const { plan } = await createPlan(store, [
      { name: 'a', ms: 600_000 },
      { name: 'b', after: ['a'] },
    ]);
    const run = runWorkflow(deps, plan.uuid);
    while (probe.running < 1) await new Promise((resolve) => setImmediate(resolve));
    await store.actionPlans.updateIfState(plan.uuid, ['ONGOING'], { state: 'CANCELLING' });
    await drive(clock, run);
    const result = await run;
    expect(result.state).toBe('CANCELLED');
    expect(result.actions.map((action) => action.state)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(clock.now().getTime() - new Date('2026-01-01T00:00:00Z').getTime()).toBeLessThan(600_000);
  });

  it('learns of a cancel from the next action state change, before its own cancel check is due', async () => {
    const { store, clock, probe, deps } = await setup({ concurrency: 1, cancelCheckSeconds: 3600 });
    const { plan } = await createPlan(store, [
      { name: 'a', ms: 1000 },
      { name: 'b', ms: 1000 },
    ]);
    const run = runWorkflow(deps, plan.uuid);
    while (probe.running < 1) await new Promise((resolve) => setImmediate(resolve));
    await store.actionPlans.updateIfState(plan.uuid, ['ONGOING'], { state: 'CANCELLING' });
    await drive(clock, run);
    const result = await run;
    expect(result.state).toBe('CANCELLED');
    expect(probe.order).toEqual(['a']);
    expect(result.actions.map((action) => action.state)).toEqual(['SUCCEEDED', 'CANCELLED']);
  });

  it('on shutdown aborts the running actions and leaves them and the plan for a takeover', async () => {
    const { store, probe, deps } = await setup({ concurrency: 1 });
    const { plan, uuidOf } = await createPlan(store, [
      { name: 'a', ms: 60_000 },
      { name: 'b', after: ['a'] },
    ]);
    const shutdown = new AbortController();
    const run = runWorkflow(deps, plan.uuid, { shutdown: shutdown.signal });
    while (probe.running < 1) await new Promise((resolve) => setImmediate(resolve));
    shutdown.abort(new Error('applier stopping'));
    const result = await run;
    expect(result.state).toBe('INTERRUPTED');
    expect((await store.actions.find(uuidOf('a')))!.state).toBe('ONGOING');
    expect((await store.actions.find(uuidOf('b')))!.state).toBe('PENDING');
  });

  it('resumes a plan left half done by a crash: finished actions stay, the ONGOING one is checked and run again', async () => {
    const { store, clock, probe, deps } = await setup();
    const { plan } = await createPlan(store, [
      { name: 'a', state: 'SUCCEEDED' },
      { name: 'b', state: 'ONGOING', after: ['a'] },
      { name: 'c', type: 'gone', state: 'ONGOING' },
      { name: 'd', after: ['b'] },
    ]);
    const run = runWorkflow(deps, plan.uuid);
    await drive(clock, run);
    const result = await run;
    expect(result.state).toBe('SUCCEEDED');
    expect(probe.order).toEqual(['b', 'd']);
    expect(result.actions.map((action) => action.state)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SKIPPED',
      'SUCCEEDED',
    ]);
  });
});
