/**
 * Takeover between appliers sharing one PostgreSQL database: a live applier resumes, on its own heartbeat, a plan
 * whose applier went silent; of several live appliers exactly one takes each abandoned plan; and an applier whose
 * plan was taken over starts no further action of it.
 */
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType, ok, type ActionType } from '../../src/applier/action-type.js';
import { actionTypes } from '../../src/applier/actions/index.js';
import { APPLIER_SERVICE_NAME, createApplier, type Applier } from '../../src/applier/applier.js';
import { loadConfig } from '../../src/config/config.js';
import { syncRegistries } from '../../src/decision-engine/sync.js';
import { goals } from '../../src/goals/index.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createRegistry } from '../../src/lib/registry.js';
import { silentLogger } from '../../src/observability/logger.js';
import { scoringEngines } from '../../src/scoring/index.js';
import { strategies } from '../../src/strategies/index.js';
import type { Store } from '../../src/store/store.js';
import { createTestStore, type TestStore } from '../helpers/store.js';

const HEARTBEAT_MS = 10_000;
const DOWN_SECONDS = 30;

describe('applier takeover on PostgreSQL', () => {
  let testStore: TestStore;
  let store: Store;
  const appliers: Applier[] = [];

  beforeAll(async () => {
    testStore = await createTestStore('postgres');
    store = testStore.store;
    await syncRegistries(store, { goals, strategies, scoringEngines });
  });

  afterEach(async () => {
    for (const applier of appliers.splice(0)) await applier.stop();
  });

  afterAll(async () => {
    await testStore?.close();
  });

  const applierOn = (hostname: string, clock: ManualClock, types = actionTypes) => {
    const applier = createApplier({
      store,
      actionTypes: types,
      cloud: undefined,
      clock,
      logger: silentLogger,
      hostname,
      settings: { ...loadConfig({ env: {} }).applier, concurrency: 2 },
      serviceDownTimeSeconds: DOWN_SECONDS,
      takeoverIntervalMs: HEARTBEAT_MS,
    });
    appliers.push(applier);
    return applier;
  };

  async function createPlan(actionType: string, inputs: Record<string, unknown>[], hostname: string) {
    const strategy = (await store.strategies.find('dummy'))!;
    const audit = await store.audits.create({
      name: `takeover-${randomUUID()}`,
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
      force: true,
      forceRefresh: false,
    });
    const uuids = inputs.map(() => randomUUID());
    const plan = await store.actionPlans.create({
      auditId: audit.id,
      strategyId: strategy.id,
      state: 'ONGOING',
      globalEfficacy: [],
      efficacyIndicators: [],
      actions: inputs.map((input, i) => ({
        uuid: uuids[i]!,
        actionType,
        inputParameters: input,
        parents: i === 0 ? [] : [uuids[i - 1]!],
        state: 'PENDING',
      })),
    });
    return store.actionPlans.update(plan.uuid, { hostname });
  }

  it('resumes, within a few heartbeats of its own, a plan whose applier stopped heartbeating after it started', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const live = applierOn('live-applier', clock);
    await live.start();
    // The other applier is alive when the plan starts, then goes silent.
    await store.services.heartbeat(APPLIER_SERVICE_NAME, 'silent-applier', clock.now());
    const plan = await createPlan('nop', [{ message: 'a' }, { message: 'b' }], 'silent-applier');

    let beats = 0;
    for (; beats < 10; beats++) {
      const current = (await store.actionPlans.find(plan.uuid))!;
      if (current.state === 'SUCCEEDED') break;
      await clock.advance(HEARTBEAT_MS);
      // Its look for abandoned plans reads the database in real time: wait until it sleeps again.
      await expect.poll(() => clock.pendingSleepers).toBe(1);
      await live.idle();
    }
    const finished = (await store.actionPlans.find(plan.uuid))!;
    expect(finished.state).toBe('SUCCEEDED');
    expect(finished.hostname).toBe('live-applier');
    // Silent for DOWN_SECONDS, then taken over on the next heartbeat or the one after.
    expect(beats * HEARTBEAT_MS).toBeLessThanOrEqual(DOWN_SECONDS * 1000 + 2 * HEARTBEAT_MS);
  });

  it('lets exactly one of several live appliers take each abandoned plan', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    await store.services.heartbeat(APPLIER_SERVICE_NAME, 'dead-applier', new Date('2025-12-31T00:00:00Z'));
    const plans = await Promise.all(
      Array.from({ length: 6 }, () => createPlan('nop', [{ message: 'x' }], 'dead-applier')),
    );
    const contenders = ['a', 'b', 'c'].map((name) => applierOn(`applier-${name}`, clock));
    const taken = await Promise.all(contenders.map((applier) => applier.recoverAbandonedPlans()));
    await Promise.all(contenders.map((applier) => applier.idle()));
    const own = new Set(plans.map((plan) => plan.uuid));
    expect(taken.reduce((sum, count) => sum + count, 0)).toBe(plans.length);
    for (const plan of await store.actionPlans.list({ limit: 1000, filters: { states: ['SUCCEEDED'] } }))
      own.delete(plan.uuid);
    expect([...own]).toEqual([]);
  });

  it('stops starting actions of a plan another applier took over, and leaves its end to that applier', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const started: string[] = [];
    const step = defineActionType({
      name: 'step',
      parameters: Type.Object({ name: Type.String() }),
      abortable: false,
      describe: ({ name }) => `step ${name}`,
      check: () => Promise.resolve(ok),
      async execute(ctx, { name }) {
        started.push(name);
        await ctx.clock.sleep(1000);
      },
    });
    const types = createRegistry<ActionType>('action type', [step] as ActionType[]);
    await store.services.heartbeat(APPLIER_SERVICE_NAME, 'slow-applier', clock.now());
    const plan = await createPlan('step', [{ name: 'first' }, { name: 'second' }], 'slow-applier');
    const slow = applierOn('slow-applier', clock, types);
    await slow.launchActionPlan(plan.uuid);
    await expect.poll(() => started).toEqual(['first']);
    // Another applier takes the plan over while the first action runs (the slow one looked dead to it).
    await store.actionPlans.updateIfState(plan.uuid, ['ONGOING'], { hostname: 'other-applier' });
    await clock.advance(1000);
    await slow.idle();
    expect(started).toEqual(['first']);
    const after = (await store.actionPlans.find(plan.uuid))!;
    expect(after.state).toBe('ONGOING');
    expect(after.hostname).toBe('other-applier');
    const [first, second] = await store.actions.listByPlan(plan.id);
    expect([first!.state, second!.state]).toEqual(['ONGOING', 'PENDING']);
  });
});
