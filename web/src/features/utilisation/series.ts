/**
 * The pure part of the utilisation panels: values with their unit, the charts a dashboard's panels make (network
 * in and out on one chart, the three PSI pressures on another), and the summary of a series shown beside it.
 */
import type { DashboardPanelResource } from '@steward/contract/resources.js';

/** The ranges the picker offers; the server takes any whole minutes, hours or days from 1h to 7d. */
export const RANGES = ['1h', '6h', '24h', '7d'] as const;
export const DEFAULT_RANGE = '24h';

const BYTE_STEPS = ['B/s', 'kB/s', 'MB/s', 'GB/s'] as const;

/** A value as an operator reads it: `42.1 %`, `3.2 GiB`, `1.5 MB/s`; PSI fractions as a percentage of time stalled. */
export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (unit) {
    case 'percent':
      return `${round(value)} %`;
    case 'fraction':
      return `${round(value * 100)} %`;
    case 'MiB':
      return Math.abs(value) >= 1024 ? `${round(value / 1024)} GiB` : `${round(value)} MiB`;
    case 'GiB':
      return Math.abs(value) >= 1024 ? `${round(value / 1024)} TiB` : `${round(value)} GiB`;
    case 'bytes_per_second': {
      let scaled = value;
      let step = 0;
      while (Math.abs(scaled) >= 1000 && step < BYTE_STEPS.length - 1) {
        scaled /= 1000;
        step++;
      }
      return `${round(scaled)} ${BYTE_STEPS[step]}`;
    }
    default:
      return `${round(value)} ${unit}`;
  }
}

/**
 * The unit a chart's axis is labelled with: the one its largest value (or capacity) reads in, e.g. `GiB` for a
 * cluster's memory the server measures in MiB, `MB/s` for network, `%` for PSI fractions.
 */
export function axisUnit(chart: Pick<Chart, 'unit' | 'series'>): string {
  let largest = 0;
  for (const series of chart.series) {
    for (const value of series.values) if (value !== null) largest = Math.max(largest, Math.abs(value));
    if (series.limit !== null) largest = Math.max(largest, series.limit);
  }
  return formatValue(largest, chart.unit).split(' ').slice(1).join(' ');
}

/**
 * Tick spacings for an axis in binary units, so memory and disk ticks fall on whole GiB (1, 2, 4 … GiB) rather
 * than on uPlot's decimal 1000 MiB, 1.95 GiB; undefined keeps uPlot's decimal steps for every other unit.
 */
export function binaryIncrements(unit: string): number[] | undefined {
  if (unit !== 'MiB' && unit !== 'GiB') return undefined;
  const steps: number[] = [];
  for (let step = 1 / 64; step <= 2 ** 40; step *= 2) steps.push(step);
  return steps;
}

function round(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return Number(value.toFixed(digits)).toString();
}

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  limit: number | null;
}

export interface Chart {
  id: string;
  title: string;
  unit: string;
  series: ChartSeries[];
}

const JOINED: Record<string, { title: string; suffix: (id: string) => string }> = {
  network: { title: 'Network', suffix: (id) => (id.endsWith('_rx') ? 'in' : 'out') },
  pressure: { title: 'Pressure (PSI some)', suffix: (id) => id.slice('pressure_'.length) },
};

/**
 * The charts to draw from a dashboard's panels: each panel alone, but network_rx/network_tx and the pressure_*
 * panels joined, their series labelled by direction or resource. `label` names a panel's series (a host, an
 * instance's name).
 */
export function chartsOf(
  panels: readonly DashboardPanelResource[],
  label: (resource: string) => string,
): Chart[] {
  const charts: Chart[] = [];
  const joined = new Map<string, Chart>();
  for (const panel of panels) {
    const family = panel.id.split('_')[0]!;
    const join = JOINED[family];
    if (join === undefined) {
      charts.push({
        id: panel.id,
        title: panel.title,
        unit: panel.unit,
        series: panel.series.map((series) => ({
          label: label(series.resource),
          values: series.values,
          limit: series.limit,
        })),
      });
      continue;
    }
    let chart = joined.get(family);
    if (chart === undefined) {
      chart = { id: family, title: join.title, unit: panel.unit, series: [] };
      joined.set(family, chart);
      charts.push(chart);
    }
    for (const series of panel.series)
      chart.series.push({
        label:
          panel.series.length === 1
            ? join.suffix(panel.id)
            : `${label(series.resource)} ${join.suffix(panel.id)}`,
        values: series.values,
        limit: series.limit,
      });
  }
  return charts;
}

export interface Summary {
  last: number | null;
  mean: number | null;
  max: number | null;
}

/** The last, mean and largest of the points a series has (`null` ones are gaps, not zeros). */
export function summarise(values: readonly (number | null)[]): Summary {
  let sum = 0;
  let count = 0;
  let max: number | null = null;
  let last: number | null = null;
  for (const value of values) {
    if (value === null) continue;
    sum += value;
    count++;
    max = max === null ? value : Math.max(max, value);
    last = value;
  }
  return { last, mean: count === 0 ? null : sum / count, max };
}
