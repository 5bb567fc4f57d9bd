/** Read-only resources synced from the registries: goals, strategies (+ state), scoring engines. */
import { Type } from 'typebox';
import { notFound } from '../../errors.js';
import { requestContext, type ApiInstance, type RouteDeps } from '../app.js';
import { toGoalResource, toScoringEngineResource, toStrategyResource, type View } from '../mappers.js';
import { nextLink, toPageQuery } from '../pagination.js';
import { IdParams, PageQuerystring, Ref, responds } from './schemas.js';
import {
  Goal,
  GoalPage,
  ScoringEngine,
  ScoringEnginePage,
  Strategy,
  StrategyPage,
  StrategyStateRow,
} from '../../contract/resources.js';

const GoalFilter = Type.Object(
  { ...PageQuerystring, goal: Type.Optional(Ref()) },
  { additionalProperties: false },
);
const Paging = Type.Object(PageQuerystring, { additionalProperties: false });

export function registerCatalogRoutes(app: ApiInstance, deps: RouteDeps): void {
  const { store, config } = deps;

  for (const view of ['list', 'detail'] as View[]) {
    const suffix = view === 'detail' ? '/detail' : '';
    app.get(
      `/v1/goals${suffix}`,
      { schema: { querystring: Paging, response: responds(200, GoalPage) } },
      async (request) => {
        const ctx = { ...requestContext(request, deps), view };
        const query = request.query;
        const page = toPageQuery(query, config.maxLimit);
        const goals = await store.goals.list(page);
        return withNext(
          { goals: goals.map((goal) => toGoalResource(goal, ctx)) },
          nextLink(ctx.baseUrl, `goals${suffix}`, page, goals),
        );
      },
    );

    app.get(
      `/v1/strategies${suffix}`,
      { schema: { querystring: GoalFilter, response: responds(200, StrategyPage) } },
      async (request) => {
        const ctx = { ...requestContext(request, deps), view };
        const query = request.query;
        let goalId: number | undefined;
        if (query.goal !== undefined) {
          const goal = await store.goals.find(query.goal);
          if (!goal) throw notFound('Goal', query.goal);
          goalId = goal.id;
        }
        const page = toPageQuery(query, config.maxLimit, goalId === undefined ? {} : { goalId });
        const strategies = await store.strategies.list(page);
        return withNext(
          { strategies: strategies.map((strategy) => toStrategyResource(strategy, ctx)) },
          nextLink(ctx.baseUrl, `strategies${suffix}`, page, strategies, { goal: query.goal }),
        );
      },
    );

    app.get(
      `/v1/scoring_engines${suffix}`,
      { schema: { querystring: Paging, response: responds(200, ScoringEnginePage) } },
      async (request) => {
        const ctx = { ...requestContext(request, deps), view };
        const page = toPageQuery(request.query, config.maxLimit);
        const engines = await store.scoringEngines.list(page);
        return withNext(
          { scoring_engines: engines.map((engine) => toScoringEngineResource(engine, ctx)) },
          nextLink(ctx.baseUrl, `scoring_engines${suffix}`, page, engines),
        );
      },
    );
  }

  app.get(
    '/v1/goals/:id',
    { schema: { params: IdParams, response: responds(200, Goal) } },
    async (request) => {
      const { id } = request.params;
      const goal = await store.goals.find(id);
      if (!goal) throw notFound('Goal', id);
      return toGoalResource(goal, { ...requestContext(request, deps), view: 'detail' });
    },
  );

  app.get(
    '/v1/strategies/:id',
    { schema: { params: IdParams, response: responds(200, Strategy) } },
    async (request) => {
      const { id } = request.params;
      const strategy = await store.strategies.find(id);
      if (!strategy) throw notFound('Strategy', id);
      return toStrategyResource(strategy, { ...requestContext(request, deps), view: 'one' });
    },
  );

  app.get(
    '/v1/strategies/:id/state',
    { schema: { params: IdParams, response: responds(200, Type.Array(StrategyStateRow)) } },
    async (request) => {
      const { id } = request.params;
      const strategy = await store.strategies.find(id);
      if (!strategy) throw notFound('Strategy', id);
      return deps.engine.strategyState(strategy.name);
    },
  );

  app.get(
    '/v1/scoring_engines/:id',
    { schema: { params: IdParams, response: responds(200, ScoringEngine) } },
    async (request) => {
      const { id } = request.params;
      const engine = await store.scoringEngines.find(id);
      if (!engine) throw notFound('ScoringEngine', id);
      return toScoringEngineResource(engine, { ...requestContext(request, deps), view: 'detail' });
    },
  );
}

export function withNext<T extends object>(body: T, next: string | undefined): T & { next?: string } {
  return next === undefined ? body : { ...body, next };
}
