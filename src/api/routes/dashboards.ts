/**
 * `GET /v1/dashboards/admin` and `GET /v1/dashboards/tenant` (Steward's extension, docs/dashboards.md): the
 * utilisation dashboards as JSON. The policy rules (route-policies.ts) run before anything here; the tenant route
 * then takes the project from the caller's token and nothing else.
 */
import { Type } from 'typebox';
import { AdminDashboard, TenantDashboard } from '../../contract/resources.js';
import { buildAdminDashboard, buildTenantDashboard, type DashboardDeps } from '../../dashboards/index.js';
import { StewardError } from '../../errors.js';
import type { ApiInstance, RouteDeps } from '../app.js';
import { responds } from './schemas.js';

// Strictly a uuid: the store's uuid column refuses anything else (PostgreSQL would answer an error, not a miss).
const Uuid = Type.String({
  maxLength: 36,
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
});
const RangeParam = Type.String({ maxLength: 8 });

const AdminQuery = Type.Object(
  {
    range: Type.Optional(RangeParam),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    action_plan: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

/**
 * `project` / `project_id` are accepted only to refuse them when they name another project (403), so a client
 * that tries learns why; every other parameter that could widen the view is unknown and a 400.
 */
const TenantQuery = Type.Object(
  {
    range: Type.Optional(RangeParam),
    instance: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    project: Type.Optional(Type.String({ maxLength: 64 })),
    project_id: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const DEFAULT_RANGE = '24h';

function dashboardDeps(deps: RouteDeps): DashboardDeps {
  const given = deps.dashboards;
  return {
    source: given?.source,
    model: () => given?.model(),
    flavors: () => given?.flavors() ?? Promise.resolve([]),
    clock: deps.clock,
    ...(given?.rangeCache && { rangeCache: given.rangeCache }),
    async planMoves(uuid) {
      const plan = await deps.store.actionPlans.find(uuid);
      if (!plan) return undefined;
      return (await deps.store.actions.listByPlan(plan.id)).map((action) => ({
        actionType: action.actionType,
        inputParameters: action.inputParameters,
      }));
    },
  };
}

export function registerDashboardRoutes(app: ApiInstance, deps: RouteDeps): void {
  app.get(
    '/v1/dashboards/admin',
    { schema: { querystring: AdminQuery, response: responds(200, AdminDashboard) } },
    async (request) => {
      const query = request.query;
      return buildAdminDashboard(dashboardDeps(deps), {
        range: query.range ?? DEFAULT_RANGE,
        ...(query.host !== undefined && { host: query.host }),
        ...(query.action_plan !== undefined && { actionPlan: query.action_plan }),
      });
    },
  );

  app.get(
    '/v1/dashboards/tenant',
    { schema: { querystring: TenantQuery, response: responds(200, TenantDashboard) } },
    async (request) => {
      const query = request.query;
      const projectId = request.credentials.projectId;
      if (!projectId) {
        throw new StewardError(
          'forbidden',
          'POLICY_FORBIDDEN',
          'The tenant dashboard needs a project-scoped token (in noauth mode, an X-Project-Id header)',
        );
      }
      for (const asked of [query.project, query.project_id]) {
        if (asked !== undefined && asked !== projectId) {
          throw new StewardError(
            'forbidden',
            'POLICY_FORBIDDEN',
            `The tenant dashboard shows only the token's project (${projectId}), not ${asked}`,
            { details: { project_id: projectId, asked } },
          );
        }
      }
      return buildTenantDashboard(dashboardDeps(deps), {
        range: query.range ?? DEFAULT_RANGE,
        projectId,
        ...(query.instance !== undefined && { instance: query.instance }),
      });
    },
  );
}
