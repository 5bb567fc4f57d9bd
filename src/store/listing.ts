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

/**
 * A list over one table whose rows are shown with names from joined tables. A page sorted by the table's own
 * columns is cut from the table alone and only its rows are joined, so the cost of the join does not grow with
 * the table and the plan does not depend on PostgreSQL's statistics (an unanalysed table used to be joined in
 * full, then sorted).
 */
export interface JoinedListPlan extends ListPlan {
  /** Sort keys on joined tables: these pages are cut after the join. */
  joinedSortKeys: ReadonlySet<string>;
  /** The query with the joins and their columns added, over the table or over one page of it. */
  join: (query: AnySelect) => AnySelect;
  /** `select <alias>.<columns> from (<page>) as <alias>`: the columns `base` selected, without the page's sort value. */
  fromPage: (page: AnySelect) => AnySelect;
}

// Kysely's builder types are generic over the joined tables; pagination only appends where/order/limit.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySelect = SelectQueryBuilder<any, any, any>;

export async function paginate<Row>(
  query: AnySelect,
  plan: ListPlan,
  page: PageQuery<unknown>,
): Promise<Row[]> {
  return (await pageQuery(query, plan, page)).execute();
}

/** `base` is the listed table alone (filters applied, its columns selected, `id` among them, aliased `plan.alias`). */
export async function paginateJoined<Row>(
  base: AnySelect,
  plan: JoinedListPlan,
  page: PageQuery<unknown>,
): Promise<Row[]> {
  const sortKey = page.sortKey ?? 'id';
  if (plan.joinedSortKeys.has(sortKey)) return paginate<Row>(plan.join(base), plan, page);
  // The page carries its sort value out, since `base` may select only some of the table's columns.
  const cut = await pageQuery(base.select(sortExpressionOf(plan, sortKey).as(PAGE_SORT_VALUE)), plan, page);
  const order = (page.sortDir ?? 'asc') === 'asc' ? sql`asc` : sql`desc`;
  return plan
    .join(plan.fromPage(cut))
    .orderBy(sql`${sql.ref(`${plan.alias}.${PAGE_SORT_VALUE}`)} ${order}`)
    .orderBy(sql`${sql.ref(`${plan.alias}.id`)} ${order}`)
    .execute();
}

const PAGE_SORT_VALUE = 'page_sort_value';

function sortExpressionOf(plan: ListPlan, sortKey: string): RawBuilder<unknown> {
  // Own keys only: `__proto__`, `constructor` and the like are on every object and are not sort keys.
  const sortExpression = Object.hasOwn(plan.sortKeys, sortKey) ? plan.sortKeys[sortKey] : undefined;
  if (!sortExpression)
    throw invalid(
      `Invalid sort key: ${sortKey}`,
      { sortKey, allowed: Object.keys(plan.sortKeys) },
      'INVALID_SORT',
    );
  return sortExpression;
}

function ordered(query: AnySelect, plan: ListPlan, page: PageQuery<unknown>): AnySelect {
  const sortExpression = sortExpressionOf(plan, page.sortKey ?? 'id');
  const order = (page.sortDir ?? 'asc') === 'asc' ? sql`asc` : sql`desc`;
  return query.orderBy(sql`${sortExpression} ${order}`).orderBy(sql`${sql.ref(`${plan.alias}.id`)} ${order}`);
}

/** The page as a query: after the marker row (which must exist), in order, at most `limit` rows. */
async function pageQuery(query: AnySelect, plan: ListPlan, page: PageQuery<unknown>): Promise<AnySelect> {
  const sortExpression = sortExpressionOf(plan, page.sortKey ?? 'id');
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
  return ordered(paged, plan, page).limit(page.limit);
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
