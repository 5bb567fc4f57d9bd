/** Strategies: their goal, parameter specification, and what they need to run (metrics, datasource, model). */
import type { StrategyStateResource } from '@steward/contract/resources.js';
import { useStrategies, useStrategy, useStrategyState } from '../../api/queries.js';
import { href } from '../../router.js';
import { ErrorNote, Panel, QueryView } from '../../ui/query-view.js';
import { fieldsOf } from '../parameters/schema-fields.js';
import { ColumnHeads } from '../../ui/column-heads.js';

export function StrategiesPanel({ selected }: { selected: string | undefined }) {
  const strategies = useStrategies();
  return (
    <Panel title="Strategies">
      <div className="split">
        <QueryView query={strategies} what="strategies" empty="No strategies are registered.">
          {(rows) => (
            <nav aria-label="Strategies" className="list-nav">
              <ul>
                {rows.map((strategy) => (
                  <li key={strategy.uuid}>
                    <a
                      href={href('strategies', strategy.name)}
                      aria-current={
                        selected === strategy.name || selected === strategy.uuid ? 'page' : undefined
                      }
                    >
                      {strategy.display_name}
                      <small>
                        <code>{strategy.name}</code> · {strategy.goal_name}
                      </small>
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
        </QueryView>
        <div className="detail">
          {selected ? (
            <StrategyDetail id={selected} />
          ) : (
            <p className="hint">Choose a strategy to see its parameters and requirements.</p>
          )}
        </div>
      </div>
    </Panel>
  );
}

function stateText(state: unknown): string {
  if (Array.isArray(state))
    return state
      .map((item) =>
        Object.entries(item as object)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join(', '),
      )
      .join('; ');
  return typeof state === 'string' ? state : JSON.stringify(state);
}

/** The level Steward puts in the comment of the `Name` row (Watcher's API has no field for it). */
function supportLevel(rows: readonly StrategyStateResource[]): string | undefined {
  return /support level: (\w+)/.exec(rows.find((row) => row.type === 'Name')?.comment ?? '')?.[1];
}

function requiredMetrics(rows: readonly StrategyStateResource[]): { name: string; status: string }[] {
  const metrics = rows.find((row) => row.type === 'Metrics');
  if (!metrics || !Array.isArray(metrics.state)) return [];
  return metrics.state.flatMap((item) =>
    Object.entries(item as Record<string, unknown>).map(([name, status]) => ({
      name,
      status: String(status),
    })),
  );
}

function StrategyDetail({ id }: { id: string }) {
  const strategy = useStrategy(id);
  const state = useStrategyState(id);
  return (
    <QueryView query={strategy} what="the strategy">
      {(row) => {
        const fields = fieldsOf(row.parameters_spec);
        return (
          <article aria-labelledby="strategy-title">
            <h2 id="strategy-title">
              {row.display_name} <code>{row.name}</code>
            </h2>
            <p>
              Goal: <code>{row.goal_name}</code>
              {state.data && supportLevel(state.data) !== undefined && (
                <>
                  {' · Support level: '}
                  <span className={`chip chip-level-${supportLevel(state.data)}`} data-testid="support-level">
                    {supportLevel(state.data)}
                  </span>
                </>
              )}
            </p>
            <h3>Parameters</h3>
            {fields.length === 0 ? (
              <p className="hint">No parameters.</p>
            ) : (
              <table>
                <ColumnHeads columns={['Name', 'Type', 'Default', 'Allowed', 'Description']} />
                <tbody>
                  {fields.map((field) => (
                    <tr key={field.name}>
                      <td>
                        <code>{field.name}</code>
                        {field.required && ' *'}
                      </td>
                      <td>{field.kind}</td>
                      <td>{field.default === undefined ? '—' : JSON.stringify(field.default)}</td>
                      <td>
                        {field.enumValues?.join(', ') ??
                          ([
                            field.minimum !== undefined && `≥ ${field.minimum}`,
                            field.maximum !== undefined && `≤ ${field.maximum}`,
                          ]
                            .filter(Boolean)
                            .join(', ') ||
                            '—')}
                      </td>
                      <td>{field.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h3>Requirements</h3>
            {state.isError ? (
              <ErrorNote error={state.error} title="Could not load the strategy's state" />
            ) : state.data ? (
              <>
                <p>
                  Required metrics:{' '}
                  {requiredMetrics(state.data).length === 0
                    ? 'none'
                    : requiredMetrics(state.data).map((metric) => (
                        <span
                          key={metric.name}
                          className={`chip ${metric.status === 'available' ? 'chip-ok' : 'chip-bad'}`}
                        >
                          {metric.name}: {metric.status}
                        </span>
                      ))}
                </p>
                <table>
                  <ColumnHeads columns={['Requirement', 'State', 'Mandatory', 'Comment']} />
                  <tbody>
                    {state.data.map((requirement) => (
                      <tr key={requirement.type}>
                        <td>{requirement.type}</td>
                        <td>{stateText(requirement.state)}</td>
                        <td>{String(requirement.mandatory)}</td>
                        <td>{requirement.comment || '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            ) : (
              <p role="status">Loading requirements…</p>
            )}
            <p>
              <a className="button" href={`${href('audits', 'new')}`}>
                Create an audit…
              </a>
            </p>
          </article>
        );
      }}
    </QueryView>
  );
}
