import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { conflict, notFound } from '../errors.js';
import type { AuditTemplateRecord, JsonObject } from './records.js';
import {
  isUniqueViolation,
  isUuid,
  json,
  numberKey,
  paginate,
  textKey,
  timestampKeys,
  type ListPlan,
} from './listing.js';
import type { Database } from './schema.js';
import type { AuditTemplateStore, NewAuditTemplate } from './store.js';

interface AuditTemplateRow {
  id: number;
  uuid: string;
  name: string;
  description: string | null;
  goal_id: number;
  goal_uuid: string;
  goal_name: string;
  strategy_id: number | null;
  strategy_uuid: string | null;
  strategy_name: string | null;
  scope: unknown[];
  default_parameters: JsonObject | null;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
}

const toAuditTemplate = (row: AuditTemplateRow): AuditTemplateRecord => ({
  id: row.id,
  uuid: row.uuid,
  name: row.name,
  description: row.description,
  goalId: row.goal_id,
  goalUuid: row.goal_uuid,
  goalName: row.goal_name,
  strategyId: row.strategy_id,
  strategyUuid: row.strategy_uuid,
  strategyName: row.strategy_name,
  scope: row.scope,
  defaultParameters: row.default_parameters,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deletedAt: row.deleted_at,
});

export const AUDIT_TEMPLATE_SORT_KEYS = {
  id: sql.ref('t.id'),
  uuid: textKey('t.uuid'),
  name: textKey('t.name'),
  description: textKey('t.description'),
  goal_id: sql.ref('t.goal_id'),
  strategy_id: numberKey('t.strategy_id'),
  goal_uuid: textKey('g.uuid'),
  goal_name: textKey('g.name'),
  strategy_uuid: textKey('s.uuid'),
  strategy_name: textKey('s.name'),
  ...timestampKeys('t'),
};

const plan: ListPlan = { alias: 't', markerColumn: 'uuid', sortKeys: AUDIT_TEMPLATE_SORT_KEYS };

const duplicate = (name: string) =>
  conflict(`An audit_template with UUID or name ${name} already exists`, 'ALREADY_EXISTS', { name });

export function createAuditTemplateStore(db: Kysely<Database>): AuditTemplateStore {
  const live = () =>
    db
      .selectFrom('audit_templates as t')
      .innerJoin('goals as g', 'g.id', 't.goal_id')
      .leftJoin('strategies as s', 's.id', 't.strategy_id')
      .selectAll('t')
      .select([
        'g.uuid as goal_uuid',
        'g.name as goal_name',
        's.uuid as strategy_uuid',
        's.name as strategy_name',
      ])
      .where('t.deleted_at', 'is', null);
  const byUuid = async (uuid: string) => {
    const row = await live().where('t.uuid', '=', uuid).executeTakeFirst();
    if (!row) throw notFound('AuditTemplate', uuid);
    return toAuditTemplate(row);
  };
  return {
    async create(template: NewAuditTemplate) {
      const uuid = template.uuid ?? randomUUID();
      try {
        await db
          .insertInto('audit_templates')
          .values({
            uuid,
            name: template.name,
            description: template.description,
            goal_id: template.goalId,
            strategy_id: template.strategyId,
            scope: json(template.scope),
            default_parameters: json(template.defaultParameters),
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicate(template.name);
        throw error;
      }
      return byUuid(uuid);
    },
    async find(idOrName) {
      const row = await live()
        .where(isUuid(idOrName) ? 't.uuid' : 't.name', '=', idOrName)
        .executeTakeFirst();
      return row && toAuditTemplate(row);
    },
    async list(query) {
      let base = live();
      if (query.filters?.goalId !== undefined) base = base.where('t.goal_id', '=', query.filters.goalId);
      if (query.filters?.strategyId !== undefined)
        base = base.where('t.strategy_id', '=', query.filters.strategyId);
      return (await paginate<AuditTemplateRow>(base, plan, query)).map(toAuditTemplate);
    },
    async update(uuid, changes) {
      try {
        await db
          .updateTable('audit_templates')
          .set({
            ...(changes.name !== undefined && { name: changes.name }),
            ...(changes.description !== undefined && { description: changes.description }),
            ...(changes.goalId !== undefined && { goal_id: changes.goalId }),
            ...(changes.strategyId !== undefined && { strategy_id: changes.strategyId }),
            ...(changes.scope !== undefined && { scope: json(changes.scope) }),
            ...(changes.defaultParameters !== undefined && {
              default_parameters: json(changes.defaultParameters),
            }),
            updated_at: new Date(),
          })
          .where('uuid', '=', uuid)
          .where('deleted_at', 'is', null)
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicate(changes.name ?? uuid);
        throw error;
      }
      return byUuid(uuid);
    },
    async softDelete(uuid) {
      const result = await db
        .updateTable('audit_templates')
        .set({ deleted_at: new Date() })
        .where('uuid', '=', uuid)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw notFound('AuditTemplate', uuid);
    },
  };
}
