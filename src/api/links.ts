/** Watcher's links: self = `{host}/v1/{resource}/{id}`, bookmark = `{host}/{resource}/{id}`. */
export interface Link {
  href: string;
  rel: string;
}

export function resourceLinks(baseUrl: string, resource: string, id: string | number): Link[] {
  return [
    { href: `${baseUrl}/v1/${resource}/${id}`, rel: 'self' },
    { href: `${baseUrl}/${resource}/${id}`, rel: 'bookmark' },
  ];
}

/** Upstream's timestamp format: microseconds and an explicit +00:00 offset. */
export function formatTimestamp(date: Date | null): string | null {
  if (!date) return null;
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}
