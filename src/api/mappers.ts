/**
 * One mapper per resource, from store records to Watcher's wire shape, with upstream's field order and the fields
 * each microversion shows. List views carry the reduced field set; detail and get-one carry everything.
 */
import type {
  ActionPlanResource,
  ActionResource,
  AuditResource,
  AuditTemplateResource,
  GoalResource,
  ScoringEngineResource,
  ServiceResource,
  StrategyResource,
} from '../contract/resources.js';
import { MICROVERSION } from '../contract/states.js';
import type {
  ActionPlanRecord,
  ActionRecord,
  AuditRecord,
  AuditSummary,
  AuditTemplateRecord,
  GoalRecord,
  ScoringEngineRecord,
  ServiceRecord,
  StrategyRecord,
} from '../store/records.js';
import { formatTimestamp, resourceLinks } from './links.js';
import type { Microversion } from './microversion.js';

/** list = the reduced set; detail = /detail lists; one = GET of a single resource (upstream differs for strategies). */
export type View = 'list' | 'detail' | 'one';

export interface MapContext {
  baseUrl: string;
  version: Microversion;
  view: View;
}

const timestamps = (record: { createdAt: Date; updatedAt: Date | null; deletedAt: Date | null }) => ({
  created_at: formatTimestamp(record.createdAt),
  deleted_at: formatTimestamp(record.deletedAt),
  updated_at: formatTimestamp(record.updatedAt),
});

export function toGoalResource(goal: GoalRecord, { baseUrl, view }: MapContext): GoalResource {
  return {
    uuid: goal.uuid,
    name: goal.name,
    display_name: goal.displayName,
    efficacy_specification: goal.efficacySpecification.map((spec) => ({
      name: spec.name,
      description: spec.description,
      unit: spec.unit,
      schema: JSON.stringify(spec.schema),
    })),
    links: resourceLinks(baseUrl, 'goals', goal.uuid),
    ...(view !== 'list' && timestamps(goal)),
  };
}

export function toStrategyResource(
  strategy: StrategyRecord,
  { baseUrl, view }: MapContext,
): StrategyResource {
  return {
    uuid: strategy.uuid,
    name: strategy.name,
    display_name: strategy.displayName,
    links: resourceLinks(baseUrl, 'strategies', strategy.uuid),
    goal_uuid: strategy.goalUuid,
    goal_name: strategy.goalName,
    support_level: strategy.supportLevel,
    ...(view !== 'list' && { parameters_spec: strategy.parametersSpec }),
    ...(view === 'detail' && timestamps(strategy)),
  };
}

export function toAuditTemplateResource(
  template: AuditTemplateRecord,
  { baseUrl, view, version }: MapContext,
): AuditTemplateResource {
  return {
    uuid: template.uuid,
    name: template.name,
    ...(view !== 'list' && { description: template.description }),
    goal_uuid: template.goalUuid,
    goal_name: template.goalName,
    strategy_uuid: template.strategyUuid,
    strategy_name: template.strategyName,
    links: resourceLinks(baseUrl, 'audit_templates', template.uuid),
    scope: template.scope,
    ...(view !== 'list' &&
      version.minor >= MICROVERSION.AUDIT_TEMPLATE_DEFAULT_PARAMS && {
        default_parameters: template.defaultParameters,
      }),
    ...(view !== 'list' && timestamps(template)),
  };
}

/** The list view shows only an audit's summary fields, so it maps summaries too. */
export function toAuditResource(audit: AuditSummary, context: MapContext & { view: 'list' }): AuditResource;
export function toAuditResource(audit: AuditRecord, context: MapContext): AuditResource;
export function toAuditResource(audit: AuditSummary | AuditRecord, context: MapContext): AuditResource {
  return auditResource(audit as AuditRecord, context);
}

// Reads the fields beyond the summary only when the view is not `list`.
function auditResource(audit: AuditRecord, { baseUrl, view, version }: MapContext): AuditResource {
  const detail = view !== 'list';
  return {
    uuid: audit.uuid,
    name: audit.name,
    audit_type: audit.auditType,
    state: audit.state,
    goal_uuid: audit.goalUuid,
    goal_name: audit.goalName,
    strategy_uuid: audit.strategyUuid,
    strategy_name: audit.strategyName,
    ...(detail && { parameters: audit.parameters }),
    links: resourceLinks(baseUrl, 'audits', audit.uuid),
    interval: audit.interval,
    scope: audit.scope,
    auto_trigger: audit.autoTrigger,
    next_run_time: formatTimestamp(audit.nextRunTime),
    ...(detail && { hostname: audit.hostname }),
    ...(detail &&
      version.minor >= MICROVERSION.START_END_TIMING && {
        start_time: formatTimestamp(audit.startTime),
        end_time: formatTimestamp(audit.endTime),
      }),
    // The real Watcher shows `force` at every microversion (recorded at 1.0), though it arrived with 1.2.
    force: audit.force,
    ...(detail && version.minor >= MICROVERSION.SKIPPED_ACTION && { status_message: audit.statusMessage }),
    ...(detail && timestamps(audit)),
  };
}

export function toActionPlanResource(
  plan: ActionPlanRecord,
  { baseUrl, view, version }: MapContext,
): ActionPlanResource {
  const detail = view !== 'list';
  return {
    efficacy_indicators: plan.efficacyIndicators,
    uuid: plan.uuid,
    audit_uuid: plan.auditUuid,
    strategy_uuid: plan.strategyUuid,
    strategy_name: plan.strategyName,
    global_efficacy: plan.globalEfficacy,
    state: plan.state,
    links: resourceLinks(baseUrl, 'action_plans', plan.uuid),
    ...(detail && { hostname: plan.hostname }),
    ...(detail && version.minor >= MICROVERSION.SKIPPED_ACTION && { status_message: plan.statusMessage }),
    ...(detail ? timestamps(plan) : { updated_at: formatTimestamp(plan.updatedAt) }),
  };
}

export function toActionResource(
  action: ActionRecord,
  { baseUrl, view, version }: MapContext,
): ActionResource {
  const detail = view !== 'list';
  return {
    uuid: action.uuid,
    action_plan_uuid: action.actionPlanUuid,
    state: action.state,
    action_type: action.actionType,
    ...(detail && { description: action.description, input_parameters: action.inputParameters }),
    parents: action.parents,
    links: resourceLinks(baseUrl, 'actions', action.uuid),
    ...(detail && version.minor >= MICROVERSION.SKIPPED_ACTION && { status_message: action.statusMessage }),
    ...(detail && timestamps(action)),
  };
}

export function toScoringEngineResource(
  engine: ScoringEngineRecord,
  { baseUrl, view }: MapContext,
): ScoringEngineResource {
  return {
    uuid: engine.uuid,
    name: engine.name,
    description: engine.description,
    links: resourceLinks(baseUrl, 'scoring_engines', engine.uuid),
    ...(view !== 'list' && { metainfo: engine.metainfo, ...timestamps(engine) }),
  };
}

export function toServiceResource(
  service: ServiceRecord,
  { baseUrl, view }: MapContext,
  status: 'ACTIVE' | 'FAILED',
): ServiceResource {
  return {
    id: service.id,
    name: service.name,
    host: service.host,
    status,
    links: resourceLinks(baseUrl, 'services', service.id),
    ...(view !== 'list' && { last_seen_up: formatTimestamp(service.lastSeenUp), ...timestamps(service) }),
  };
}
