/** The range of a utilisation panel, kept in the hash route's query (`?range=6h`) so a view can be bookmarked. */
import { RANGES } from './series.js';

export function RangePicker({ range, onChange }: { range: string; onChange: (range: string) => void }) {
  return (
    <div className="range-picker" role="group" aria-label="Range">
      {RANGES.map((option) => (
        <button
          key={option}
          type="button"
          className="button"
          aria-pressed={option === range}
          onClick={() => onChange(option)}
        >
          {option}
        </button>
      ))}
    </div>
  );
}
