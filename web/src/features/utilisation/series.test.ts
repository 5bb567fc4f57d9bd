import { describe, expect, it } from 'vitest';
import type { DashboardPanelResource } from '@steward/contract/resources.js';
import { axisUnit, binaryIncrements, chartsOf, formatValue, summarise } from './series.js';

const panel = (id: string, unit: string, resources: string[]): DashboardPanelResource => ({
  id,
  title: id,
  metric: `host_${id}`,
  unit,
  series: resources.map((resource, index) => ({ resource, values: [index, null, index + 1], limit: null })),
});

describe('formatValue', () => {
  it.each([
    [42.123, 'percent', '42.1 %'],
    [0.0312, 'fraction', '3.12 %'],
    [512, 'MiB', '512 MiB'],
    [3276.8, 'MiB', '3.2 GiB'],
    [2048, 'GiB', '2 TiB'],
    [999, 'bytes_per_second', '999 B/s'],
    [1_534_000, 'bytes_per_second', '1.53 MB/s'],
    [null, 'percent', '—'],
    [Number.NaN, 'MiB', '—'],
  ])('%s %s reads %s', (value, unit, text) => {
    expect(formatValue(value, unit)).toBe(text);
  });
});

describe('chartsOf', () => {
  it('draws each panel alone but joins network in/out and the pressures, labelling their series', () => {
    const panels = [
      panel('cpu', 'percent', ['cluster']),
      panel('network_rx', 'bytes_per_second', ['cluster']),
      panel('network_tx', 'bytes_per_second', ['cluster']),
      panel('pressure_cpu', 'fraction', ['cluster']),
      panel('pressure_memory', 'fraction', ['cluster']),
      panel('pressure_io', 'fraction', ['cluster']),
    ];
    const charts = chartsOf(panels, (resource) => resource);
    expect(charts.map((chart) => [chart.id, chart.series.map((series) => series.label)])).toEqual([
      ['cpu', ['cluster']],
      ['network', ['in', 'out']],
      ['pressure', ['cpu', 'memory', 'io']],
    ]);
  });

  it('names each instance in a joined chart when a panel has several series', () => {
    const names: Record<string, string> = { a: 'web-1', b: 'db-1' };
    const charts = chartsOf(
      [
        panel('network_rx', 'bytes_per_second', ['a', 'b']),
        panel('network_tx', 'bytes_per_second', ['a', 'b']),
      ],
      (uuid) => names[uuid] ?? uuid,
    );
    expect(charts[0]!.series.map((series) => series.label)).toEqual([
      'web-1 in',
      'db-1 in',
      'web-1 out',
      'db-1 out',
    ]);
  });
});

describe('summarise', () => {
  it('skips gaps rather than counting them as zeros', () => {
    expect(summarise([2, null, 4, null])).toEqual({ last: 4, mean: 3, max: 4 });
    expect(summarise([null, null])).toEqual({ last: null, mean: null, max: null });
  });
});

describe('axisUnit', () => {
  it('labels the axis in the unit the largest value or capacity reads in', () => {
    const series = (values: (number | null)[], limit: number | null) => [{ label: 'x', values, limit }];
    expect(axisUnit({ unit: 'MiB', series: series([500, null], 3_000_000) })).toBe('GiB');
    expect(axisUnit({ unit: 'MiB', series: series([500, 900], null) })).toBe('MiB');
    expect(axisUnit({ unit: 'bytes_per_second', series: series([6_500_000], null) })).toBe('MB/s');
    expect(axisUnit({ unit: 'fraction', series: series([0.002], null) })).toBe('%');
  });
});

describe('binaryIncrements', () => {
  it('steps memory and disk axes by powers of two of their unit, so 1024 MiB ticks read 1 GiB', () => {
    const steps = binaryIncrements('MiB')!;
    expect(steps).toContain(1024);
    expect(steps).not.toContain(1000);
    expect(steps.every((step, index) => index === 0 || step === steps[index - 1]! * 2)).toBe(true);
    expect(binaryIncrements('GiB')).toEqual(steps);
  });

  it('leaves decimal units to uPlot', () => {
    expect(binaryIncrements('%')).toBeUndefined();
    expect(binaryIncrements('B/s')).toBeUndefined();
  });
});
