import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Updateable } from 'kysely';
import type { AuditState, AuditType } from '../contract/states.js';
import { conflict, notFound } from '../errors.js';
import type { AuditRecord, AuditSummary, JsonObject } from './records.js';
import {
  boolKey,
  isUniqueViolation,
  isUuid,
  json,
  numberKey,
  paginateJoined,
  textKey,
  timeKey,
  timestampKeys,
  type AnySelect,
  type JoinedListPlan,
} from './listing.js';
import type { AuditsTable, Database } from './schema.js';
import type { AuditChanges, AuditPageQuery, AuditStore, NewAudit } from './store.js';

interface AuditRow {
  id: number;
  uuid: string;
  name: string;
  audit_type: string;
  state: string;
  parameters: JsonObject;
  interval: string | null;
  goal_id: number;
  goal_uuid: string;
  goal_name: string;
  strategy_id: number | null;
  strategy_uuid: string | null;
  strategy_name: string | null;
  scope: unknown[];
  auto_trigger: boolean;
  next_run_time: Date | null;
  hostname: string | null;
  start_time: Date | null;
  end_time: Date | null;
  force: boolean;
  force_refresh: boolean;
  status_message: string | null;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
}

const toAudit = (row: AuditRow): AuditRecord => ({
  id: row.id,
  uuid: row.uuid,
  name: row.name,
  auditType: row.audit_type as AuditType,
  state: row.state as AuditState,
  parameters: row.parameters,
  interval: row.interval,
  goalId: row.goal_id,
  goalUuid: row.goal_uuid,
  goalName: row.goal_name,
  strategyId: row.strategy_id,
  strategyUuid: row.strategy_uuid,
  strategyName: row.strategy_name,
  scope: row.scope,
  autoTrigger: row.auto_trigger,
  nextRunTime: row.next_run_time,
  hostname: row.hostname,
  startTime: row.start_time,
  endTime: row.end_time,
  force: row.force,
  forceRefresh: row.force_refresh,
  statusMessage: row.status_message,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deletedAt: row.deleted_at,
});

export const AUDIT_SORT_KEYS = {
  id: sql.ref('a.id'),
  uuid: textKey('a.uuid'),
  name: textKey('a.name'),
  audit_type: textKey('a.audit_type'),
  state: textKey('a.state'),
  interval: textKey('a.interval'),
  goal_id: sql.ref('a.goal_id'),
  strategy_id: numberKey('a.strategy_id'),
  goal_uuid: textKey('g.uuid'),
  goal_name: textKey('g.name'),
  strategy_uuid: textKey('s.uuid'),
  strategy_name: textKey('s.name'),
  auto_trigger: boolKey('a.auto_trigger'),
  next_run_time: timeKey('a.next_run_time'),
  hostname: textKey('a.hostname'),
  start_time: timeKey('a.start_time'),
  end_time: timeKey('a.end_time'),
  force: boolKey('a.force'),
  ...timestampKeys('a'),
};

const withNames = (query: AnySelect): AnySelect =>
  query
    .innerJoin('goals as g', 'g.id', 'a.goal_id')
    .leftJoin('strategies as s', 's.id', 'a.strategy_id')
    .select([
      'g.uuid as goal_uuid',
      'g.name as goal_name',
      's.uuid as strategy_uuid',
      's.name as strategy_name',
    ]);

const duplicate = (name: string) =>
  conflict(`An audit with UUID or name ${name} already exists`, 'ALREADY_EXISTS', { name });

function toColumns(changes: AuditChanges): Updateable<AuditsTable> {
  return {
    ...(changes.name !== undefined && { name: changes.name }),
    ...(changes.state !== undefined && { state: changes.state }),
    ...(changes.parameters !== undefined && { parameters: json(changes.parameters) }),
    ...(changes.interval !== undefined && { interval: changes.interval }),
    ...(changes.scope !== undefined && { scope: json(changes.scope) }),
    ...(changes.autoTrigger !== undefined && { auto_trigger: changes.autoTrigger }),
    ...(changes.nextRunTime !== undefined && { next_run_time: changes.nextRunTime }),
    ...(changes.hostname !== undefined && { hostname: changes.hostname }),
    ...(changes.startTime !== undefined && { start_time: changes.startTime }),
    ...(changes.endTime !== undefined && { end_time: changes.endTime }),
    ...(changes.force !== undefined && { force: changes.force }),
    ...(changes.forceRefresh !== undefined && { force_refresh: changes.forceRefresh }),
    ...(changes.statusMessage !== undefined && { status_message: changes.statusMessage }),
    ...(changes.state === 'DELETED' && { deleted_at: new Date() }),
    updated_at: new Date(),
  };
}

// goal_id and strategy_id are the join keys of the names.
const SUMMARY_COLUMNS = [
  'id',
  'uuid',
  'name',
  'audit_type',
  'state',
  'goal_id',
  'strategy_id',
  'interval',
  'scope',
  'auto_trigger',
  'next_run_time',
  'force',
] as const;

type AuditSummaryRow = Pick<
  AuditRow,
  (typeof SUMMARY_COLUMNS)[number] | 'goal_uuid' | 'goal_name' | 'strategy_uuid' | 'strategy_name'
>;

const toAuditSummary = (row: AuditSummaryRow): AuditSummary => ({
  id: row.id,
  uuid: row.uuid,
  name: row.name,
  auditType: row.audit_type as AuditType,
  state: row.state as AuditState,
  goalUuid: row.goal_uuid,
  goalName: row.goal_name,
  strategyUuid: row.strategy_uuid,
  strategyName: row.strategy_name,
  interval: row.interval,
  scope: row.scope,
  autoTrigger: row.auto_trigger,
  nextRunTime: row.next_run_time,
  force: row.force,
});

export function createAuditStore(db: Kysely<Database>): AuditStore {
  const listPlan = (columns: 'all' | 'summary'): JoinedListPlan => ({
    alias: 'a',
    markerColumn: 'uuid',
    sortKeys: AUDIT_SORT_KEYS,
    joinedSortKeys: new Set(['goal_uuid', 'goal_name', 'strategy_uuid', 'strategy_name']),
    join: withNames,
    fromPage: (page) => {
      const from = db.selectFrom(page.as('a'));
      return columns === 'all'
        ? from.selectAll('a')
        : from.select(SUMMARY_COLUMNS.map((column) => `a.${column}` as const));
    },
  });
  const plans = { all: listPlan('all'), summary: listPlan('summary') };
  const filtered = (query: AuditPageQuery, columns: 'all' | 'summary') => {
    const from = db.selectFrom('audits as a');
    let base: AnySelect = (
      columns === 'all'
        ? from.selectAll('a')
        : from.select(SUMMARY_COLUMNS.map((column) => `a.${column}` as const))
    ).where('a.deleted_at', 'is', null);
    const filters = query.filters ?? {};
    if (filters.goalId !== undefined) base = base.where('a.goal_id', '=', filters.goalId);
    if (filters.strategyId !== undefined) base = base.where('a.strategy_id', '=', filters.strategyId);
    if (filters.states?.length) base = base.where('a.state', 'in', filters.states);
    if (filters.auditTypes?.length) base = base.where('a.audit_type', 'in', filters.auditTypes);
    return base;
  };
  const live = () =>
    db
      .selectFrom('audits as a')
      .innerJoin('goals as g', 'g.id', 'a.goal_id')
      .leftJoin('strategies as s', 's.id', 'a.strategy_id')
      .selectAll('a')
      .select([
        'g.uuid as goal_uuid',
        'g.name as goal_name',
        's.uuid as strategy_uuid',
        's.name as strategy_name',
      ])
      .where('a.deleted_at', 'is', null);
  const byUuid = async (uuid: string) => {
    const row = await db
      .selectFrom('audits as a')
      .innerJoin('goals as g', 'g.id', 'a.goal_id')
      .leftJoin('strategies as s', 's.id', 'a.strategy_id')
      .selectAll('a')
      .select([
        'g.uuid as goal_uuid',
        'g.name as goal_name',
        's.uuid as strategy_uuid',
        's.name as strategy_name',
      ])
      .where('a.uuid', '=', uuid)
      .executeTakeFirst();
    if (!row) throw notFound('Audit', uuid);
    return toAudit(row);
  };
  return {
    async create(audit: NewAudit) {
      const uuid = audit.uuid ?? randomUUID();
      // One statement, one round trip: the insert and the names of its goal and strategy.
      let row: AuditRow | undefined;
      try {
        row = (await withNames(
          db
            .with('inserted', (cte) =>
              cte
                .insertInto('audits')
                .values({
                  uuid,
                  name: audit.name,
                  audit_type: audit.auditType,
                  state: audit.state,
                  parameters: json(audit.parameters),
                  interval: audit.interval,
                  goal_id: audit.goalId,
                  strategy_id: audit.strategyId,
                  scope: json(audit.scope),
                  auto_trigger: audit.autoTrigger,
                  next_run_time: audit.nextRunTime,
                  start_time: audit.startTime,
                  end_time: audit.endTime,
                  force: audit.force,
                  force_refresh: audit.forceRefresh,
                  ...(audit.statusMessage !== undefined && { status_message: audit.statusMessage }),
                })
                .returningAll(),
            )
            .selectFrom('inserted as a')
            .selectAll('a'),
        ).executeTakeFirst()) as AuditRow | undefined;
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicate(audit.name);
        throw error;
      }
      if (!row) throw notFound('Audit', uuid);
      return toAudit(row);
    },
    async find(idOrName) {
      const row = await live()
        .where(isUuid(idOrName) ? 'a.uuid' : 'a.name', '=', idOrName)
        .executeTakeFirst();
      return row && toAudit(row);
    },
    async findForUpdate(idOrName) {
      const row = await live()
        .where(isUuid(idOrName) ? 'a.uuid' : 'a.name', '=', idOrName)
        .forUpdate('a')
        .executeTakeFirst();
      return row && toAudit(row);
    },
    async list(query) {
      return (await paginateJoined<AuditRow>(filtered(query, 'all'), plans.all, query)).map(toAudit);
    },
    async listSummaries(query) {
      return (await paginateJoined<AuditSummaryRow>(filtered(query, 'summary'), plans.summary, query)).map(
        toAuditSummary,
      );
    },
    async update(uuid, changes) {
      try {
        const result = await db
          .updateTable('audits')
          .set(toColumns(changes))
          .where('uuid', '=', uuid)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) throw notFound('Audit', uuid);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicate(changes.name ?? uuid);
        throw error;
      }
      return byUuid(uuid);
    },
    async updateIfState(uuid, fromStates, changes) {
      const result = await db
        .updateTable('audits')
        .set(toColumns(changes))
        .where('uuid', '=', uuid)
        .where('deleted_at', 'is', null)
        .where('state', 'in', [...fromStates])
        .executeTakeFirst();
      return result.numUpdatedRows === 0n ? undefined : byUuid(uuid);
    },
    async softDelete(uuid) {
      const result = await db
        .updateTable('audits')
        .set({ state: 'DELETED', deleted_at: new Date() })
        .where('uuid', '=', uuid)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw notFound('Audit', uuid);
    },
  };
}
