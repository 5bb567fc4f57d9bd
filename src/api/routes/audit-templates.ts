import { Type } from 'typebox';
import { MICROVERSION } from '../../contract/states.js';
import { conflict, invalid, notFound } from '../../errors.js';
import type { GoalRecord, StrategyRecord } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { requestContext, type ApiInstance, type RouteDeps } from '../app.js';
import { toAuditTemplateResource, type View } from '../mappers.js';
import { requireMicroversion } from '../microversion.js';
import { nextLink, toPageQuery } from '../pagination.js';
import { applyPatch, type PatchOperation } from '../patch.js';
import { judgeScopeNames, normaliseScope } from '../scope.js';
import { validateStrategyParameters } from '../strategy-parameters.js';
import { withNext } from './catalog.js';
import {
  IdParams,
  NoBody,
  PageQuerystring,
  ParameterMap,
  PatchBody,
  Ref,
  responds,
  Text,
} from './schemas.js';
import { AuditTemplate, AuditTemplatePage } from '../../contract/resources.js';

const ListQuery = Type.Object(
  { ...PageQuerystring, goal: Type.Optional(Ref()), strategy: Type.Optional(Ref()) },
  { additionalProperties: false },
);

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63 }),
    description: Type.Optional(Type.Union([Text(), Type.Null()])),
    goal: Ref({ minLength: 1 }),
    strategy: Type.Optional(Type.Union([Ref({ minLength: 1 }), Type.Null()])),
    scope: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 64 })),
    default_parameters: Type.Optional(Type.Union([ParameterMap(), Type.Null()])),
  },
  { additionalProperties: false },
);

/**
 * Goal and strategy as upstream resolves them for templates and audits: by uuid or name, strategy must serve the
 * goal. Without a strategy, the goal must have one for the decision engine to choose (`chosen`, the first, as the
 * engine chooses): an audit of a goal no strategy serves could only fail when it runs.
 */
export async function resolveGoalAndStrategy(
  store: Store,
  goalRef: string,
  strategyRef: string | null | undefined,
): Promise<{ goal: GoalRecord; strategy: StrategyRecord | undefined; chosen?: StrategyRecord }> {
  const goal = await store.goals.find(goalRef);
  if (!goal) throw invalid(`Goal ${goalRef} is invalid`, { goal: goalRef });
  if (strategyRef === undefined || strategyRef === null) {
    const [chosen] = await store.strategies.list({ limit: 1, filters: { goalId: goal.id } });
    if (!chosen)
      throw invalid(
        `No strategy is available for goal ${goal.name}: an audit of it could not run. See openstack optimize strategy list for the goals that have one.`,
        { goal: goal.name },
        'NO_STRATEGY_FOR_GOAL',
      );
    return { goal, strategy: undefined, chosen };
  }
  const strategy = await store.strategies.find(strategyRef);
  if (!strategy) throw invalid(`Strategy ${strategyRef} is invalid`, { strategy: strategyRef });
  if (strategy.goalId !== goal.id) {
    const choices = (await store.strategies.list({ limit: 1000, filters: { goalId: goal.id } })).map(
      (s) => s.name,
    );
    throw invalid(
      `'${strategy.name}' strategy does relate to the '${goal.name}' goal. Possible choices: ${choices.join(', ')}`,
      {
        goal: goal.name,
        strategy: strategy.name,
      },
    );
  }
  return { goal, strategy };
}

function checkDefaultParameters(
  strategy: StrategyRecord | undefined,
  defaults: Record<string, unknown> | null | undefined,
) {
  if (defaults === undefined || defaults === null) return null;
  if (!strategy)
    throw invalid('default_parameters requires a strategy to be specified', {}, 'INVALID_PARAMETERS');
  validateStrategyParameters(strategy.name, strategy.parametersSpec, defaults, {
    fillDefaults: false,
    partial: true,
    label: 'default_parameters',
  });
  return defaults;
}

export function registerAuditTemplateRoutes(app: ApiInstance, deps: RouteDeps): void {
  const { store, config } = deps;

  for (const view of ['list', 'detail'] as View[]) {
    const suffix = view === 'detail' ? '/detail' : '';
    app.get(
      `/v1/audit_templates${suffix}`,
      { schema: { querystring: ListQuery, response: responds(200, AuditTemplatePage) } },
      async (request) => {
        const ctx = { ...requestContext(request, deps), view };
        const query = request.query;
        const filters: { goalId?: number; strategyId?: number } = {};
        if (query.goal !== undefined) filters.goalId = (await store.goals.find(query.goal))?.id ?? -1;
        if (query.strategy !== undefined)
          filters.strategyId = (await store.strategies.find(query.strategy))?.id ?? -1;
        const page = toPageQuery(query, config.maxLimit, filters);
        const templates = await store.auditTemplates.list(page);
        return withNext(
          { audit_templates: templates.map((template) => toAuditTemplateResource(template, ctx)) },
          nextLink(ctx.baseUrl, `audit_templates${suffix}`, page, templates, {
            goal: query.goal,
            strategy: query.strategy,
          }),
        );
      },
    );
  }

  app.get(
    '/v1/audit_templates/:id',
    { schema: { params: IdParams, response: responds(200, AuditTemplate) } },
    async (request) => {
      const { id } = request.params;
      const template = await store.auditTemplates.find(id);
      if (!template) throw notFound('AuditTemplate', id);
      return toAuditTemplateResource(template, { ...requestContext(request, deps), view: 'detail' });
    },
  );

  app.post(
    '/v1/audit_templates',
    { schema: { body: CreateBody, response: responds(201, AuditTemplate) } },
    async (request, reply) => {
      const body = request.body;
      const ctx = requestContext(request, deps);
      if (body.default_parameters !== undefined)
        requireMicroversion(ctx.version, MICROVERSION.AUDIT_TEMPLATE_DEFAULT_PARAMS, 'default_parameters');
      const { goal, strategy } = await resolveGoalAndStrategy(store, body.goal, body.strategy);
      const scope = normaliseScope(body.scope);
      const unchecked = judgeScopeNames(deps.checkScope?.(scope));
      if (unchecked) request.log.info({ scope }, unchecked);
      const template = await store.transaction((tx) =>
        tx.auditTemplates.create({
          name: body.name,
          description: body.description ?? null,
          goalId: goal.id,
          strategyId: strategy?.id ?? null,
          scope,
          defaultParameters: checkDefaultParameters(strategy, body.default_parameters),
        }),
      );
      reply.code(201).header('Location', `${ctx.baseUrl}/v1/audit_templates/${template.uuid}`);
      return toAuditTemplateResource(template, { ...ctx, view: 'detail' });
    },
  );

  app.patch(
    '/v1/audit_templates/:id',
    { schema: { params: IdParams, body: PatchBody, response: responds(200, AuditTemplate) } },
    async (request) => {
      const { id } = request.params;
      const operations = request.body as PatchOperation[];
      const ctx = requestContext(request, deps);
      const updated = await store.transaction(async (tx) => {
        const template = await tx.auditTemplates.find(id);
        if (!template) throw notFound('AuditTemplate', id);
        const touches = (path: string) =>
          operations.some((operation) => operation.path === path || operation.path.startsWith(`${path}/`));
        if (touches('/default_parameters'))
          requireMicroversion(ctx.version, MICROVERSION.AUDIT_TEMPLATE_DEFAULT_PARAMS, 'default_parameters');
        if (operations.some((operation) => operation.path === '/goal' && operation.op === 'remove')) {
          throw invalid(
            "Couldn't apply patch: the goal of an audit template cannot be removed",
            {},
            'INVALID_PATCH',
          );
        }
        const document = {
          name: template.name,
          description: template.description,
          goal: template.goalUuid,
          strategy: template.strategyUuid,
          scope: template.scope,
          default_parameters: template.defaultParameters,
        };
        const patched = applyPatch(document, operations, {
          patchable: ['/name', '/description', '/goal', '/strategy', '/scope', '/default_parameters'],
        });
        if (typeof patched.name !== 'string' || patched.name === '' || patched.name.length > 63) {
          throw invalid(
            'Invalid input for field/attribute name: a non-empty string of at most 63 characters is required',
            {},
            'INVALID_PATCH',
          );
        }
        if (typeof patched.goal !== 'string')
          throw invalid('Invalid input for field/attribute goal', {}, 'INVALID_PATCH');
        const { goal, strategy } = await resolveGoalAndStrategy(tx, patched.goal, patched.strategy ?? null);
        const goalOrStrategyChanged =
          goal.id !== template.goalId || (strategy?.id ?? null) !== template.strategyId;
        if (template.defaultParameters && goalOrStrategyChanged && !touches('/default_parameters')) {
          throw conflict(
            'Changing the goal or strategy of a template with default_parameters requires patching /default_parameters too.',
          );
        }
        const scope = normaliseScope(patched.scope);
        if (touches('/scope')) {
          const unchecked = judgeScopeNames(deps.checkScope?.(scope));
          if (unchecked) request.log.info({ scope }, unchecked);
        }
        return tx.auditTemplates.update(template.uuid, {
          name: patched.name,
          description: patched.description ?? null,
          goalId: goal.id,
          strategyId: strategy?.id ?? null,
          scope,
          defaultParameters: checkDefaultParameters(strategy, patched.default_parameters),
        });
      });
      return toAuditTemplateResource(updated, { ...ctx, view: 'detail' });
    },
  );

  app.delete(
    '/v1/audit_templates/:id',
    { schema: { params: IdParams, response: responds(204, NoBody) } },
    async (request, reply) => {
      const { id } = request.params;
      const template = await store.auditTemplates.find(id);
      if (!template) throw notFound('AuditTemplate', id);
      await store.auditTemplates.softDelete(template.uuid);
      return reply.code(204).send(null);
    },
  );
}
