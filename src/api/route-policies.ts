/**
 * The one table of which policy rule guards which route. `buildApi` refuses to start when a route is in neither
 * this table nor PUBLIC_ROUTES, and enforces the rule before the request's body or query is even validated, so a
 * caller without the right learns nothing about the resource. docs/security.md shows the same table with the
 * status every kind of caller gets.
 */

/** Answered without authentication: version discovery (as upstream), the API description and Prometheus. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  'GET /',
  'GET /v1',
  'GET /openapi.json',
  'GET /metrics',
  // The dashboard's static files: the app then calls the API with the user's token like any client.
  'GET /dashboard',
  'GET /dashboard/*',
  // The dashboard's login with `auth: keystone`: it hands a user's password to Keystone and answers its token.
  'POST /dashboard/login',
]);

/** `METHOD /path` as registered (Fastify's route url) → the oslo.policy rule name. */
export const ROUTE_POLICIES: Readonly<Record<string, string>> = {
  'GET /v1/goals': 'goal:get_all',
  'GET /v1/goals/detail': 'goal:detail',
  'GET /v1/goals/:id': 'goal:get',
  'GET /v1/strategies': 'strategy:get_all',
  'GET /v1/strategies/detail': 'strategy:detail',
  'GET /v1/strategies/:id': 'strategy:get',
  'GET /v1/strategies/:id/state': 'strategy:state',
  'GET /v1/scoring_engines': 'scoring_engine:get_all',
  'GET /v1/scoring_engines/detail': 'scoring_engine:detail',
  'GET /v1/scoring_engines/:id': 'scoring_engine:get',
  'GET /v1/audit_templates': 'audit_template:get_all',
  'GET /v1/audit_templates/detail': 'audit_template:detail',
  'GET /v1/audit_templates/:id': 'audit_template:get',
  'POST /v1/audit_templates': 'audit_template:create',
  'PATCH /v1/audit_templates/:id': 'audit_template:update',
  'DELETE /v1/audit_templates/:id': 'audit_template:delete',
  'GET /v1/audits': 'audit:get_all',
  'GET /v1/audits/detail': 'audit:detail',
  'GET /v1/audits/:id': 'audit:get',
  'POST /v1/audits': 'audit:create',
  'PATCH /v1/audits/:id': 'audit:update',
  'DELETE /v1/audits/:id': 'audit:delete',
  'GET /v1/action_plans': 'action_plan:get_all',
  'GET /v1/action_plans/detail': 'action_plan:detail',
  'GET /v1/action_plans/:id': 'action_plan:get',
  'POST /v1/action_plans/:id/start': 'action_plan:start',
  'PATCH /v1/action_plans/:id': 'action_plan:update',
  'DELETE /v1/action_plans/:id': 'action_plan:delete',
  'GET /v1/actions': 'action:get_all',
  'GET /v1/actions/detail': 'action:detail',
  'GET /v1/actions/:id': 'action:get',
  'PATCH /v1/actions/:id': 'action:update',
  'GET /v1/services': 'service:get_all',
  'GET /v1/services/detail': 'service:detail',
  'GET /v1/services/:id': 'service:get',
  'GET /v1/data_model': 'data_model:get_all',
  'POST /v1/data_model/refresh': 'data_model:refresh',
  'POST /v1/webhooks/:id': 'webhook:trigger',
  'GET /v1/dashboards/admin': 'dashboard:admin',
  'GET /v1/dashboards/tenant': 'dashboard:tenant',
};

/** The table key of a request's route; Fastify's automatic HEAD routes share their GET's rule. */
export const routeKey = (method: string, url: string): string =>
  `${method === 'HEAD' ? 'GET' : method} ${url}`;

/**
 * Refuses, at startup, a route that is neither public nor under a rule, and a guarded route that declares no schema
 * for its success answer: Fastify's compiled serializer then writes exactly the wire shape (nothing outside it
 * leaves the server) and the OpenAPI document shows it.
 */
export function assertRouteDeclared(method: string, url: string, responses: unknown): void {
  // CORS preflights (`OPTIONS *`, registered by @fastify/cors when origins are configured) carry no token by design.
  if (method === 'OPTIONS') return;
  const key = routeKey(method, url);
  if (PUBLIC_ROUTES.has(key)) return;
  if (!Object.hasOwn(ROUTE_POLICIES, key))
    throw new Error(`route ${key} has no policy rule in src/api/route-policies.ts`);
  const statuses = typeof responses === 'object' && responses !== null ? Object.keys(responses) : [];
  if (!statuses.some((status) => /^(2\d\d|2xx)$/.test(status)))
    throw new Error(`route ${key} declares no response schema for its success answer`);
}
