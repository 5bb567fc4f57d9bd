/**
 * Every read and write of the dashboard, as TanStack Query hooks over the typed client. Lists that hold something
 * in motion (an audit running, a plan executing) poll every second until it settles.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Json } from '@steward/contract/client.js';
import type {
  ActionPlanResource,
  ActionResource,
  AuditResource,
  AuditTemplateResource,
} from '@steward/contract/resources.js';
import { useClient } from './session.js';

const MOVING_AUDIT = new Set(['PENDING', 'ONGOING']);
const MOVING_PLAN = new Set(['PENDING', 'ONGOING', 'CANCELLING']);
const MOVING_ACTION = new Set(['ONGOING', 'CANCELLING']);
export const LIVE_INTERVAL_MS = 1000;
const IDLE_INTERVAL_MS = 10_000;
/** Operators look for what they just made; a plan's actions keep their order. */
const NEWEST_FIRST = { sort_dir: 'desc' } as const;

const pollWhile =
  <T>(moving: (rows: T) => boolean) =>
  (query: { state: { data: T | undefined } }) =>
    query.state.data !== undefined && moving(query.state.data) ? LIVE_INTERVAL_MS : IDLE_INTERVAL_MS;

export function useGoals() {
  const client = useClient();
  return useQuery({ queryKey: ['goals'], queryFn: () => client.listAll('goals') });
}

export function useStrategies() {
  const client = useClient();
  return useQuery({ queryKey: ['strategies'], queryFn: () => client.listAll('strategies') });
}

/** One strategy with its `parameters_spec` (lists leave it out). */
export function useStrategy(id: string | null | undefined) {
  const client = useClient();
  return useQuery({
    queryKey: ['strategies', id],
    queryFn: () => client.show('strategies', id!),
    enabled: Boolean(id),
    staleTime: 60_000,
  });
}

export function useStrategyState(id: string | null | undefined) {
  const client = useClient();
  return useQuery({
    queryKey: ['strategies', id, 'state'],
    queryFn: () => client.strategyState(id!),
    enabled: Boolean(id),
  });
}

export function useAuditTemplates() {
  const client = useClient();
  return useQuery({
    queryKey: ['audit_templates'],
    queryFn: () => client.listAll('audit_templates', NEWEST_FIRST),
  });
}

export function useAudits() {
  const client = useClient();
  return useQuery({
    queryKey: ['audits'],
    queryFn: () => client.listAll('audits', NEWEST_FIRST),
    refetchInterval: pollWhile<AuditResource[]>((rows) =>
      rows.some((audit) => MOVING_AUDIT.has(audit.state)),
    ),
  });
}

export function useActionPlans(auditUuid?: string) {
  const client = useClient();
  return useQuery({
    queryKey: ['action_plans', { audit: auditUuid }],
    queryFn: () => client.listAll('action_plans', { ...NEWEST_FIRST, audit_uuid: auditUuid }),
    refetchInterval: pollWhile<ActionPlanResource[]>((rows) =>
      rows.some((plan) => MOVING_PLAN.has(plan.state)),
    ),
  });
}

export function useActionPlan(id: string) {
  const client = useClient();
  return useQuery({
    queryKey: ['action_plans', id],
    queryFn: () => client.show('action_plans', id),
    refetchInterval: pollWhile<ActionPlanResource>((plan) => MOVING_PLAN.has(plan.state)),
  });
}

/** A plan's actions (or every action), polled while the plan or any of them moves. */
export function useActions(planUuid?: string, planMoving = false) {
  const client = useClient();
  return useQuery({
    queryKey: ['actions', { plan: planUuid }],
    queryFn: () => client.listAll('actions', { action_plan_uuid: planUuid }),
    refetchInterval: (query) => {
      const rows: ActionResource[] | undefined = query.state.data;
      return planMoving || rows?.some((action) => MOVING_ACTION.has(action.state)) === true
        ? LIVE_INTERVAL_MS
        : IDLE_INTERVAL_MS;
    },
  });
}

export function useServices() {
  const client = useClient();
  return useQuery({
    queryKey: ['services'],
    queryFn: () => client.listAll('services'),
    refetchInterval: IDLE_INTERVAL_MS,
  });
}

export function useDataModel(enabled = true) {
  const client = useClient();
  return useQuery({ queryKey: ['data_model'], queryFn: () => client.dataModel(), enabled });
}

/** Writes refresh what they change: the lists and the one resource. */
function useInvalidating<A, R>(write: (argument: A) => Promise<R>, keys: string[]) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: write,
    onSettled: () => Promise.all(keys.map((key) => queryClient.invalidateQueries({ queryKey: [key] }))),
  });
}

export function useCreateAuditTemplate() {
  const client = useClient();
  return useInvalidating<Json, AuditTemplateResource>(
    (body) => client.create('audit_templates', body),
    ['audit_templates'],
  );
}

export function useDeleteAuditTemplate() {
  const client = useClient();
  return useInvalidating<string, void>((id) => client.delete('audit_templates', id), ['audit_templates']);
}

export function useCreateAudit() {
  const client = useClient();
  return useInvalidating<Json, AuditResource>((body) => client.create('audits', body), ['audits']);
}

export function useDeleteAudit() {
  const client = useClient();
  return useInvalidating<string, void>((id) => client.delete('audits', id), ['audits']);
}

export function useStartActionPlan() {
  const client = useClient();
  return useInvalidating<string, ActionPlanResource>(
    (id) => client.startActionPlan(id),
    ['action_plans', 'actions'],
  );
}

export function useCancelActionPlan() {
  const client = useClient();
  // A running plan is asked to stop (CANCELLING: the applier aborts what it can); one not yet running just ends.
  return useInvalidating<ActionPlanResource, ActionPlanResource>(
    (plan) =>
      client.update('action_plans', plan.uuid, [
        { op: 'replace', path: '/state', value: plan.state === 'ONGOING' ? 'CANCELLING' : 'CANCELLED' },
      ]),
    ['action_plans', 'actions'],
  );
}

export function useDeleteActionPlan() {
  const client = useClient();
  return useInvalidating<string, void>(
    (id) => client.delete('action_plans', id),
    ['action_plans', 'actions'],
  );
}

export function useSkipAction() {
  const client = useClient();
  return useInvalidating<{ id: string; reason: string }, ActionResource>(
    ({ id, reason }) => client.skipAction(id, reason === '' ? undefined : reason),
    ['actions', 'action_plans'],
  );
}

/** The admin utilisation dashboard: a range always ends now, so it is asked again each minute. */
export function useAdminDashboard(query: { range: string; host?: string; actionPlan?: string }) {
  const client = useClient();
  return useQuery({
    queryKey: ['dashboards', 'admin', query],
    queryFn: () => client.adminDashboard(query),
    refetchInterval: 60_000,
    placeholderData: keepPreviousData,
  });
}

/** The caller's project's utilisation; without a token (noauth) the project is the one the operator names. */
export function useTenantDashboard(
  query: { range: string; instance?: string; projectId?: string },
  enabled: boolean,
) {
  const client = useClient();
  return useQuery({
    queryKey: ['dashboards', 'tenant', query],
    queryFn: () => client.tenantDashboard(query),
    refetchInterval: 60_000,
    enabled,
  });
}
