/**
 * Keyset pagination shared by every list: order by (sort expression, id) and continue after the marker row, so
 * pages never repeat or skip rows even while rows are added. Sort keys are the wire names (Watcher uses the DB
 * column names); joined names such as goal_name sort in SQL, across pages.
 */
import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { invalid } from '../errors.js';
import type { PageQuery } from './store.js';

export type SortExpressions = Readonly<Record<string, RawBuilder<unknown>>>;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);

export interface ListPlan {
  sortKeys: SortExpressions;
  /** The table alias whose `id` breaks ties and whose marker column identifies the marker row. */
  alias: string;
  markerColumn: 'uuid' | 'id';
}

// Kysely's builder types are generic over the joined tables; pagination only appends where/order/limit.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySelect = SelectQueryBuilder<any, any, any>;

export async function paginate<Row>(
  query: AnySelect,
  plan: ListPlan,
  page: PageQuery<unknown>,
): Promise<Row[]> {
  const sortKey = page.sortKey ?? 'id';
  const sortExpression = plan.sortKeys[sortKey];
  if (!sortExpression)
    throw invalid(
      `Invalid sort key: ${sortKey}`,
      { sortKey, allowed: Object.keys(plan.sortKeys) },
      'INVALID_SORT',
    );
  const direction = page.sortDir ?? 'asc';
  const idColumn = sql.ref(`${plan.alias}.id`);
  let paged = query;
  if (page.marker !== undefined) {
    const markerValue = plan.markerColumn === 'uuid' ? page.marker : Number(page.marker);
    if (plan.markerColumn === 'uuid' ? !isUuid(page.marker) : !Number.isInteger(markerValue)) {
      throw invalid(`Invalid marker: ${page.marker}`, { marker: page.marker }, 'INVALID_UUID');
    }
    const anchorQuery = query
      .clearSelect()
      .clearOrderBy()
      .select([sortExpression.as('sort_value'), idColumn.as('anchor_id')])
      .where(sql.ref(`${plan.alias}.${plan.markerColumn}`), '=', markerValue);
    if (!(await anchorQuery.executeTakeFirst())) {
      throw invalid(`Marker ${page.marker} could not be found`, { marker: page.marker }, 'INVALID_UUID');
    }
    const comparator = direction === 'asc' ? sql`>` : sql`<`;
    // The anchor stays in SQL: a timestamp read back into JavaScript loses its microseconds, and comparing
    // against the rounded value would repeat rows on the next page.
    paged = paged.where(sql<boolean>`(${sortExpression}, ${idColumn}) ${comparator} (${anchorQuery})`);
  }
  const order = direction === 'asc' ? sql`asc` : sql`desc`;
  return await paged
    .orderBy(sql`${sortExpression} ${order}`)
    .orderBy(sql`${idColumn} ${order}`)
    .limit(page.limit)
    .execute();
}

/** Non-null sort expressions: NULLs would break row-value comparison in keyset pagination. */
export const textKey = (column: string): RawBuilder<unknown> => sql`coalesce(${sql.ref(column)}::text, '')`;
export const timeKey = (column: string): RawBuilder<unknown> =>
  sql`coalesce(${sql.ref(column)}, 'epoch'::timestamptz)`;
export const numberKey = (column: string): RawBuilder<unknown> => sql`coalesce(${sql.ref(column)}, 0)`;
export const boolKey = (column: string): RawBuilder<unknown> => sql`coalesce(${sql.ref(column)}, false)`;

export function timestampKeys(alias: string): SortExpressions {
  return {
    created_at: timeKey(`${alias}.created_at`),
    updated_at: timeKey(`${alias}.updated_at`),
    deleted_at: timeKey(`${alias}.deleted_at`),
  };
}

/** Postgres unique_violation: how a duplicate live name surfaces, even when two processes race. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}

export const json = (value: unknown): string => JSON.stringify(value);
