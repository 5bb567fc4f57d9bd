/** Goals and their efficacy specification: the indicators a plan reports, with units. */
import type { IndicatorSpec } from '@steward/contract/efficacy.js';
import { useGoals } from '../../api/queries.js';
import { ListPanel } from '../../ui/list-panel.js';
import { ColumnHeads } from '../../ui/column-heads.js';

function schemaText(schema: string): string {
  try {
    const parsed = JSON.parse(schema) as IndicatorSpec['schema'];
    const parts = [parsed.type, parsed.minimum !== undefined && `≥ ${JSON.stringify(parsed.minimum)}`];
    if (parsed.maximum !== undefined) parts.push(`≤ ${JSON.stringify(parsed.maximum)}`);
    return parts.filter(Boolean).join(' ');
  } catch {
    return schema;
  }
}

export function GoalsPanel() {
  const goals = useGoals();
  return (
    <ListPanel title="Goals" query={goals} what="goals" empty="No goals are registered.">
      {(rows) => (
        <div className="cards">
          {rows.map((goal) => (
            <article key={goal.uuid} className="card" aria-labelledby={`goal-${goal.uuid}`}>
              <h2 id={`goal-${goal.uuid}`}>
                {goal.display_name} <code>{goal.name}</code>
              </h2>
              {goal.efficacy_specification.length === 0 ? (
                <p className="hint">No efficacy indicators.</p>
              ) : (
                <table>
                  <caption className="visually-hidden">Efficacy specification of {goal.name}</caption>
                  <ColumnHeads columns={['Indicator', 'Description', 'Unit', 'Values']} />
                  <tbody>
                    {goal.efficacy_specification.map((indicator) => (
                      <tr key={indicator.name}>
                        <td>
                          <code>{indicator.name}</code>
                        </td>
                        <td>{indicator.description}</td>
                        <td>{indicator.unit ?? '—'}</td>
                        <td>{schemaText(indicator.schema)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </article>
          ))}
        </div>
      )}
    </ListPanel>
  );
}
