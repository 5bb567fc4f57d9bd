/**
 * The datasource's range answers, kept until their grid moves. A dashboard's range ends on a step boundary
 * (range.ts), so the same view asked again within the step asks Prometheus for exactly the same grid: every open
 * browser tab refreshes each minute, and a 7-day view of 1,000 hosts costs Prometheus seconds of evaluation for an
 * answer that changes every 30 minutes. Entries are keyed by everything the query depends on, the resources it is
 * restricted to included, so a tenant's cached answer can only ever serve the same restriction.
 *
 * An answer fetched soon after its grid's end may miss the last scrapes of the last window: it is kept only a
 * minute. Concurrent identical requests share one backend call. The cache is bounded by the points it holds.
 */
import type {
  MetricName,
  MetricResource,
  RangeOptions,
  SeriesColumns,
} from '../datasources/metrics-source.js';
import { resourceKey } from '../datasources/metrics-source.js';
import type { Clock } from '../lib/clock.js';

export type RangeAnswer = Map<string, SeriesColumns>;
export type RangeRequest = RangeOptions & { only?: readonly MetricResource[] };
type Fetch = (metric: MetricName, options: RangeRequest) => Promise<RangeAnswer>;

/** Samples scraped up to this long before a grid's end may still be on their way into Prometheus. */
export const SETTLE_SECONDS = 120;
/** How long an answer fetched before its grid settled is kept. */
export const UNSETTLED_TTL_SECONDS = 60;
export const DEFAULT_MAX_POINTS = 4_000_000;

interface Entry {
  answer: Promise<RangeAnswer>;
  expiresAtMs: number;
  points: number;
}

export interface RangeCache {
  ranges(fetch: Fetch, metric: MetricName, options: RangeRequest): Promise<RangeAnswer>;
  /** Points held now (for tests and the bound). */
  readonly points: number;
}

export function createRangeCache(options: {
  clock: Clock;
  /** Points held at most (0: nothing is kept). */
  maxPoints?: number;
  onLookup?: (result: 'hit' | 'miss') => void;
}): RangeCache {
  const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
  // A Map iterates in insertion order: a hit is re-inserted, so the first entry is the least recently used.
  const entries = new Map<string, Entry>();
  let held = 0;

  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    held -= entry.points;
  };

  const keyOf = (metric: MetricName, request: RangeRequest): string =>
    JSON.stringify([
      metric,
      request.start.getTime(),
      request.end.getTime(),
      request.stepSeconds,
      request.periodSeconds ?? null,
      request.only === undefined ? null : request.only.map(resourceKey).sort(),
    ]);

  const expiry = (request: RangeRequest, fetchedAtMs: number): number => {
    const gridMovesAtMs = request.end.getTime() + request.stepSeconds * 1000;
    const settled = fetchedAtMs >= request.end.getTime() + SETTLE_SECONDS * 1000;
    return settled ? gridMovesAtMs : Math.min(gridMovesAtMs, fetchedAtMs + UNSETTLED_TTL_SECONDS * 1000);
  };

  return {
    get points() {
      return held;
    },
    ranges(fetch, metric, request) {
      if (maxPoints === 0) return fetch(metric, request);
      const now = options.clock.now().getTime();
      const key = keyOf(metric, request);
      const cached = entries.get(key);
      if (cached && cached.expiresAtMs > now) {
        entries.delete(key);
        entries.set(key, cached);
        options.onLookup?.('hit');
        return cached.answer;
      }
      remove(key);
      options.onLookup?.('miss');
      const entry: Entry = { answer: fetch(metric, request), expiresAtMs: expiry(request, now), points: 0 };
      entries.set(key, entry);
      entry.answer.then(
        (answer) => {
          if (entries.get(key) !== entry) return;
          for (const columns of answer.values()) entry.points += columns.values.length;
          held += entry.points;
          if (entry.points > maxPoints) remove(key);
          // Expired entries and then the least recently used go until the bound holds.
          const at = options.clock.now().getTime();
          for (const [other, kept] of [...entries])
            if (kept.expiresAtMs <= at && other !== key) remove(other);
          for (const other of entries.keys()) {
            if (held <= maxPoints) break;
            if (other !== key) remove(other);
          }
        },
        // A failed call is never kept: the next request asks again (and the caller sees this one's error).
        () => {
          if (entries.get(key) === entry) remove(key);
        },
      );
      return entry.answer;
    },
  };
}
