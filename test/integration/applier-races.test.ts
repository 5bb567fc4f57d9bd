/**
 * The API's start, cancel and skip racing a running applier on PostgreSQL: whatever a client was told must hold at
 * the end. A cancel that answered 200 ends the plan CANCELLED (never SUCCEEDED after CANCELLING); an action whose
 * skip answered 200 ends SKIPPED (the applier never ran it); nothing stays PENDING or ONGOING.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionPlanState } from '../../src/contract/states.js';
import { createRandom } from '../../src/lib/rng.js';
import { createTestSteward, type TestSteward } from '../helpers/steward.js';

const TRIALS = 30;
const HEADERS = { 'OpenStack-API-Version': 'infra-optim 1.5' };

describe('API transitions racing the applier on PostgreSQL', () => {
  let steward: TestSteward;
  const random = createRandom(77);

  beforeAll(async () => {
    steward = await createTestSteward({ dialect: 'postgres' });
  });

  afterAll(async () => {
    await steward?.close();
  });

  async function createPlan() {
    const { store } = steward;
    const strategy = (await store.strategies.find('dummy'))!;
    const audit = await store.audits.create({
      name: `applier-race-${randomUUID()}`,
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
    // A chain, so the plan is still running while the requests arrive.
    const uuids = Array.from({ length: 6 }, () => randomUUID());
    return store.actionPlans.create({
      auditId: audit.id,
      strategyId: strategy.id,
      state: 'RECOMMENDED',
      globalEfficacy: [],
      efficacyIndicators: [],
      actions: uuids.map((uuid, i) => ({
        uuid,
        actionType: 'nop',
        inputParameters: { message: `step ${i}` },
        parents: i === 0 ? [] : [uuids[i - 1]!],
        state: 'PENDING',
      })),
    });
  }

  it.each(Array.from({ length: TRIALS }, (_, trial) => [trial]))(
    'trial %i: start, cancels and skips sent together hold at the end of the run',
    async () => {
      const plan = await createPlan();
      const actions = await steward.store.actions.listByPlan(plan.id);
      type Request =
        { kind: 'start' } | { kind: 'cancel'; to: ActionPlanState } | { kind: 'skip'; uuid: string };
      const requests: Request[] = [
        { kind: 'start' },
        { kind: 'start' },
        { kind: 'cancel', to: random.pick(['CANCELLED', 'CANCELLING'] as const) },
        { kind: 'skip', uuid: actions[0]!.uuid },
        { kind: 'skip', uuid: random.pick(actions).uuid },
        { kind: 'skip', uuid: random.pick(actions).uuid },
      ];
      const send = (request: Request) => {
        switch (request.kind) {
          case 'start':
            return steward.app.inject({
              method: 'POST',
              url: `/v1/action_plans/${plan.uuid}/start`,
              headers: HEADERS,
            });
          case 'cancel':
            return steward.app.inject({
              method: 'PATCH',
              url: `/v1/action_plans/${plan.uuid}`,
              headers: HEADERS,
              payload: [{ op: 'replace', path: '/state', value: request.to }],
            });
          case 'skip':
            return steward.app.inject({
              method: 'PATCH',
              url: `/v1/actions/${request.uuid}`,
              headers: HEADERS,
              payload: [{ op: 'replace', path: '/state', value: 'SKIPPED' }],
            });
        }
      };
      // The start goes first; the others arrive spread over the next few milliseconds, while the applier claims the
      // plan and runs its first actions.
      const responses = await Promise.all(
        requests.map(async (request, i) => {
          if (i > 0) await new Promise((resolve) => setTimeout(resolve, random.int(0, 25)));
          return send(request);
        }),
      );
      for (const response of responses) expect([200, 409], response.body).toContain(response.statusCode);
      await steward.applier.idle();

      const told = (kind: Request['kind']) =>
        requests.filter((request, i) => request.kind === kind && responses[i]!.statusCode === 200);
      const final = (await steward.store.actionPlans.find(plan.uuid))!;
      const finalActions = await steward.store.actions.listByPlan(plan.id);
      const summary = JSON.stringify({
        told: requests.map((request, i) => [request, responses[i]!.statusCode]),
        plan: final.state,
        actions: finalActions.map((action) => action.state),
      });
      if (told('cancel').length > 0) expect(final.state, summary).toBe('CANCELLED');
      else if (told('start').length > 0) expect(final.state, summary).toBe('SUCCEEDED');
      else expect(final.state, summary).toBe('RECOMMENDED');
      expect(told('start').length, summary).toBeLessThanOrEqual(1);
      for (const skip of told('skip') as { uuid: string }[])
        expect(finalActions.find((action) => action.uuid === skip.uuid)!.state, summary).toBe('SKIPPED');
      if (final.state !== 'RECOMMENDED')
        for (const action of finalActions)
          expect(['PENDING', 'ONGOING'], summary).not.toContain(action.state);
    },
  );
});
