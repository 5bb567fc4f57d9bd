/**
 * Domain records as the store returns them: camelCase, units in names, JSON already parsed.
 * The API maps them to Watcher's snake_case resources with one explicit mapper per resource.
 */
import type { EfficacyValue, IndicatorSpec } from '../contract/efficacy.js';
import type { ActionPlanState, ActionState, AuditState, AuditType } from '../contract/states.js';

export type JsonObject = Record<string, unknown>;

interface Timestamps {
  createdAt: Date;
  updatedAt: Date | null;
  deletedAt: Date | null;
}

export type { IndicatorSpec };

export interface GoalRecord extends Timestamps {
  id: number;
  uuid: string;
  name: string;
  displayName: string;
  efficacySpecification: IndicatorSpec[];
}

export interface StrategyRecord extends Timestamps {
  id: number;
  uuid: string;
  name: string;
  displayName: string;
  goalId: number;
  /** Joined for convenience: every API view shows them. */
  goalUuid: string;
  goalName: string;
  parametersSpec: JsonObject;
  /** core, experimental or deprecated (the strategy registry's `supportLevel`). */
  supportLevel: string;
}

export interface ScoringEngineRecord extends Timestamps {
  id: number;
  uuid: string;
  name: string;
  description: string;
  metainfo: string;
}

export interface AuditTemplateRecord extends Timestamps {
  id: number;
  uuid: string;
  name: string;
  description: string | null;
  goalId: number;
  goalUuid: string;
  goalName: string;
  strategyId: number | null;
  strategyUuid: string | null;
  strategyName: string | null;
  scope: unknown[];
  defaultParameters: JsonObject | null;
}

export interface AuditRecord extends Timestamps {
  id: number;
  uuid: string;
  name: string;
  auditType: AuditType;
  state: AuditState;
  parameters: JsonObject;
  /** Seconds as a decimal string or a cron expression; null for ONESHOT. */
  interval: string | null;
  goalId: number;
  goalUuid: string;
  goalName: string;
  strategyId: number | null;
  strategyUuid: string | null;
  strategyName: string | null;
  scope: unknown[];
  autoTrigger: boolean;
  nextRunTime: Date | null;
  /** The decision-engine host that owns the audit (continuous scheduling, crash recovery). */
  hostname: string | null;
  startTime: Date | null;
  endTime: Date | null;
  force: boolean;
  /** Beyond upstream: refresh the cluster model before the strategy runs. */
  forceRefresh: boolean;
  statusMessage: string | null;
}

/** The fields of an audit that Watcher's list view shows (and the id that pages it): what `listSummaries` reads. */
export type AuditSummary = Pick<
  AuditRecord,
  | 'id'
  | 'uuid'
  | 'name'
  | 'auditType'
  | 'state'
  | 'goalUuid'
  | 'goalName'
  | 'strategyUuid'
  | 'strategyName'
  | 'interval'
  | 'scope'
  | 'autoTrigger'
  | 'nextRunTime'
  | 'force'
>;

export type EfficacyIndicatorRecord = EfficacyValue;
export type GlobalEfficacyRecord = EfficacyValue;

export interface ActionPlanRecord extends Timestamps {
  id: number;
  uuid: string;
  auditId: number;
  auditUuid: string;
  strategyId: number;
  strategyUuid: string;
  strategyName: string;
  state: ActionPlanState;
  globalEfficacy: GlobalEfficacyRecord[];
  efficacyIndicators: EfficacyIndicatorRecord[];
  /** The applier host executing the plan. */
  hostname: string | null;
  statusMessage: string | null;
}

export interface ActionRecord extends Timestamps {
  id: number;
  uuid: string;
  actionPlanId: number;
  actionPlanUuid: string;
  actionType: string;
  inputParameters: JsonObject;
  state: ActionState;
  /** UUIDs of the actions that must finish first (the DAG edges). */
  parents: string[];
  statusMessage: string | null;
  description: string;
}

export interface ServiceRecord extends Timestamps {
  id: number;
  name: string;
  host: string;
  lastSeenUp: Date | null;
}
