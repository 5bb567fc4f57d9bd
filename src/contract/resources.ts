/**
 * The wire shapes of every resource of the v1 API, as TypeBox schemas: the API declares them as its response
 * schemas (so Fastify's compiled serializer writes them, in upstream's field order, and nothing that is not part
 * of the shape leaves the server), the OpenAPI document shows them, and `StewardClient` returns their static types
 * to the CLI and the dashboard. Fields that only some views or microversions show are optional; the mappers in
 * `src/api/mappers.ts` decide which appear.
 */
import { Type, type Static, type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** Upstream's timestamps: ISO 8601 with microseconds and offset, or null. */
const Timestamp = Nullable(Type.String());
/** A JSON object whose keys the API does not constrain (parameters, metadata, specs). */
const AnyObject = Type.Record(Type.String(), Type.Unknown());

/** Watcher's error body: the fault (faultcode, faultstring, debuginfo) JSON-encoded inside `error_message`. */
export const ErrorBody = Type.Object({ error_message: Type.String() });

export const Link = Type.Object({
  href: Type.String(),
  rel: Type.String(),
  type: Type.Optional(Type.String()),
});
const Links = Type.Array(Link);

const timestamps = {
  created_at: Type.Optional(Timestamp),
  deleted_at: Type.Optional(Timestamp),
  updated_at: Type.Optional(Timestamp),
};

export const IndicatorSpecification = Type.Object({
  name: Type.String(),
  description: Type.String(),
  unit: Nullable(Type.String()),
  /** The value's JSON schema, serialised as a JSON string (upstream's quirk). */
  schema: Type.String(),
});

export const EfficacyIndicator = Type.Object({
  name: Type.String(),
  description: Type.String(),
  unit: Nullable(Type.String()),
  value: Type.Number(),
});

export const Goal = Type.Object({
  uuid: Type.String(),
  name: Type.String(),
  display_name: Type.String(),
  efficacy_specification: Type.Array(IndicatorSpecification),
  links: Links,
  ...timestamps,
});

export const Strategy = Type.Object({
  uuid: Type.String(),
  name: Type.String(),
  display_name: Type.String(),
  links: Links,
  goal_uuid: Type.String(),
  goal_name: Type.String(),
  /** Steward's extension (2025.2 PTG support levels): core, experimental or deprecated. */
  support_level: Type.Optional(Type.String()),
  parameters_spec: Type.Optional(AnyObject),
  ...timestamps,
});

export const StrategyStateRow = Type.Object({
  type: Type.String(),
  state: Type.Unknown(),
  mandatory: Type.Union([Type.Boolean(), Type.String()]),
  comment: Type.String(),
});

export const ScoringEngine = Type.Object({
  uuid: Type.String(),
  name: Type.String(),
  description: Type.String(),
  links: Links,
  metainfo: Type.Optional(Type.String()),
  ...timestamps,
});

export const AuditTemplate = Type.Object({
  uuid: Type.String(),
  name: Type.String(),
  description: Type.Optional(Nullable(Type.String())),
  goal_uuid: Type.String(),
  goal_name: Type.String(),
  strategy_uuid: Nullable(Type.String()),
  strategy_name: Nullable(Type.String()),
  links: Links,
  scope: Type.Array(Type.Unknown()),
  default_parameters: Type.Optional(Nullable(AnyObject)),
  ...timestamps,
});

export const Audit = Type.Object({
  uuid: Type.String(),
  name: Type.String(),
  audit_type: Type.String(),
  state: Type.String(),
  goal_uuid: Type.String(),
  goal_name: Type.String(),
  strategy_uuid: Nullable(Type.String()),
  strategy_name: Nullable(Type.String()),
  parameters: Type.Optional(AnyObject),
  links: Links,
  interval: Nullable(Type.String()),
  scope: Type.Array(Type.Unknown()),
  auto_trigger: Type.Boolean(),
  next_run_time: Timestamp,
  hostname: Type.Optional(Nullable(Type.String())),
  start_time: Type.Optional(Timestamp),
  end_time: Type.Optional(Timestamp),
  force: Type.Boolean(),
  status_message: Type.Optional(Nullable(Type.String())),
  ...timestamps,
});

export const ActionPlan = Type.Object({
  efficacy_indicators: Type.Array(EfficacyIndicator),
  uuid: Type.String(),
  audit_uuid: Type.String(),
  strategy_uuid: Nullable(Type.String()),
  strategy_name: Nullable(Type.String()),
  global_efficacy: Type.Array(EfficacyIndicator),
  state: Type.String(),
  links: Links,
  hostname: Type.Optional(Nullable(Type.String())),
  status_message: Type.Optional(Nullable(Type.String())),
  ...timestamps,
});

export const Action = Type.Object({
  uuid: Type.String(),
  action_plan_uuid: Type.String(),
  state: Type.String(),
  action_type: Type.String(),
  description: Type.Optional(Type.String()),
  input_parameters: Type.Optional(AnyObject),
  parents: Type.Array(Type.String()),
  links: Links,
  status_message: Type.Optional(Nullable(Type.String())),
  ...timestamps,
});

export const Service = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  host: Type.String(),
  status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('FAILED')]),
  links: Links,
  last_seen_up: Type.Optional(Timestamp),
  ...timestamps,
});

/** One flat row of `GET /v1/data_model`: a node, or a node and one of its instances (upstream's frozen fields). */
export const DataModelRow = Type.Object({
  node_hostname: Type.String(),
  node_status: Type.String(),
  node_disabled_reason: Nullable(Type.String()),
  node_state: Type.String(),
  node_memory: Type.Number(),
  node_memory_mb_reserved: Type.Number(),
  node_disk: Type.Number(),
  node_disk_gb_reserved: Type.Number(),
  node_vcpus: Type.Number(),
  node_vcpu_reserved: Type.Number(),
  node_memory_ratio: Type.Number(),
  node_vcpu_ratio: Type.Number(),
  node_disk_ratio: Type.Number(),
  node_uuid: Type.String(),
  server_watcher_exclude: Type.Optional(Type.Boolean()),
  server_name: Type.Optional(Type.String()),
  server_state: Type.Optional(Type.String()),
  server_memory: Type.Optional(Type.Number()),
  server_disk: Type.Optional(Type.Number()),
  server_vcpus: Type.Optional(Type.Number()),
  server_metadata: Type.Optional(AnyObject),
  server_project_id: Type.Optional(Nullable(Type.String())),
  server_locked: Type.Optional(Type.Boolean()),
  server_uuid: Type.Optional(Type.String()),
  server_flavor_extra_specs: Type.Optional(AnyObject),
  server_pinned_az: Type.Optional(Nullable(Type.String())),
});

export const DataModel = Type.Object({ context: Type.Array(DataModelRow) });

export const DataModelRefresh = Type.Object({
  data_model_type: Type.String(),
  synced_at: Timestamp,
  compute_nodes: Type.Integer(),
  instances: Type.Integer(),
});

/** A list page: the rows under the collection's name, and `next` when the page was full. */
const next = Type.Optional(Type.String());
export const GoalPage = Type.Object({ goals: Type.Array(Goal), next });
export const StrategyPage = Type.Object({ strategies: Type.Array(Strategy), next });
export const ScoringEnginePage = Type.Object({ scoring_engines: Type.Array(ScoringEngine), next });
export const AuditTemplatePage = Type.Object({ audit_templates: Type.Array(AuditTemplate), next });
export const AuditPage = Type.Object({ audits: Type.Array(Audit), next });
export const ActionPlanPage = Type.Object({ action_plans: Type.Array(ActionPlan), next });
export const ActionPage = Type.Object({ actions: Type.Array(Action), next });
export const ServicePage = Type.Object({ services: Type.Array(Service), next });

const VersionSummary = Type.Object({
  id: Type.String(),
  status: Type.String(),
  max_version: Type.String(),
  min_version: Type.String(),
  links: Links,
});

export const RootDocument = Type.Object({
  name: Type.String(),
  description: Type.String(),
  versions: Type.Array(VersionSummary),
  default_version: VersionSummary,
});

/** `/v1`: its own links, then a pair of links per resource the requested microversion has. */
export const VersionDocument = Type.Object(
  {
    id: Type.String(),
    media_types: Type.Array(Type.Object({ base: Type.String(), type: Type.String() })),
    links: Links,
  },
  { additionalProperties: Links },
);

export type LinkResource = Static<typeof Link>;
export type GoalResource = Static<typeof Goal>;
export type StrategyResource = Static<typeof Strategy>;
export type StrategyStateResource = Static<typeof StrategyStateRow>;
export type ScoringEngineResource = Static<typeof ScoringEngine>;
export type AuditTemplateResource = Static<typeof AuditTemplate>;
export type AuditResource = Static<typeof Audit>;
export type ActionPlanResource = Static<typeof ActionPlan>;
export type ActionResource = Static<typeof Action>;
export type ServiceResource = Static<typeof Service>;
export type DataModelRowResource = Static<typeof DataModelRow>;
export type DataModelRefreshResource = Static<typeof DataModelRefresh>;
export type EfficacyIndicatorResource = Static<typeof EfficacyIndicator>;

/** The row type of each listable collection, for the typed client. */
export interface ResourceOf {
  goals: GoalResource;
  strategies: StrategyResource;
  scoring_engines: ScoringEngineResource;
  audit_templates: AuditTemplateResource;
  audits: AuditResource;
  action_plans: ActionPlanResource;
  actions: ActionResource;
  services: ServiceResource;
}
export type Collection = keyof ResourceOf;

/**
 * Dashboards (Steward's extension, docs/dashboards.md). A number that may be missing is `type: [number, null]`
 * rather than an anyOf: the serializer then writes 100,000 of them without running a validator per value.
 */
const NumberOrNull = Type.Unsafe<number | null>({ type: ['number', 'null'] });
export const DashboardRange = Type.Object({
  range: Type.String(),
  start: Type.String(),
  end: Type.String(),
  step_seconds: Type.Number(),
  window_seconds: Type.Number(),
  max_points: Type.Number(),
});
export const DashboardPanel = Type.Object({
  id: Type.String(),
  title: Type.String(),
  metric: Type.String(),
  unit: Type.String(),
  series: Type.Array(
    Type.Object({ resource: Type.String(), values: Type.Array(NumberOrNull), limit: NumberOrNull }),
  ),
});
const Summary = Type.Object({ mean: NumberOrNull, p95: NumberOrNull, max: NumberOrNull });
export const AdminDashboard = Type.Object({
  dashboard: Type.Literal('admin'),
  datasource: Nullable(Type.String()),
  range: DashboardRange,
  timestamps: Type.Array(Type.Number()),
  host: Nullable(Type.String()),
  panels: Type.Array(DashboardPanel),
  hosts: Type.Array(Type.Object({ hostname: Type.String(), metrics: Type.Record(Type.String(), Summary) })),
  instances: Type.Array(
    Type.Object({
      uuid: Type.String(),
      name: Type.String(),
      project_id: Type.String(),
      state: Type.String(),
      flavor: Type.Object({
        id: Type.String(),
        name: Type.String(),
        vcpus: Type.Number(),
        ram_mb: Type.Number(),
        disk_gb: Type.Number(),
      }),
    }),
  ),
  instance_panels: Type.Array(DashboardPanel),
  emptied_hosts: Nullable(
    Type.Object({
      action_plan: Type.String(),
      hosts: Type.Array(Type.Object({ hostname: Type.String(), instances_moved_out: Type.Number() })),
      unplaced_moves: Type.Number(),
    }),
  ),
});
const DashboardFlavor = Type.Object({
  id: Type.String(),
  name: Type.String(),
  vcpus: Type.Number(),
  ram_mb: Type.Number(),
  disk_gb: Type.Number(),
});
export const TenantDashboard = Type.Object({
  dashboard: Type.Literal('tenant'),
  datasource: Nullable(Type.String()),
  project_id: Type.String(),
  range: DashboardRange,
  timestamps: Type.Array(Type.Number()),
  instance: Nullable(Type.String()),
  instances: Type.Array(
    Type.Object({ uuid: Type.String(), name: Type.String(), state: Type.String(), flavor: DashboardFlavor }),
  ),
  panels: Type.Array(DashboardPanel),
  oversized: Type.Array(
    Type.Object({
      uuid: Type.String(),
      name: Type.String(),
      flavor: DashboardFlavor,
      p95_cpu_percent: Type.Number(),
      p95_ram_mb: Type.Number(),
      underused: Type.Array(Type.Union([Type.Literal('cpu'), Type.Literal('ram')])),
      needed: Type.Object({ vcpus: Type.Number(), ram_mb: Type.Number(), disk_gb: Type.Number() }),
      suggested_flavor: DashboardFlavor,
    }),
  ),
});
export type AdminDashboardResource = Static<typeof AdminDashboard>;
export type TenantDashboardResource = Static<typeof TenantDashboard>;
export type DashboardPanelResource = Static<typeof DashboardPanel>;
