/**
 * One uPlot time series chart with its units on the value axis, and under it each series' last, mean and largest
 * value. Lives in the lazily loaded utilisation chunk, so uPlot (~50 kB) is not part of the dashboard's first load.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { axisUnit, binaryIncrements, formatValue, summarise, type Chart } from './series.js';
import { ColumnHeads } from '../../ui/column-heads.js';

const COLOURS = ['#1f5fbf', '#b42318', '#1b7a3a', '#a15c00', '#5a3fb0', '#0b6e99', '#c2185b', '#5b6575'];
const HEIGHT = 190;
/** Past this many series a summary table would repeat the legend at length; the panel's own table says more. */
const SUMMARY_MAX_SERIES = 4;
/** Past this many series (a large project's instances) the legend would be taller than the chart. */
const LEGEND_MAX_SERIES = 16;

export function TimeSeriesChart({ chart, timestamps }: { chart: Chart; timestamps: readonly number[] }) {
  const holder = useRef<HTMLDivElement>(null);
  const unit = axisUnit(chart);
  const titled = `${chart.title} (${unit})`;

  useEffect(() => {
    const element = holder.current;
    if (element === null) return;
    // A lone series is drawn against its capacity (the hosts' memory, the flavor's disk) as a dashed line.
    const lone = chart.series.length === 1 ? chart.series[0] : undefined;
    const limit = lone?.limit ?? null;
    const format = (value: number | null) => formatValue(value, chart.unit);
    const increments = binaryIncrements(chart.unit);
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 300),
      height: HEIGHT,
      legend: { show: chart.series.length <= LEGEND_MAX_SERIES, live: true },
      scales: {
        x: { time: true },
        y: { range: (_u, min, max) => [Math.min(0, min), Math.max(max, limit ?? 0) * 1.05 || 1] },
      },
      axes: [
        {},
        {
          label: unit,
          size: 72,
          values: (_u, splits) => splits.map((value) => format(value)),
          ...(increments !== undefined && { incrs: increments }),
        },
      ],
      series: [
        {},
        ...chart.series.map((series, index) => ({
          label: series.label,
          stroke: COLOURS[index % COLOURS.length],
          width: 1.5,
          spanGaps: false,
          value: (_u: uPlot, value: number | null) => format(value),
        })),
        ...(limit === null
          ? []
          : [
              {
                label: 'limit',
                stroke: '#5b6575',
                dash: [6, 4],
                width: 1,
                value: (_u: uPlot, value: number | null) => format(value),
              },
            ]),
      ],
    };
    const data: uPlot.AlignedData = [
      [...timestamps],
      ...chart.series.map((series) => [...series.values]),
      ...(limit === null ? [] : [timestamps.map(() => limit)]),
    ];
    const plot = new uPlot(options, data, element);
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(element.clientWidth, 300), height: HEIGHT }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [chart, timestamps, unit]);

  return (
    <figure className="chart" data-chart={chart.id} data-series-count={chart.series.length}>
      <figcaption>{titled}</figcaption>
      <div ref={holder} className="chart-plot" role="img" aria-label={`${titled} over time`} />
      {chart.series.length <= SUMMARY_MAX_SERIES && (
        <table className="chart-summary">
          <ColumnHeads
            columns={[
              'Series',
              'Last',
              'Mean',
              'Max',
              chart.series.some((series) => series.limit !== null) && 'Limit',
            ]}
          />
          <tbody>
            {chart.series.map((series) => {
              const summary = summarise(series.values);
              return (
                <tr key={series.label} data-series={series.label}>
                  <th scope="row">{series.label}</th>
                  <td>{formatValue(summary.last, chart.unit)}</td>
                  <td>{formatValue(summary.mean, chart.unit)}</td>
                  <td>{formatValue(summary.max, chart.unit)}</td>
                  {chart.series.some((one) => one.limit !== null) && (
                    <td>{formatValue(series.limit, chart.unit)}</td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </figure>
  );
}

/** Every chart of a dashboard, two to a row at 1366 px. */
export function ChartGrid({
  charts,
  timestamps,
}: {
  charts: readonly Chart[];
  timestamps: readonly number[];
}) {
  return (
    <div className="charts">
      {charts.map((chart) => (
        <TimeSeriesChart key={chart.id} chart={chart} timestamps={timestamps} />
      ))}
    </div>
  );
}
