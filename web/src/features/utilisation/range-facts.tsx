/** What a dashboard's range covers: its ends, and the step and window of each point. */
import type { AdminDashboardResource } from '@steward/contract/resources.js';

export function RangeFacts({ data }: { data: { range: AdminDashboardResource['range'] } }) {
  const { range } = data;
  return (
    <p className="hint" data-testid="range-facts">
      Last {range.range}: {new Date(range.start).toLocaleString()} → {new Date(range.end).toLocaleString()},
      one point every {duration(range.step_seconds)} (each the mean over {duration(range.window_seconds)}).
    </p>
  );
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
