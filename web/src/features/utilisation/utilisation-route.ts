/** Links within the utilisation panels: the path names the view, the query its range, plan and project. */
import { href } from '../../router.js';

export function utilisationHref(
  segments: readonly string[],
  query: Record<string, string | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(key, value);
  const search = params.toString();
  return search === '' ? href(...segments) : `${href(...segments)}?${search}`;
}
