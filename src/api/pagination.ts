/** limit/marker/sort_key/sort_dir as upstream validates them, and the `next` link of a full page. */
import { invalid } from '../errors.js';
import type { PageQuery } from '../store/store.js';

export interface PageParams {
  limit?: string;
  marker?: string;
  sort_key?: string;
  sort_dir?: string;
}

export function toPageQuery<F = Record<string, never>>(
  params: PageParams,
  maxLimit: number,
  filters?: F,
): PageQuery<F> {
  let limit = maxLimit;
  if (params.limit !== undefined) {
    if (!/^-?\d+$/.test(params.limit))
      throw invalid(`Invalid limit: ${params.limit}. Limit must be an integer.`, { limit: params.limit });
    limit = Number(params.limit);
    if (limit <= 0) throw invalid('Limit must be positive', { limit });
    limit = Math.min(limit, maxLimit);
  }
  const sortDir = params.sort_dir ?? 'asc';
  if (sortDir !== 'asc' && sortDir !== 'desc') {
    throw invalid(
      `Invalid sort direction: ${sortDir}. Acceptable values are 'asc' or 'desc'`,
      { sort_dir: sortDir },
      'INVALID_SORT',
    );
  }
  return {
    limit,
    ...(params.marker !== undefined && { marker: params.marker }),
    ...(params.sort_key !== undefined && { sortKey: params.sort_key }),
    sortDir: sortDir,
    ...(filters !== undefined && { filters }),
  };
}

/** `{host}/v1/{resource}?sort_key=…&sort_dir=…&limit=…&marker=…`, only when the page is full. */
export function nextLink(
  baseUrl: string,
  path: string,
  page: PageQuery<unknown>,
  rows: readonly { uuid?: string; id?: number }[],
  extra: Record<string, string | undefined> = {},
  markerOf: (row: { uuid?: string; id?: number }) => string = (row) => String(row.uuid ?? row.id),
): string | undefined {
  const last = rows.at(-1);
  if (!last || rows.length < page.limit) return undefined;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) query.set(key, value);
  query.set('sort_key', page.sortKey ?? 'id');
  query.set('sort_dir', page.sortDir ?? 'asc');
  query.set('limit', String(page.limit));
  query.set('marker', markerOf(last));
  return `${baseUrl}/v1/${path}?${query.toString()}`;
}
