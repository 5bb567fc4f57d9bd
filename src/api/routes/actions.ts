import { Type } from 'typebox';
import { actionOperatorStates, PLAN_STATES_ALLOWING_SKIP } from '../../applier/action-states.js';
import { ACTION_STATES, MICROVERSION, type ActionState } from '../../contract/states.js';
import { conflict, invalid, invalidTransition, notFound } from '../../errors.js';
import { isUuid } from '../../store/listing.js';
import { requestContext, type ApiInstance, type RouteDeps } from '../app.js';
import { toActionResource, type View } from '../mappers.js';
import { requireMicroversion } from '../microversion.js';
import { nextLink, toPageQuery } from '../pagination.js';
import type { PatchOperation } from '../patch.js';
import { withNext } from './catalog.js';
import { IdParams, PageQuerystring, PatchBody, Ref, responds } from './schemas.js';
import { Action, ActionPage } from '../../contract/resources.js';

const ListQuery = Type.Object(
  {
    ...PageQuerystring,
    action_plan_uuid: Type.Optional(Ref()),
    audit_uuid: Type.Optional(Ref()),
  },
  { additionalProperties: false },
);

export function registerActionRoutes(app: ApiInstance, deps: RouteDeps): void {
  const { store, config } = deps;

  for (const view of ['list', 'detail'] as View[]) {
    const suffix = view === 'detail' ? '/detail' : '';
    app.get(
      `/v1/actions${suffix}`,
      { schema: { querystring: ListQuery, response: responds(200, ActionPage) } },
      async (request) => {
        const ctx = { ...requestContext(request, deps), view };
        const query = request.query;
        if (query.action_plan_uuid !== undefined && query.audit_uuid !== undefined) {
          throw invalid('Filtering actions on both audit and action-plan is prohibited', {});
        }
        const filters: { actionPlanId?: number; auditId?: number } = {};
        for (const [key, value] of [
          ['action_plan_uuid', query.action_plan_uuid],
          ['audit_uuid', query.audit_uuid],
        ] as const) {
          if (value !== undefined && !isUuid(value))
            throw invalid(`Expected a uuid but received ${value}`, { [key]: value }, 'INVALID_UUID');
        }
        if (query.action_plan_uuid !== undefined)
          filters.actionPlanId = (await store.actionPlans.find(query.action_plan_uuid))?.id ?? -1;
        if (query.audit_uuid !== undefined)
          filters.auditId = (await store.audits.find(query.audit_uuid))?.id ?? -1;
        const page = toPageQuery(query, config.maxLimit, filters);
        const actions = await store.actions.list(page);
        return withNext(
          { actions: actions.map((action) => toActionResource(action, ctx)) },
          nextLink(ctx.baseUrl, `actions${suffix}`, page, actions, {
            action_plan_uuid: query.action_plan_uuid,
            audit_uuid: query.audit_uuid,
          }),
        );
      },
    );
  }

  app.get(
    '/v1/actions/:id',
    { schema: { params: IdParams, response: responds(200, Action) } },
    async (request) => {
      const { id } = request.params;
      if (!isUuid(id)) throw invalid(`Expected a uuid but received ${id}`, { id }, 'INVALID_UUID');
      const action = await store.actions.find(id);
      if (!action) throw notFound('Action', id);
      return toActionResource(action, { ...requestContext(request, deps), view: 'detail' });
    },
  );

  /** API ≥ 1.5: an operator skips a PENDING action, with an optional reason, while its plan has not started. */
  app.patch(
    '/v1/actions/:id',
    { schema: { params: IdParams, body: PatchBody, response: responds(200, Action) } },
    async (request) => {
      const ctx = requestContext(request, deps);
      requireMicroversion(ctx.version, MICROVERSION.SKIPPED_ACTION, 'PATCH of an action', 'invalid');
      const { id } = request.params;
      const operations = request.body as PatchOperation[];
      for (const operation of operations) {
        if (operation.path !== '/state' && operation.path !== '/status_message') {
          throw invalid(
            `'${operation.path}' is not an allowed attribute and can not be updated`,
            { path: operation.path },
            'INVALID_PATCH',
          );
        }
        if (operation.op === 'remove')
          throw invalid(
            `'${operation.path}' is a mandatory attribute and can not be removed`,
            {},
            'INVALID_PATCH',
          );
      }
      const requestedState = operations.findLast((operation) => operation.path === '/state')?.value;
      const reason = operations.findLast((operation) => operation.path === '/status_message')?.value;
      if (reason !== undefined && reason !== null && typeof reason !== 'string') {
        throw invalid(
          'Invalid input for field/attribute status_message: a string is required',
          {},
          'INVALID_PATCH',
        );
      }
      const updated = await store.transaction(async (tx) => {
        if (!isUuid(id)) throw invalid(`Expected a uuid but received ${id}`, { id }, 'INVALID_UUID');
        const found = await tx.actions.find(id);
        if (!found) throw notFound('Action', id);
        // The plan is locked before the action is read again: a skip and a start, cancel or applier claim of the
        // plan apply one after the other, so a skipped action is never one the applier has already taken.
        const plan = await tx.actionPlans.findForUpdate(found.actionPlanUuid);
        const action = (await tx.actions.find(id)) ?? found;
        const skippedMessage = reason
          ? `Action skipped by user. Reason: ${reason}`
          : 'Action skipped by user.';
        if (requestedState !== undefined && requestedState !== action.state) {
          if (
            typeof requestedState !== 'string' ||
            !(ACTION_STATES as readonly string[]).includes(requestedState)
          ) {
            throw invalid(`Invalid state: ${JSON.stringify(requestedState)}`, { state: requestedState });
          }
          if (!actionOperatorStates.canTransition(action.state, requestedState as ActionState)) {
            throw invalidTransition('action', action.state, requestedState);
          }
          if (!plan || !PLAN_STATES_ALLOWING_SKIP.includes(plan.state)) {
            throw conflict(`State update not allowed for actionplan state: ${plan?.state ?? 'DELETED'}`);
          }
          const skipped = await tx.actions.updateIfState(action.uuid, ['PENDING'], {
            state: 'SKIPPED',
            statusMessage: skippedMessage,
          });
          if (!skipped) throw invalidTransition('action', action.state, requestedState);
          return skipped;
        }
        if (reason !== undefined) {
          if (action.state !== 'SKIPPED')
            throw conflict('status_message update only allowed when action state is SKIPPED');
          return tx.actions.update(action.uuid, { statusMessage: skippedMessage });
        }
        return action;
      });
      return toActionResource(updated, { ...ctx, view: 'detail' });
    },
  );
}
