/** Kysely table types: the SQL side of the store (snake_case, as the columns are named). */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;

interface Timestamps {
  created_at: Timestamp;
  updated_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
}

export interface GoalsTable extends Timestamps {
  id: Generated<number>;
  uuid: string;
  name: string;
  display_name: string;
  efficacy_specification: Json<unknown[]>;
}

export interface StrategiesTable extends Timestamps {
  id: Generated<number>;
  uuid: string;
  name: string;
  display_name: string;
  goal_id: number;
  parameters_spec: Json<Record<string, unknown>>;
  support_level: Generated<string>;
}

export interface ScoringEnginesTable extends Timestamps {
  id: Generated<number>;
  uuid: string;
  name: string;
  description: string;
  metainfo: string;
}

export interface AuditTemplatesTable extends Timestamps {
  id: Generated<number>;
  uuid: string;
  name: string;
  description: string | null;
  goal_id: number;
  strategy_id: number | null;
  scope: Json<unknown[]>;
  default_parameters: Json<Record<string, unknown> | null>;
}

export interface AuditsTable extends Timestamps {
  id: Generated<number>;
  uuid: string;
  name: string;
  audit_type: string;
  state: string;
  parameters: Json<Record<string, unknown>>;
  interval: string | null;
  goal_id: number;
  strategy_id: number | null;
  scope: Json<unknown[]>;
  auto_trigger: boolean;
  next_run_time: NullableTimestamp;
  hostname: string | null;
  start_time: NullableTimestamp;
  end_time: NullableTimestamp;
  force: boolean;
  force_refresh: boolean;
  status_message: string | null;
}

export interface ActionPlansTable extends Timestamps {
  id: Generated<number>;
  uuid: string;
  audit_id: number;
  strategy_id: number;
  state: string;
  global_efficacy: Json<unknown[]>;
  hostname: string | null;
  status_message: string | null;
}

export interface EfficacyIndicatorsTable extends Timestamps {
  id: Generated<number>;
  uuid: string;
  action_plan_id: number;
  name: string;
  description: string;
  unit: string | null;
  value: number;
}

export interface ActionsTable extends Timestamps {
  id: Generated<number>;
  uuid: string;
  action_plan_id: number;
  action_type: string;
  input_parameters: Json<Record<string, unknown>>;
  state: string;
  parents: Json<string[]>;
  status_message: string | null;
}

export interface ActionDescriptionsTable {
  id: Generated<number>;
  action_type: string;
  description: string;
}

export interface ServicesTable extends Timestamps {
  id: Generated<number>;
  name: string;
  host: string;
  last_seen_up: NullableTimestamp;
}

export interface Database {
  goals: GoalsTable;
  strategies: StrategiesTable;
  scoring_engines: ScoringEnginesTable;
  audit_templates: AuditTemplatesTable;
  audits: AuditsTable;
  action_plans: ActionPlansTable;
  efficacy_indicators: EfficacyIndicatorsTable;
  actions: ActionsTable;
  action_descriptions: ActionDescriptionsTable;
  services: ServicesTable;
}
