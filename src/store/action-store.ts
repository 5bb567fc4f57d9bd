import { sql, type Kysely, type Updateable } from 'kysely';
import type { ActionPlanState, ActionState } from '../contract/states.js';
import { notFound } from '../errors.js';
import type { ActionRecord, JsonObject } from './records.js';
import { isUuid, paginate, textKey, timestampKeys, type ListPlan } from './listing.js';
import type { ActionsTable, Database } from './schema.js';
import type { ActionChanges, ActionStore, ChangedAction } from './store.js';

interface ActionRow {
  id: number;
  uuid: string;
  action_plan_id: number;
  action_plan_uuid: string;
  action_type: string;
  input_parameters: JsonObject;
  state: string;
  parents: string[];
  status_message: string | null;
  description: string | null;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
}

const toAction = (row: ActionRow): ActionRecord => ({
  id: row.id,
  uuid: row.uuid,
  actionPlanId: row.action_plan_id,
  actionPlanUuid: row.action_plan_uuid,
  actionType: row.action_type,
  inputParameters: row.input_parameters,
  state: row.state as ActionState,
  parents: row.parents,
  statusMessage: row.status_message,
  description: row.description ?? '',
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deletedAt: row.deleted_at,
});

export const ACTION_SORT_KEYS = {
  id: sql.ref('x.id'),
  uuid: textKey('x.uuid'),
  action_type: textKey('x.action_type'),
  state: textKey('x.state'),
  action_plan_id: sql.ref('x.action_plan_id'),
  action_plan_uuid: textKey('p.uuid'),
  ...timestampKeys('x'),
};

const plan: ListPlan = { alias: 'x', markerColumn: 'uuid', sortKeys: ACTION_SORT_KEYS };

function toColumns(changes: ActionChanges): Updateable<ActionsTable> {
  return {
    ...(changes.state !== undefined && { state: changes.state }),
    ...(changes.statusMessage !== undefined && { status_message: changes.statusMessage }),
    updated_at: new Date(),
  };
}

/**
 * What a read joins in, computed by the writing statement itself (RETURNING): a state change is one round trip, not
 * an update and a re-read. The plan's state comes from the same snapshot as the change.
 */
const joined = [
  sql<string>`(select p.uuid from action_plans p where p.id = actions.action_plan_id)`.as('action_plan_uuid'),
  sql<string>`(select p.state from action_plans p where p.id = actions.action_plan_id)`.as(
    'action_plan_state',
  ),
  sql<
    string | null
  >`(select d.description from action_descriptions d where d.action_type = actions.action_type)`.as(
    'description',
  ),
];

const toChangedAction = (row: ActionRow & { action_plan_state: string }): ChangedAction => ({
  ...toAction(row),
  actionPlanState: row.action_plan_state as ActionPlanState,
});

export function createActionStore(db: Kysely<Database>): ActionStore {
  const live = () =>
    db
      .selectFrom('actions as x')
      .innerJoin('action_plans as p', 'p.id', 'x.action_plan_id')
      .leftJoin('action_descriptions as d', 'd.action_type', 'x.action_type')
      .selectAll('x')
      .select(['p.uuid as action_plan_uuid', 'd.description as description'])
      .where('x.deleted_at', 'is', null);
  return {
    async find(uuid) {
      if (!isUuid(uuid)) return undefined;
      const row = await live().where('x.uuid', '=', uuid).executeTakeFirst();
      return row && toAction(row);
    },
    async list(query) {
      let base = live();
      const filters = query.filters ?? {};
      if (filters.actionPlanId !== undefined)
        base = base.where('x.action_plan_id', '=', filters.actionPlanId);
      if (filters.auditId !== undefined) base = base.where('p.audit_id', '=', filters.auditId);
      if (filters.states?.length) base = base.where('x.state', 'in', filters.states);
      return (await paginate<ActionRow>(base, plan, query)).map(toAction);
    },
    async listByPlan(actionPlanId) {
      return (await live().where('x.action_plan_id', '=', actionPlanId).orderBy('x.id').execute()).map(
        toAction,
      );
    },
    async update(uuid, changes) {
      const row = await db
        .updateTable('actions')
        .set(toColumns(changes))
        .where('uuid', '=', uuid)
        .where('deleted_at', 'is', null)
        .returningAll()
        .returning(joined)
        .executeTakeFirst();
      if (!row) throw notFound('Action', uuid);
      return toChangedAction(row);
    },
    async updateIfState(uuid, fromStates, changes, guard) {
      let query = db
        .updateTable('actions')
        .set(toColumns(changes))
        .where('uuid', '=', uuid)
        .where('deleted_at', 'is', null)
        .where('state', 'in', [...fromStates]);
      if (guard)
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('action_plans as p')
              .select('p.id')
              .whereRef('p.id', '=', 'actions.action_plan_id')
              .where('p.hostname', '=', guard.planHostname),
          ),
        );
      const row = await query.returningAll().returning(joined).executeTakeFirst();
      return row && toChangedAction(row);
    },
    async updateManyOfPlan(actionPlanId, fromStates, changes) {
      const result = await db
        .updateTable('actions')
        .set(toColumns(changes))
        .where('action_plan_id', '=', actionPlanId)
        .where('deleted_at', 'is', null)
        .where('state', 'in', [...fromStates])
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async syncDescriptions(descriptions) {
      for (const [actionType, description] of descriptions) {
        await db
          .insertInto('action_descriptions')
          .values({ action_type: actionType, description })
          .onConflict((oc) => oc.column('action_type').doUpdateSet({ description }))
          .execute();
      }
    },
  };
}
