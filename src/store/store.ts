/**
 * The persistence port. Two backends implement it with one SQL dialect (PGlite embedded, PostgreSQL shared);
 * one contract suite runs against both. Every method that writes several rows does so in one transaction.
 */
import type { ActionPlanState, ActionState, AuditState, AuditType } from '../contract/states.js';
import type {
  ActionPlanRecord,
  ActionRecord,
  AuditRecord,
  AuditSummary,
  AuditTemplateRecord,
  EfficacyIndicatorRecord,
  GlobalEfficacyRecord,
  GoalRecord,
  IndicatorSpec,
  JsonObject,
  ScoringEngineRecord,
  ServiceRecord,
  StrategyRecord,
} from './records.js';

export type SortDir = 'asc' | 'desc';

/** One page of a list: rows after `marker` (a uuid, or an id for services) in `sortKey` order. */
export interface PageQuery<F = Record<string, never>> {
  limit: number;
  marker?: string;
  sortKey?: string;
  sortDir?: SortDir;
  filters?: F;
}

export interface GoalDefinition {
  name: string;
  displayName: string;
  efficacySpecification: IndicatorSpec[];
}

export interface StrategyDefinition {
  name: string;
  displayName: string;
  goalName: string;
  parametersSpec: JsonObject;
  supportLevel: string;
}

export interface ScoringEngineDefinition {
  name: string;
  description: string;
  metainfo: string;
}

export interface GoalStore {
  /** Upserts the registry's goals by name; goals that vanished are soft-deleted. Returns the live rows. */
  sync(definitions: readonly GoalDefinition[]): Promise<GoalRecord[]>;
  /** By uuid, or by name when `idOrName` is not a uuid. Deleted rows are not found. */
  find(idOrName: string): Promise<GoalRecord | undefined>;
  list(query: PageQuery): Promise<GoalRecord[]>;
}

export interface StrategyStore {
  sync(definitions: readonly StrategyDefinition[]): Promise<StrategyRecord[]>;
  find(idOrName: string): Promise<StrategyRecord | undefined>;
  list(query: PageQuery<{ goalId?: number }>): Promise<StrategyRecord[]>;
}

export interface ScoringEngineStore {
  sync(definitions: readonly ScoringEngineDefinition[]): Promise<ScoringEngineRecord[]>;
  find(idOrName: string): Promise<ScoringEngineRecord | undefined>;
  list(query: PageQuery): Promise<ScoringEngineRecord[]>;
}

export interface NewAuditTemplate {
  uuid?: string;
  name: string;
  description: string | null;
  goalId: number;
  strategyId: number | null;
  scope: unknown[];
  defaultParameters: JsonObject | null;
}

export interface AuditTemplateStore {
  /** Throws conflict ALREADY_EXISTS when a live template has the same name. */
  create(template: NewAuditTemplate): Promise<AuditTemplateRecord>;
  find(idOrName: string): Promise<AuditTemplateRecord | undefined>;
  list(query: PageQuery<{ goalId?: number; strategyId?: number }>): Promise<AuditTemplateRecord[]>;
  update(uuid: string, changes: Partial<Omit<NewAuditTemplate, 'uuid'>>): Promise<AuditTemplateRecord>;
  softDelete(uuid: string): Promise<void>;
}

export interface NewAudit {
  uuid?: string;
  name: string;
  auditType: AuditType;
  state: AuditState;
  parameters: JsonObject;
  interval: string | null;
  goalId: number;
  strategyId: number | null;
  scope: unknown[];
  autoTrigger: boolean;
  nextRunTime: Date | null;
  startTime: Date | null;
  endTime: Date | null;
  force: boolean;
  forceRefresh: boolean;
  /** Set at creation only to say what could not be checked then (a scope with no compute model to look it up). */
  statusMessage?: string | null;
}

export type AuditChanges = Partial<
  Pick<
    AuditRecord,
    | 'name'
    | 'state'
    | 'parameters'
    | 'interval'
    | 'scope'
    | 'autoTrigger'
    | 'nextRunTime'
    | 'hostname'
    | 'startTime'
    | 'endTime'
    | 'force'
    | 'forceRefresh'
    | 'statusMessage'
  >
>;

export type AuditPageQuery = PageQuery<{
  goalId?: number;
  strategyId?: number;
  states?: AuditState[];
  auditTypes?: AuditType[];
}>;

export interface AuditStore {
  /** Throws conflict ALREADY_EXISTS when a live audit has the same name. */
  create(audit: NewAudit): Promise<AuditRecord>;
  find(idOrName: string): Promise<AuditRecord | undefined>;
  /**
   * `find`, and inside `transaction` the row stays locked (`FOR UPDATE`) until the transaction ends: a request
   * that reads, checks a transition and writes holds it, so concurrent changes of one audit apply one after the
   * other, each judged against the state the previous one left.
   */
  findForUpdate(idOrName: string): Promise<AuditRecord | undefined>;
  list(query: AuditPageQuery): Promise<AuditRecord[]>;
  /** The same page as `list`, reading only the list view's columns (half of them: no timestamps, no parameters). */
  listSummaries(query: AuditPageQuery): Promise<AuditSummary[]>;
  update(uuid: string, changes: AuditChanges): Promise<AuditRecord>;
  /**
   * Compare-and-set on state: applies `changes` only if the audit is still in one of `fromStates`.
   * Returns undefined when another process moved it first (how several decision engines share audits).
   */
  updateIfState(
    uuid: string,
    fromStates: readonly AuditState[],
    changes: AuditChanges,
  ): Promise<AuditRecord | undefined>;
  softDelete(uuid: string): Promise<void>;
}

export interface NewAction {
  uuid: string;
  actionType: string;
  inputParameters: JsonObject;
  parents: string[];
  state: ActionState;
}

export interface NewActionPlan {
  uuid?: string;
  auditId: number;
  strategyId: number;
  state: ActionPlanState;
  globalEfficacy: GlobalEfficacyRecord[];
  efficacyIndicators: EfficacyIndicatorRecord[];
  statusMessage?: string | null;
  actions: NewAction[];
}

export type ActionPlanChanges = Partial<Pick<ActionPlanRecord, 'state' | 'hostname' | 'statusMessage'>>;

export interface ActionPlanStore {
  /** Stores the plan, its efficacy indicators and its actions in one transaction. */
  create(plan: NewActionPlan): Promise<ActionPlanRecord>;
  find(uuid: string): Promise<ActionPlanRecord | undefined>;
  /** `find`, locking the plan's row until the transaction ends (see `AuditStore.findForUpdate`). */
  findForUpdate(uuid: string): Promise<ActionPlanRecord | undefined>;
  list(
    query: PageQuery<{ auditId?: number; strategyId?: number; states?: ActionPlanState[] }>,
  ): Promise<ActionPlanRecord[]>;
  update(uuid: string, changes: ActionPlanChanges): Promise<ActionPlanRecord>;
  /**
   * Compare-and-set on state and, when `expected.hostname` is given, on the applier that owns the plan (null: none):
   * how an applier claims, takes over and finishes a plan without another applier doing the same.
   */
  updateIfState(
    uuid: string,
    fromStates: readonly ActionPlanState[],
    changes: ActionPlanChanges,
    expected?: { hostname: string | null },
  ): Promise<ActionPlanRecord | undefined>;
  /** Soft-deletes the plan and its actions together. */
  softDelete(uuid: string): Promise<void>;
}

export type ActionChanges = Partial<Pick<ActionRecord, 'state' | 'statusMessage'>>;

/** An action as a state change left it, with the state its plan had in the same instant. */
export interface ChangedAction extends ActionRecord {
  actionPlanState: ActionPlanState;
}

export interface ActionStore {
  find(uuid: string): Promise<ActionRecord | undefined>;
  list(
    query: PageQuery<{ actionPlanId?: number; auditId?: number; states?: ActionState[] }>,
  ): Promise<ActionRecord[]>;
  /** Every live action of a plan, in creation order (no paging: the applier needs the whole DAG). */
  listByPlan(actionPlanId: number): Promise<ActionRecord[]>;
  update(uuid: string, changes: ActionChanges): Promise<ChangedAction>;
  /**
   * Compare-and-set on state; with `guard.planHostname`, only while that applier still owns the action's plan, so
   * an applier whose plan was taken over cannot start or finish any more of its actions. One statement: the
   * changed row comes back with its plan's state (how a running plan learns of a cancel without asking).
   */
  updateIfState(
    uuid: string,
    fromStates: readonly ActionState[],
    changes: ActionChanges,
    guard?: { planHostname: string },
  ): Promise<ChangedAction | undefined>;
  /** Moves every action of the plan that is in `fromStates` to `changes.state`, in one statement. */
  updateManyOfPlan(
    actionPlanId: number,
    fromStates: readonly ActionState[],
    changes: ActionChanges,
  ): Promise<number>;
  /** Descriptions per action type, shown as `description` (upstream's action_descriptions table). */
  syncDescriptions(descriptions: ReadonlyMap<string, string>): Promise<void>;
}

export interface ServiceStore {
  /** Upserts (name, host) and sets last_seen_up to `at`. */
  heartbeat(name: string, host: string, at: Date): Promise<ServiceRecord>;
  find(idOrName: string): Promise<ServiceRecord | undefined>;
  list(query: PageQuery): Promise<ServiceRecord[]>;
}

export interface Leadership {
  readonly name: string;
  /** True once the lock is gone without a release (its PostgreSQL session died): the holder must re-acquire. */
  readonly lost: boolean;
  release(): Promise<void>;
}

export interface Store {
  readonly dialect: 'pglite' | 'postgres';
  readonly goals: GoalStore;
  readonly strategies: StrategyStore;
  readonly scoringEngines: ScoringEngineStore;
  readonly auditTemplates: AuditTemplateStore;
  readonly audits: AuditStore;
  readonly actionPlans: ActionPlanStore;
  readonly actions: ActionStore;
  readonly services: ServiceStore;
  /** Runs `work` in one transaction; every store reached through `tx` writes inside it. */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * Tries to take the named session-level PostgreSQL advisory lock on a dedicated connection (the one
   * continuous-audit scheduler is elected this way). Undefined when another process holds it; the lock is held
   * until `release()` or until the process dies.
   */
  tryAcquireLeadership(name: string): Promise<Leadership | undefined>;
  close(): Promise<void>;
}
