/**
 * Concurrent conflicting state changes through the API on PostgreSQL. Many requests hit one object at once, in
 * repeated trials; the answers must be explained by ONE serial order of the same requests: exactly the transitions
 * of that order succeed (and say the state they made), every other request gets 409 with Watcher's error body,
 * and the stored state is the one the last successful request made. Plans are launched into a recorder, so only
 * the API races here; `applier-races.test.ts` races the API against a running applier.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionPlanOperatorStates } from '../../src/applier/plan-states.js';
import type { ActionPlanState, ActionState, AuditState } from '../../src/contract/states.js';
import { auditStates } from '../../src/decision-engine/audit-states.js';
import { createRandom } from '../../src/lib/rng.js';
import { createTestSteward, type TestSteward } from '../helpers/steward.js';

const TRIALS = 10;
const CONTENDERS = 8;
const HEADERS = { 'OpenStack-API-Version': 'infra-optim 1.5' };

/** One request of a race and what it does when it runs alone against a state. */
interface Contender<S> {
  label: string;
  send(): Promise<LightMyRequestResponse>;
  /** Status and the resulting state when run serially; `says` is what a 200 reports (compared with the body). */
  serial(state: S): { status: 200 | 409; next: S; says?: unknown };
  reported?(body: unknown): unknown;
}

interface Step<S> {
  label: string;
  status: number;
  from: S;
  to: S;
}

interface Observed {
  status: number;
  body: unknown;
}

/**
 * Finds an order of the contenders whose serial answers are the observed ones and whose final state is `final`;
 * returns the steps in that order, or undefined when no serial order explains what happened.
 */
function serialOrder<S>(
  initial: S,
  contenders: readonly Contender<S>[],
  observed: readonly Observed[],
  final: S,
): Step<S>[] | undefined {
  const key = (state: S) => JSON.stringify(state);
  const dead = new Set<string>();
  const search = (state: S, used: number, order: Step<S>[]): Step<S>[] | undefined => {
    if (order.length === contenders.length) return key(state) === key(final) ? order : undefined;
    const memo = `${used}|${key(state)}`;
    if (dead.has(memo)) return undefined;
    for (const [i, contender] of contenders.entries()) {
      if (used & (1 << i)) continue;
      const answer = contender.serial(state);
      const seen = observed[i]!;
      if (answer.status !== seen.status) continue;
      if (
        answer.status === 200 &&
        contender.reported &&
        JSON.stringify(contender.reported(seen.body)) !== JSON.stringify(answer.says)
      )
        continue;
      const step = { label: contender.label, status: seen.status, from: state, to: answer.next };
      const found = search(answer.next, used | (1 << i), [...order, step]);
      if (found) return found;
    }
    dead.add(memo);
    return undefined;
  };
  return search(initial, 0, []);
}

async function race<S>(
  initial: S,
  contenders: readonly Contender<S>[],
  readFinal: () => Promise<S>,
): Promise<{ observed: Observed[]; final: S; order: Step<S>[] }> {
  const responses = await Promise.all(contenders.map((contender) => contender.send()));
  const observed = responses.map((response) => ({
    status: response.statusCode,
    body: response.json<unknown>(),
  }));
  for (const [i, response] of responses.entries()) {
    if (response.statusCode === 200) continue;
    // A loser is told so in Watcher's body, never with a 500 or a bare 400.
    expect(response.statusCode, `${contenders[i]!.label}: ${response.body}`).toBe(409);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(response.json<{ error_message: string }>().error_message)).toMatchObject({
      faultcode: 'Client',
    });
  }
  const final = await readFinal();
  const order = serialOrder(initial, contenders, observed, final);
  const seen = observed.map(({ status, body }, i) => {
    const contender = contenders[i]!;
    return `${contender.label} → ${status}${status === 200 && contender.reported ? ` ${JSON.stringify(contender.reported(body))}` : ''}`;
  });
  expect(order, `no serial order explains ${JSON.stringify({ seen, final })}`).toBeDefined();
  return { observed, final, order: order! };
}

describe('concurrent conflicting transitions through the API on PostgreSQL', () => {
  let steward: TestSteward;
  const launched: string[] = [];
  let goalId: number;
  let strategyId: number;
  const random = createRandom(1313);
  const pick = <T>(items: readonly T[]): T => random.pick(items);

  beforeAll(async () => {
    steward = await createTestSteward({
      dialect: 'postgres',
      launcher: { launchActionPlan: (uuid) => Promise.resolve(void launched.push(uuid)) },
    });
    goalId = (await steward.store.goals.find('dummy'))!.id;
    strategyId = (await steward.store.strategies.find('dummy'))!.id;
  });

  afterAll(async () => {
    await steward?.close();
  });

  const createAudit = async (state: AuditState) => {
    const audit = await steward.store.audits.create({
      name: `race-${randomUUID()}`,
      auditType: 'CONTINUOUS',
      state,
      parameters: {},
      interval: '3600',
      goalId,
      strategyId,
      scope: [],
      autoTrigger: false,
      nextRunTime: null,
      startTime: null,
      endTime: null,
      force: false,
      forceRefresh: false,
    });
    return audit;
  };

  const createPlan = async (state: ActionPlanState) => {
    const audit = await createAudit('SUCCEEDED');
    return steward.store.actionPlans.create({
      auditId: audit.id,
      strategyId,
      state,
      globalEfficacy: [],
      efficacyIndicators: [],
      actions: [randomUUID(), randomUUID()].map((uuid, i) => ({
        uuid,
        actionType: 'nop',
        inputParameters: { message: `action ${i}` },
        parents: [],
        state: 'PENDING',
      })),
    });
  };

  const patch = (url: string, operations: unknown[]) => () =>
    steward.app.inject({ method: 'PATCH', url, headers: HEADERS, payload: operations });

  const stateOf = (body: unknown) => (body as { state: string }).state;

  it.each(Array.from({ length: TRIALS }, (_, trial) => [trial]))(
    'PATCH /v1/audits/{id}: of %i-th trial of CANCELLED / SUSPENDED / ONGOING on an ONGOING continuous audit, the answers are one serial order',
    async () => {
      const audit = await createAudit('ONGOING');
      const contenders = Array.from({ length: CONTENDERS }, (): Contender<AuditState> => {
        const target = pick(['CANCELLED', 'SUSPENDED', 'ONGOING'] as const);
        return {
          label: `audit→${target}`,
          send: patch(`/v1/audits/${audit.uuid}`, [{ op: 'replace', path: '/state', value: target }]),
          serial: (state) =>
            state === target
              ? { status: 200, next: state, says: state }
              : auditStates.canTransition(state, target)
                ? { status: 200, next: target, says: target }
                : { status: 409, next: state },
          reported: stateOf,
        };
      });
      await race('ONGOING', contenders, async () => {
        return (await steward.store.audits.find(audit.uuid))!.state;
      });
    },
  );

  it.each(Array.from({ length: TRIALS }, (_, trial) => [trial]))(
    'start and PATCH /v1/action_plans/{id}: trial %i of start / PENDING / CANCELLED / CANCELLING on a RECOMMENDED plan is one serial order, launched once per start',
    async () => {
      const plan = await createPlan('RECOMMENDED');
      const contenders = Array.from({ length: CONTENDERS }, (): Contender<ActionPlanState> => {
        const kind = pick(['start', 'PENDING', 'CANCELLED', 'CANCELLING'] as const);
        if (kind === 'start')
          return {
            label: 'start',
            send: () =>
              steward.app.inject({
                method: 'POST',
                url: `/v1/action_plans/${plan.uuid}/start`,
                headers: HEADERS,
              }),
            serial: (state) =>
              state === 'RECOMMENDED'
                ? { status: 200, next: 'PENDING', says: 'PENDING' }
                : { status: 409, next: state },
            reported: stateOf,
          };
        return {
          label: `plan→${kind}`,
          send: patch(`/v1/action_plans/${plan.uuid}`, [{ op: 'replace', path: '/state', value: kind }]),
          serial: (state) =>
            state === kind
              ? { status: 200, next: state, says: state }
              : actionPlanOperatorStates.canTransition(state, kind)
                ? { status: 200, next: kind, says: kind }
                : { status: 409, next: state },
          reported: stateOf,
        };
      });
      const result = await race('RECOMMENDED', contenders, async () => {
        return (await steward.store.actionPlans.find(plan.uuid))!.state;
      });
      // A plan moved to PENDING is handed to the applier exactly once.
      const starts = result.order.filter((step) => step.from === 'RECOMMENDED' && step.to === 'PENDING');
      expect(launched.filter((uuid) => uuid === plan.uuid)).toHaveLength(starts.length);
    },
  );

  it.each(Array.from({ length: TRIALS }, (_, trial) => [trial]))(
    'PATCH /v1/action_plans/{id}: trial %i of CANCELLING / CANCELLED / start on an ONGOING plan is one serial order',
    async () => {
      const plan = await createPlan('ONGOING');
      const contenders = Array.from({ length: CONTENDERS }, (): Contender<ActionPlanState> => {
        const kind = pick(['start', 'CANCELLING', 'CANCELLED'] as const);
        if (kind === 'start')
          return {
            label: 'start',
            send: () =>
              steward.app.inject({
                method: 'POST',
                url: `/v1/action_plans/${plan.uuid}/start`,
                headers: HEADERS,
              }),
            serial: (state) =>
              state === 'RECOMMENDED'
                ? { status: 200, next: 'PENDING', says: 'PENDING' }
                : { status: 409, next: state },
            reported: stateOf,
          };
        return {
          label: `plan→${kind}`,
          send: patch(`/v1/action_plans/${plan.uuid}`, [{ op: 'replace', path: '/state', value: kind }]),
          serial: (state) =>
            state === kind
              ? { status: 200, next: state, says: state }
              : actionPlanOperatorStates.canTransition(state, kind)
                ? { status: 200, next: kind, says: kind }
                : { status: 409, next: state },
          reported: stateOf,
        };
      });
      await race('ONGOING', contenders, async () => {
        return (await steward.store.actionPlans.find(plan.uuid))!.state;
      });
    },
  );

  interface SkipState {
    plan: ActionPlanState;
    action: ActionState;
    message: string | null;
  }

  it.each(Array.from({ length: TRIALS }, (_, trial) => [trial]))(
    'PATCH /v1/actions/{id} (skip): trial %i of skips with reasons, plan cancel and plan start on a RECOMMENDED plan is one serial order',
    async () => {
      const plan = await createPlan('RECOMMENDED');
      const [action] = await steward.store.actions.listByPlan(plan.id);
      const contenders = Array.from({ length: CONTENDERS }, (_, i): Contender<SkipState> => {
        const kind = pick(['skip', 'skip', 'cancel', 'start'] as const);
        if (kind === 'skip') {
          const message = `Action skipped by user. Reason: reason ${i}`;
          return {
            label: `skip ${i}`,
            send: patch(`/v1/actions/${action!.uuid}`, [
              { op: 'replace', path: '/state', value: 'SKIPPED' },
              { op: 'replace', path: '/status_message', value: `reason ${i}` },
            ]),
            serial: (state) => {
              if (state.action === 'SKIPPED') {
                const next = { ...state, message };
                return { status: 200, next, says: ['SKIPPED', message] };
              }
              if (state.action === 'PENDING' && (state.plan === 'RECOMMENDED' || state.plan === 'PENDING')) {
                const next = { ...state, action: 'SKIPPED' as const, message };
                return { status: 200, next, says: ['SKIPPED', message] };
              }
              return { status: 409, next: state };
            },
            reported: (body) => {
              const { state, status_message } = body as { state: string; status_message: string };
              return [state, status_message];
            },
          };
        }
        if (kind === 'cancel')
          return {
            label: 'cancel',
            send: patch(`/v1/action_plans/${plan.uuid}`, [
              { op: 'replace', path: '/state', value: 'CANCELLED' },
            ]),
            serial: (state) =>
              state.plan === 'CANCELLED'
                ? { status: 200, next: state, says: 'CANCELLED' }
                : {
                    status: 200,
                    next: {
                      ...state,
                      plan: 'CANCELLED',
                      action: state.action === 'PENDING' ? 'CANCELLED' : state.action,
                    },
                    says: 'CANCELLED',
                  },
            reported: stateOf,
          };
        return {
          label: 'start',
          send: () =>
            steward.app.inject({
              method: 'POST',
              url: `/v1/action_plans/${plan.uuid}/start`,
              headers: HEADERS,
            }),
          serial: (state) =>
            state.plan === 'RECOMMENDED'
              ? { status: 200, next: { ...state, plan: 'PENDING' }, says: 'PENDING' }
              : { status: 409, next: state },
          reported: stateOf,
        };
      });
      await race<SkipState>(
        { plan: 'RECOMMENDED', action: 'PENDING', message: null },
        contenders,
        async () => {
          const storedAction = (await steward.store.actions.find(action!.uuid))!;
          return {
            plan: (await steward.store.actionPlans.find(plan.uuid))!.state,
            action: storedAction.state,
            message: storedAction.statusMessage,
          };
        },
      );
    },
  );
});
