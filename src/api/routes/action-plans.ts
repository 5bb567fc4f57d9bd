import { Type } from 'typebox';
import { actionPlanOperatorStates } from '../../applier/plan-states.js';
import { ACTION_PLAN_STATES, type ActionPlanState } from '../../contract/states.js';
import { conflict, invalid, invalidTransition, notFound } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { isUuid } from '../../store/listing.js';
import { requestContext, type ApiInstance, type RouteDeps } from '../app.js';
import { toActionPlanResource, type View } from '../mappers.js';
import { nextLink, toPageQuery } from '../pagination.js';
import { applyPatch, type PatchOperation } from '../patch.js';
import { withNext } from './catalog.js';
import { IdParams, NoBody, PageQuerystring, PatchBody, Ref, responds } from './schemas.js';
import { ActionPlan, ActionPlanPage } from '../../contract/resources.js';

const ListQuery = Type.Object(
  { ...PageQuerystring, audit_uuid: Type.Optional(Ref()), strategy: Type.Optional(Ref()) },
  { additionalProperties: false },
);

const DELETABLE: readonly ActionPlanState[] = [
  'SUCCEEDED',
  'RECOMMENDED',
  'FAILED',
  'SUPERSEDED',
  'CANCELLED',
];

export function registerActionPlanRoutes(app: ApiInstance, deps: RouteDeps): void {
  const { store, config } = deps;

  /** Inside a transaction (`tx`), the plan stays locked until it ends: its state changes apply one at a time. */
  const findPlan = async (id: string, tx?: Store) => {
    if (!isUuid(id)) throw invalid(`Expected a uuid but received ${id}`, { id }, 'INVALID_UUID');
    const plan = tx ? await tx.actionPlans.findForUpdate(id) : await store.actionPlans.find(id);
    if (!plan) throw notFound('ActionPlan', id);
    return plan;
  };

  for (const view of ['list', 'detail'] as View[]) {
    const suffix = view === 'detail' ? '/detail' : '';
    app.get(
      `/v1/action_plans${suffix}`,
      { schema: { querystring: ListQuery, response: responds(200, ActionPlanPage) } },
      async (request) => {
        const ctx = { ...requestContext(request, deps), view };
        const query = request.query;
        const filters: { auditId?: number; strategyId?: number } = {};
        if (query.audit_uuid !== undefined) {
          if (!isUuid(query.audit_uuid))
            throw invalid(`Expected a uuid but received ${query.audit_uuid}`, {}, 'INVALID_UUID');
          filters.auditId = (await store.audits.find(query.audit_uuid))?.id ?? -1;
        }
        if (query.strategy !== undefined)
          filters.strategyId = (await store.strategies.find(query.strategy))?.id ?? -1;
        const page = toPageQuery(query, config.maxLimit, filters);
        const plans = await store.actionPlans.list(page);
        return withNext(
          { action_plans: plans.map((plan) => toActionPlanResource(plan, ctx)) },
          nextLink(ctx.baseUrl, `action_plans${suffix}`, page, plans, {
            audit_uuid: query.audit_uuid,
            strategy: query.strategy,
          }),
        );
      },
    );
  }

  app.get(
    '/v1/action_plans/:id',
    { schema: { params: IdParams, response: responds(200, ActionPlan) } },
    async (request) => {
      const plan = await findPlan(request.params.id);
      return toActionPlanResource(plan, { ...requestContext(request, deps), view: 'detail' });
    },
  );

  app.post(
    '/v1/action_plans/:id/start',
    { schema: { params: IdParams, response: responds(200, ActionPlan) } },
    async (request) => {
      const { id } = request.params;
      const started = await store.transaction(async (tx) => {
        const plan = await findPlan(id, tx);
        if (plan.state !== 'RECOMMENDED')
          throw conflict(`Couldn't start when state is '${plan.state}'.`, 'INVALID_STATE_TRANSITION', {
            state: plan.state,
          });
        return tx.actionPlans.update(plan.uuid, { state: 'PENDING' });
      });
      await deps.applier.launchActionPlan(started.uuid);
      return toActionPlanResource(started, { ...requestContext(request, deps), view: 'detail' });
    },
  );

  app.patch(
    '/v1/action_plans/:id',
    { schema: { params: IdParams, body: PatchBody, response: responds(200, ActionPlan) } },
    async (request) => {
      const { id } = request.params;
      const operations = request.body as PatchOperation[];
      let launch = false;
      const updated = await store.transaction(async (tx) => {
        const plan = await findPlan(id, tx);
        const patched = applyPatch({ state: plan.state }, operations, {
          readOnly: [
            '/status_message',
            '/audit_uuid',
            '/strategy_uuid',
            '/strategy_name',
            '/hostname',
            '/efficacy_indicators',
            '/global_efficacy',
          ],
          patchable: ['/state'],
        });
        if (patched.state === plan.state) return plan;
        if (
          typeof patched.state !== 'string' ||
          !(ACTION_PLAN_STATES as readonly string[]).includes(patched.state)
        ) {
          throw invalid(`Invalid state: ${String(patched.state)}`, { state: patched.state });
        }
        const target = patched.state;
        if (target === 'DELETED' || !actionPlanOperatorStates.canTransition(plan.state, target))
          throw invalidTransition('action_plan', plan.state, target);
        const result = await tx.actionPlans.update(plan.uuid, { state: target });
        if (target === 'CANCELLED')
          await tx.actions.updateManyOfPlan(plan.id, ['PENDING'], { state: 'CANCELLED' });
        launch = target === 'PENDING';
        return result;
      });
      if (launch) await deps.applier.launchActionPlan(updated.uuid);
      return toActionPlanResource(updated, { ...requestContext(request, deps), view: 'detail' });
    },
  );

  app.delete(
    '/v1/action_plans/:id',
    { schema: { params: IdParams, response: responds(204, NoBody) } },
    async (request, reply) => {
      const { id } = request.params;
      await store.transaction(async (tx) => {
        const plan = await findPlan(id, tx);
        if (!DELETABLE.includes(plan.state))
          throw conflict(`Couldn't delete when state is '${plan.state}'.`, 'INVALID_STATE_TRANSITION', {
            state: plan.state,
          });
        await tx.actionPlans.softDelete(plan.uuid);
      });
      return reply.code(204).send(null);
    },
  );
}
