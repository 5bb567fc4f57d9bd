/**
 * What one Steward service asks of another: the API (and an audit runner that auto-triggers a plan) of the decision
 * engine and the applier. The composition root implements these with the in-process decision engine and applier, or
 * by publishing on the bus when they run in other processes. Kept outside api/, decision-engine/ and applier/
 * because all of them import it.
 */
import type { DataModelRowResource, StrategyStateResource } from './contract/resources.js';

/** One row of `GET /v1/strategies/{strategy}/state` (upstream `get_strategy_info`). */
export type StrategyStateRow = StrategyStateResource;

/** One flat row of `GET /v1/data_model` (a node, or a node + one of its instances). */
export type DataModelRow = DataModelRowResource;

export interface DecisionEngineClient {
  /** Asks a decision engine to run a PENDING audit (ONESHOT on creation, EVENT on a webhook). */
  triggerAudit(auditUuid: string): Promise<void>;
  strategyState(strategyName: string): Promise<StrategyStateRow[]>;
  /**
   * Rows of the compute data model, filtered by the audit's scope when given; `extended` adds the API 1.6 fields
   * (`server_flavor_extra_specs`, `server_pinned_az`).
   */
  dataModel(request: { scope?: readonly unknown[]; extended: boolean }): Promise<DataModelRow[]>;
  /** Re-reads the whole cloud into the compute model now (Steward's `POST /v1/data_model/refresh`). */
  refreshDataModel(): Promise<DataModelRefresh>;
}

export interface DataModelRefresh {
  /** When the sync that produced the current model started; null when there is no cloud. */
  syncedAt: Date | null;
  computeNodes: number;
  instances: number;
}

export interface ApplierClient {
  /** Asks an applier to execute a PENDING action plan. */
  launchActionPlan(actionPlanUuid: string): Promise<void>;
}

/** Host and availability zone names, as an audit scope gives them. */
export interface ScopeNames {
  hosts: string[];
  zones: string[];
}

/**
 * What the compute model says of a scope's names before an audit or template is stored: the names it does not
 * have, or why they could not be looked up (no cloud, no sync yet) so the API says so instead of guessing.
 */
export type ScopeCheck =
  | { checked: true; unknown: ScopeNames; known: { hosts: number; zones: string[] } }
  | { checked: false; names: ScopeNames; reason: string };
