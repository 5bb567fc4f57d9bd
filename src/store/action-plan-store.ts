import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Updateable } from 'kysely';
import type { ActionPlanState } from '../contract/states.js';
import { notFound } from '../errors.js';
import type { ActionPlanRecord, EfficacyIndicatorRecord, GlobalEfficacyRecord } from './records.js';
import {
  isUuid,
  json,
  paginateJoined,
  textKey,
  timestampKeys,
  type AnySelect,
  type JoinedListPlan,
} from './listing.js';
import type { ActionPlansTable, Database } from './schema.js';
import type { ActionPlanChanges, ActionPlanStore, NewActionPlan } from './store.js';

interface ActionPlanRow {
  id: number;
  uuid: string;
  audit_id: number;
  audit_uuid: string;
  strategy_id: number;
  strategy_uuid: string;
  strategy_name: string;
  state: string;
  global_efficacy: unknown[];
  hostname: string | null;
  status_message: string | null;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
}

export const ACTION_PLAN_SORT_KEYS = {
  id: sql.ref('p.id'),
  uuid: textKey('p.uuid'),
  state: textKey('p.state'),
  audit_id: sql.ref('p.audit_id'),
  strategy_id: sql.ref('p.strategy_id'),
  audit_uuid: textKey('a.uuid'),
  strategy_uuid: textKey('s.uuid'),
  strategy_name: textKey('s.name'),
  hostname: textKey('p.hostname'),
  ...timestampKeys('p'),
};

const withNames = (query: AnySelect): AnySelect =>
  query
    .innerJoin('audits as a', 'a.id', 'p.audit_id')
    .innerJoin('strategies as s', 's.id', 'p.strategy_id')
    .select(['a.uuid as audit_uuid', 's.uuid as strategy_uuid', 's.name as strategy_name']);

function toColumns(changes: ActionPlanChanges): Updateable<ActionPlansTable> {
  return {
    ...(changes.state !== undefined && { state: changes.state }),
    ...(changes.hostname !== undefined && { hostname: changes.hostname }),
    ...(changes.statusMessage !== undefined && { status_message: changes.statusMessage }),
    ...(changes.state === 'DELETED' && { deleted_at: new Date() }),
    updated_at: new Date(),
  };
}

export function createActionPlanStore(db: Kysely<Database>): ActionPlanStore {
  const plan: JoinedListPlan = {
    alias: 'p',
    markerColumn: 'uuid',
    sortKeys: ACTION_PLAN_SORT_KEYS,
    joinedSortKeys: new Set(['audit_uuid', 'strategy_uuid', 'strategy_name']),
    join: withNames,
    fromPage: (page) => db.selectFrom(page.as('p')).selectAll('p'),
  };
  const select = () =>
    db
      .selectFrom('action_plans as p')
      .innerJoin('audits as a', 'a.id', 'p.audit_id')
      .innerJoin('strategies as s', 's.id', 'p.strategy_id')
      .selectAll('p')
      .select(['a.uuid as audit_uuid', 's.uuid as strategy_uuid', 's.name as strategy_name']);
  const live = () => select().where('p.deleted_at', 'is', null);

  async function withIndicators(rows: ActionPlanRow[]): Promise<ActionPlanRecord[]> {
    if (rows.length === 0) return [];
    const indicators = await db
      .selectFrom('efficacy_indicators')
      .select(['action_plan_id', 'name', 'description', 'unit', 'value'])
      .where(
        'action_plan_id',
        'in',
        rows.map((row) => row.id),
      )
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .execute();
    const byPlan = new Map<number, EfficacyIndicatorRecord[]>();
    for (const indicator of indicators) {
      const list = byPlan.get(indicator.action_plan_id) ?? [];
      list.push({
        name: indicator.name,
        description: indicator.description,
        unit: indicator.unit,
        value: Number(indicator.value),
      });
      byPlan.set(indicator.action_plan_id, list);
    }
    return rows.map((row) => ({
      id: row.id,
      uuid: row.uuid,
      auditId: row.audit_id,
      auditUuid: row.audit_uuid,
      strategyId: row.strategy_id,
      strategyUuid: row.strategy_uuid,
      strategyName: row.strategy_name,
      state: row.state as ActionPlanState,
      globalEfficacy: row.global_efficacy as GlobalEfficacyRecord[],
      efficacyIndicators: byPlan.get(row.id) ?? [],
      hostname: row.hostname,
      statusMessage: row.status_message,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      deletedAt: row.deleted_at,
    }));
  }

  const byUuid = async (uuid: string) => {
    const row = await select().where('p.uuid', '=', uuid).executeTakeFirst();
    if (!row) throw notFound('ActionPlan', uuid);
    const [record] = await withIndicators([row]);
    return record!;
  };

  return {
    async create(newPlan: NewActionPlan) {
      const uuid = newPlan.uuid ?? randomUUID();
      const { id } = await db
        .insertInto('action_plans')
        .values({
          uuid,
          audit_id: newPlan.auditId,
          strategy_id: newPlan.strategyId,
          state: newPlan.state,
          global_efficacy: json(newPlan.globalEfficacy),
          status_message: newPlan.statusMessage ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (newPlan.efficacyIndicators.length > 0) {
        await db
          .insertInto('efficacy_indicators')
          .values(
            newPlan.efficacyIndicators.map((indicator) => ({
              uuid: randomUUID(),
              action_plan_id: id,
              name: indicator.name,
              description: indicator.description,
              unit: indicator.unit,
              value: indicator.value,
            })),
          )
          .execute();
      }
      // Large plans are inserted in chunks to stay under PostgreSQL's bind-parameter limit.
      for (let start = 0; start < newPlan.actions.length; start += 1000) {
        await db
          .insertInto('actions')
          .values(
            newPlan.actions.slice(start, start + 1000).map((action) => ({
              uuid: action.uuid,
              action_plan_id: id,
              action_type: action.actionType,
              input_parameters: json(action.inputParameters),
              state: action.state,
              parents: json(action.parents),
            })),
          )
          .execute();
      }
      return byUuid(uuid);
    },
    async find(uuid) {
      if (!isUuid(uuid)) return undefined;
      const row = await live().where('p.uuid', '=', uuid).executeTakeFirst();
      return row && (await withIndicators([row]))[0];
    },
    async findForUpdate(uuid) {
      if (!isUuid(uuid)) return undefined;
      const row = await live().where('p.uuid', '=', uuid).forUpdate('p').executeTakeFirst();
      return row && (await withIndicators([row]))[0];
    },
    async list(query) {
      let base = db.selectFrom('action_plans as p').selectAll('p').where('p.deleted_at', 'is', null);
      const filters = query.filters ?? {};
      if (filters.auditId !== undefined) base = base.where('p.audit_id', '=', filters.auditId);
      if (filters.strategyId !== undefined) base = base.where('p.strategy_id', '=', filters.strategyId);
      if (filters.states?.length) base = base.where('p.state', 'in', filters.states);
      return withIndicators(await paginateJoined<ActionPlanRow>(base, plan, query));
    },
    async update(uuid, changes) {
      const result = await db
        .updateTable('action_plans')
        .set(toColumns(changes))
        .where('uuid', '=', uuid)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw notFound('ActionPlan', uuid);
      return byUuid(uuid);
    },
    async updateIfState(uuid, fromStates, changes, expected) {
      let query = db
        .updateTable('action_plans')
        .set(toColumns(changes))
        .where('uuid', '=', uuid)
        .where('deleted_at', 'is', null)
        .where('state', 'in', [...fromStates]);
      if (expected)
        query =
          expected.hostname === null
            ? query.where('hostname', 'is', null)
            : query.where('hostname', '=', expected.hostname);
      const result = await query.executeTakeFirst();
      return result.numUpdatedRows === 0n ? undefined : byUuid(uuid);
    },
    async softDelete(uuid) {
      const now = new Date();
      const row = await db
        .updateTable('action_plans')
        .set({ state: 'DELETED', deleted_at: now })
        .where('uuid', '=', uuid)
        .where('deleted_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!row) throw notFound('ActionPlan', uuid);
      await db
        .updateTable('actions')
        .set({ state: 'DELETED', deleted_at: now })
        .where('action_plan_id', '=', row.id)
        .execute();
      await db
        .updateTable('efficacy_indicators')
        .set({ deleted_at: now })
        .where('action_plan_id', '=', row.id)
        .execute();
    },
  };
}
