/**
 * Goals, strategies and scoring engines: read-only over the API, synchronised from the registries at start-up.
 * A definition that changed or vanished is soft-deleted and re-created with a new uuid, as upstream's sync does.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { GoalRecord, IndicatorSpec, ScoringEngineRecord, StrategyRecord } from './records.js';
import { isUuid, json, paginate, textKey, timestampKeys, type ListPlan } from './listing.js';
import type { Database } from './schema.js';
import type {
  GoalDefinition,
  GoalStore,
  ScoringEngineDefinition,
  ScoringEngineStore,
  StrategyDefinition,
  StrategyStore,
} from './store.js';

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

interface GoalRow {
  id: number;
  uuid: string;
  name: string;
  display_name: string;
  efficacy_specification: unknown[];
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
}

const toGoal = (row: GoalRow): GoalRecord => ({
  id: row.id,
  uuid: row.uuid,
  name: row.name,
  displayName: row.display_name,
  efficacySpecification: row.efficacy_specification as IndicatorSpec[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deletedAt: row.deleted_at,
});

const goalPlan: ListPlan = {
  alias: 'g',
  markerColumn: 'uuid',
  sortKeys: {
    id: sql.ref('g.id'),
    uuid: textKey('g.uuid'),
    name: textKey('g.name'),
    display_name: textKey('g.display_name'),
    ...timestampKeys('g'),
  },
};

export function createGoalStore(db: Kysely<Database>): GoalStore {
  const live = () => db.selectFrom('goals as g').selectAll('g').where('g.deleted_at', 'is', null);
  return {
    async sync(definitions: readonly GoalDefinition[]) {
      const existing = await live().execute();
      const byName = new Map(existing.map((row) => [row.name, row]));
      const wanted = new Set(definitions.map((definition) => definition.name));
      for (const row of existing) {
        if (!wanted.has(row.name))
          await db.updateTable('goals').set({ deleted_at: new Date() }).where('id', '=', row.id).execute();
      }
      for (const definition of definitions) {
        const row = byName.get(definition.name);
        const unchanged =
          row &&
          row.display_name === definition.displayName &&
          sameJson(row.efficacy_specification, definition.efficacySpecification);
        if (unchanged) continue;
        if (row)
          await db.updateTable('goals').set({ deleted_at: new Date() }).where('id', '=', row.id).execute();
        await db
          .insertInto('goals')
          .values({
            uuid: randomUUID(),
            name: definition.name,
            display_name: definition.displayName,
            efficacy_specification: json(definition.efficacySpecification),
          })
          .execute();
      }
      return (await live().orderBy('g.id').execute()).map(toGoal);
    },
    async find(idOrName) {
      const row = await live()
        .where(isUuid(idOrName) ? 'g.uuid' : 'g.name', '=', idOrName)
        .executeTakeFirst();
      return row && toGoal(row);
    },
    async list(query) {
      return (await paginate<GoalRow>(live(), goalPlan, query)).map(toGoal);
    },
  };
}

interface StrategyRow {
  id: number;
  uuid: string;
  name: string;
  display_name: string;
  goal_id: number;
  goal_uuid: string;
  goal_name: string;
  parameters_spec: Record<string, unknown>;
  support_level: string;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
}

const toStrategy = (row: StrategyRow): StrategyRecord => ({
  id: row.id,
  uuid: row.uuid,
  name: row.name,
  displayName: row.display_name,
  goalId: row.goal_id,
  goalUuid: row.goal_uuid,
  goalName: row.goal_name,
  parametersSpec: row.parameters_spec,
  supportLevel: row.support_level,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deletedAt: row.deleted_at,
});

const strategyPlan: ListPlan = {
  alias: 's',
  markerColumn: 'uuid',
  sortKeys: {
    id: sql.ref('s.id'),
    uuid: textKey('s.uuid'),
    name: textKey('s.name'),
    display_name: textKey('s.display_name'),
    goal_id: sql.ref('s.goal_id'),
    goal_uuid: textKey('g.uuid'),
    goal_name: textKey('g.name'),
    ...timestampKeys('s'),
  },
};

export function createStrategyStore(db: Kysely<Database>): StrategyStore {
  const live = () =>
    db
      .selectFrom('strategies as s')
      .innerJoin('goals as g', 'g.id', 's.goal_id')
      .selectAll('s')
      .select(['g.uuid as goal_uuid', 'g.name as goal_name'])
      .where('s.deleted_at', 'is', null);
  return {
    async sync(definitions: readonly StrategyDefinition[]) {
      const goals = await db
        .selectFrom('goals')
        .select(['id', 'name'])
        .where('deleted_at', 'is', null)
        .execute();
      const goalIds = new Map(goals.map((goal) => [goal.name, goal.id]));
      const existing = await live().execute();
      const byName = new Map(existing.map((row) => [row.name, row]));
      const wanted = new Set(definitions.map((definition) => definition.name));
      for (const row of existing) {
        if (!wanted.has(row.name))
          await db
            .updateTable('strategies')
            .set({ deleted_at: new Date() })
            .where('id', '=', row.id)
            .execute();
      }
      for (const definition of definitions) {
        const goalId = goalIds.get(definition.goalName);
        if (goalId === undefined)
          throw new Error(`strategy ${definition.name} names unknown goal ${definition.goalName}`);
        const row = byName.get(definition.name);
        const unchanged =
          row &&
          row.display_name === definition.displayName &&
          row.goal_id === goalId &&
          sameJson(row.parameters_spec, definition.parametersSpec);
        if (unchanged && row.support_level === definition.supportLevel) continue;
        if (unchanged) {
          // A new support level is the same strategy: its uuid, and the audits naming it, stay.
          await db
            .updateTable('strategies')
            .set({ support_level: definition.supportLevel, updated_at: new Date() })
            .where('id', '=', row.id)
            .execute();
          continue;
        }
        if (row)
          await db
            .updateTable('strategies')
            .set({ deleted_at: new Date() })
            .where('id', '=', row.id)
            .execute();
        await db
          .insertInto('strategies')
          .values({
            uuid: randomUUID(),
            name: definition.name,
            display_name: definition.displayName,
            goal_id: goalId,
            parameters_spec: json(definition.parametersSpec),
            support_level: definition.supportLevel,
          })
          .execute();
      }
      return (await live().orderBy('s.id').execute()).map(toStrategy);
    },
    async find(idOrName) {
      const row = await live()
        .where(isUuid(idOrName) ? 's.uuid' : 's.name', '=', idOrName)
        .executeTakeFirst();
      return row && toStrategy(row);
    },
    async list(query) {
      let base = live();
      if (query.filters?.goalId !== undefined) base = base.where('s.goal_id', '=', query.filters.goalId);
      return (await paginate<StrategyRow>(base, strategyPlan, query)).map(toStrategy);
    },
  };
}

interface ScoringEngineRow {
  id: number;
  uuid: string;
  name: string;
  description: string;
  metainfo: string;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
}

const toScoringEngine = (row: ScoringEngineRow): ScoringEngineRecord => ({
  id: row.id,
  uuid: row.uuid,
  name: row.name,
  description: row.description,
  metainfo: row.metainfo,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deletedAt: row.deleted_at,
});

const scoringPlan: ListPlan = {
  alias: 'e',
  markerColumn: 'uuid',
  sortKeys: {
    id: sql.ref('e.id'),
    uuid: textKey('e.uuid'),
    name: textKey('e.name'),
    description: textKey('e.description'),
    ...timestampKeys('e'),
  },
};

export function createScoringEngineStore(db: Kysely<Database>): ScoringEngineStore {
  const live = () => db.selectFrom('scoring_engines as e').selectAll('e').where('e.deleted_at', 'is', null);
  return {
    async sync(definitions: readonly ScoringEngineDefinition[]) {
      const existing = await live().execute();
      const byName = new Map(existing.map((row) => [row.name, row]));
      const wanted = new Set(definitions.map((definition) => definition.name));
      for (const row of existing) {
        if (!wanted.has(row.name))
          await db
            .updateTable('scoring_engines')
            .set({ deleted_at: new Date() })
            .where('id', '=', row.id)
            .execute();
      }
      for (const definition of definitions) {
        const row = byName.get(definition.name);
        if (row && row.description === definition.description && row.metainfo === definition.metainfo)
          continue;
        if (row)
          await db
            .updateTable('scoring_engines')
            .set({ deleted_at: new Date() })
            .where('id', '=', row.id)
            .execute();
        await db
          .insertInto('scoring_engines')
          .values({
            uuid: randomUUID(),
            name: definition.name,
            description: definition.description,
            metainfo: definition.metainfo,
          })
          .execute();
      }
      return (await live().orderBy('e.id').execute()).map(toScoringEngine);
    },
    async find(idOrName) {
      const row = await live()
        .where(isUuid(idOrName) ? 'e.uuid' : 'e.name', '=', idOrName)
        .executeTakeFirst();
      return row && toScoringEngine(row);
    },
    async list(query) {
      return (await paginate<ScoringEngineRow>(live(), scoringPlan, query)).map(toScoringEngine);
    },
  };
}
