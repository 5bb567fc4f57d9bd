/**
 * The dashboards Steward serves (`GET /v1/dashboards/<name>`), listed in one place with the policy rule that
 * guards each. Adding one: a file with its panels and builder, a line here, a route schema in api/routes/dashboards.ts.
 */
export { buildAdminDashboard, ADMIN_PANELS, type AdminDashboardView, type AdminRequest } from './admin.js';
export {
  buildTenantDashboard,
  TENANT_PANELS,
  type TenantDashboardView,
  type TenantRequest,
} from './tenant.js';
export type { DashboardDeps } from './dashboard.js';
export { MAX_POINTS, MAX_RANGE_SECONDS, MIN_RANGE_SECONDS } from './range.js';

export const DASHBOARD_POLICIES = {
  admin: 'dashboard:admin',
  tenant: 'dashboard:tenant',
} as const;
