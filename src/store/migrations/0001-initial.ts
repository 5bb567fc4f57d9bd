/** The initial schema: Watcher's tables, soft delete by deleted_at, names unique among live rows. */
import { sql, type Kysely } from 'kysely';

const timestamps = `created_at timestamptz not null default now(),
      updated_at timestamptz,
      deleted_at timestamptz`;

export async function up(db: Kysely<unknown>): Promise<void> {
  const ddl = `
    create table goals (
      id integer generated always as identity primary key,
      uuid uuid not null unique,
      name text not null,
      display_name text not null,
      efficacy_specification jsonb not null default '[]',
      ${timestamps}
    );
    create unique index goals_name_live on goals (name) where deleted_at is null;

    create table strategies (
      id integer generated always as identity primary key,
      uuid uuid not null unique,
      name text not null,
      display_name text not null,
      goal_id integer not null references goals (id),
      parameters_spec jsonb not null default '{}',
      ${timestamps}
    );
    create unique index strategies_name_live on strategies (name) where deleted_at is null;

    create table scoring_engines (
      id integer generated always as identity primary key,
      uuid uuid not null unique,
      name text not null,
      description text not null default '',
      metainfo text not null default '',
      ${timestamps}
    );
    create unique index scoring_engines_name_live on scoring_engines (name) where deleted_at is null;

    create table audit_templates (
      id integer generated always as identity primary key,
      uuid uuid not null unique,
      name text not null,
      description text,
      goal_id integer not null references goals (id),
      strategy_id integer references strategies (id),
      scope jsonb not null default '[]',
      default_parameters jsonb,
      ${timestamps}
    );
    create unique index audit_templates_name_live on audit_templates (name) where deleted_at is null;

    create table audits (
      id integer generated always as identity primary key,
      uuid uuid not null unique,
      name text not null,
      audit_type text not null,
      state text not null,
      parameters jsonb not null default '{}',
      interval text,
      goal_id integer not null references goals (id),
      strategy_id integer references strategies (id),
      scope jsonb not null default '[]',
      auto_trigger boolean not null default false,
      next_run_time timestamptz,
      hostname text,
      start_time timestamptz,
      end_time timestamptz,
      force boolean not null default false,
      force_refresh boolean not null default false,
      status_message text,
      ${timestamps}
    );
    create unique index audits_name_live on audits (name) where deleted_at is null;
    create index audits_state on audits (state) where deleted_at is null;

    create table action_plans (
      id integer generated always as identity primary key,
      uuid uuid not null unique,
      audit_id integer not null references audits (id),
      strategy_id integer not null references strategies (id),
      state text not null,
      global_efficacy jsonb not null default '[]',
      hostname text,
      status_message text,
      ${timestamps}
    );
    create index action_plans_audit on action_plans (audit_id);
    create index action_plans_state on action_plans (state) where deleted_at is null;

    create table efficacy_indicators (
      id integer generated always as identity primary key,
      uuid uuid not null unique,
      action_plan_id integer not null references action_plans (id),
      name text not null,
      description text not null default '',
      unit text,
      value double precision not null,
      ${timestamps}
    );
    create index efficacy_indicators_plan on efficacy_indicators (action_plan_id);

    create table actions (
      id integer generated always as identity primary key,
      uuid uuid not null unique,
      action_plan_id integer not null references action_plans (id),
      action_type text not null,
      input_parameters jsonb not null default '{}',
      state text not null,
      parents jsonb not null default '[]',
      status_message text,
      ${timestamps}
    );
    create index actions_plan on actions (action_plan_id);

    create table action_descriptions (
      id integer generated always as identity primary key,
      action_type text not null unique,
      description text not null
    );

    create table services (
      id integer generated always as identity primary key,
      name text not null,
      host text not null,
      last_seen_up timestamptz,
      ${timestamps}
    );
    create unique index services_name_host on services (name, host);
  `;
  // One statement at a time: PGlite's extended protocol takes a single statement per query.
  for (const statement of ddl
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}
