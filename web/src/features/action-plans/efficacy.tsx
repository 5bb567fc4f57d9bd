import type { EfficacyIndicatorResource } from '@steward/contract/resources.js';
import { ColumnHeads } from '../../ui/column-heads.js';

function valueText(value: number, unit: string | null): string {
  const rounded = Number.isInteger(value) ? String(value) : value.toFixed(2);
  return unit ? `${rounded} ${unit}` : rounded;
}

/** Efficacy indicators with their units; `compact` for one table cell. */
export function EfficacyList({
  values,
  compact = false,
}: {
  values: readonly EfficacyIndicatorResource[];
  compact?: boolean;
}) {
  if (values.length === 0) return <span className="hint">none</span>;
  if (compact)
    return (
      <>
        {values.map((indicator) => (
          <div key={indicator.name}>
            {indicator.description || indicator.name}:{' '}
            <strong>{valueText(indicator.value, indicator.unit)}</strong>
          </div>
        ))}
      </>
    );
  return (
    <table>
      <ColumnHeads columns={['Indicator', 'Description', 'Value']} />
      <tbody>
        {values.map((indicator) => (
          <tr key={indicator.name}>
            <td>
              <code>{indicator.name}</code>
            </td>
            <td>{indicator.description}</td>
            <td>{valueText(indicator.value, indicator.unit)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
