/** Backend points laid on the dashboard's grid, and the statistics panels and tables show. */
import type { SeriesColumns } from '../datasources/metrics-source.js';
import type { DashboardRange } from './range.js';

/** One value per grid timestamp; null where the backend had no point. */
export function onGrid(series: SeriesColumns, range: DashboardRange): (number | null)[] {
  const startMs = range.start.getTime();
  const stepMs = range.stepSeconds * 1000;
  const values: (number | null)[] = new Array<number | null>(
    Math.round((range.end.getTime() - startMs) / stepMs) + 1,
  ).fill(null);
  for (let point = 0; point < series.atMs.length; point++) {
    const index = Math.round((series.atMs[point]! - startMs) / stepMs);
    if (index >= 0 && index < values.length) values[index] = series.values[point]!;
  }
  return values;
}

export type Combine = 'sum' | 'mean';

/** Point by point, the sum or mean of the series that have a value there (null where none has). */
export function combine(
  series: readonly (readonly (number | null)[])[],
  how: Combine,
  length: number,
): (number | null)[] {
  const totals = new Array<number>(length).fill(0);
  const counts = new Array<number>(length).fill(0);
  for (const values of series) {
    for (let index = 0; index < length; index++) {
      const value = values[index];
      if (value === null || value === undefined) continue;
      totals[index]! += value;
      counts[index]! += 1;
    }
  }
  return totals.map((total, index) =>
    counts[index] === 0 ? null : how === 'sum' ? total : total / counts[index]!,
  );
}

export interface Summary {
  mean: number | null;
  p95: number | null;
  max: number | null;
}

/** Nearest-rank percentile of the values present; null when there are none. */
export function percentile(values: readonly (number | null)[], p: number): number | null {
  // A typed array sorts numerically without a comparator call per comparison: 8,000 series of 337 points a dashboard.
  const present = Float64Array.from(values.filter((value): value is number => value !== null)).sort();
  if (present.length === 0) return null;
  return present[Math.min(present.length - 1, Math.max(0, Math.ceil((p / 100) * present.length) - 1))]!;
}

export function summarise(values: readonly (number | null)[]): Summary {
  const present = values.filter((value): value is number => value !== null);
  if (present.length === 0) return { mean: null, p95: null, max: null };
  return {
    mean: present.reduce((sum, value) => sum + value, 0) / present.length,
    p95: percentile(present, 95),
    max: Math.max(...present),
  };
}

/** Share of the grid that has a value: a verdict on a day of data out of seven is not a verdict. */
export const coverage = (values: readonly (number | null)[]): number =>
  values.length === 0 ? 0 : values.filter((value) => value !== null).length / values.length;
