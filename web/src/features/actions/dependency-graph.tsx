/**
 * The plan's DAG drawn in layers: an action sits one column right of its deepest parent, so what can run together
 * stands in one column. Large plans get only the list (a graph of thousands of boxes helps nobody).
 */
import type { ActionResource } from '@steward/contract/resources.js';
import { layers } from './layers.js';

export const GRAPH_LIMIT = 150;
const BOX_WIDTH = 150;
const BOX_HEIGHT = 34;
const COLUMN_GAP = 40;
const ROW_GAP = 10;

export function DependencyGraph({ actions }: { actions: readonly ActionResource[] }) {
  if (actions.length === 0) return null;
  if (actions.length > GRAPH_LIMIT)
    return (
      <p className="hint">
        The graph is drawn for plans of up to {GRAPH_LIMIT} actions; the list below has them all.
      </p>
    );
  const depth = layers(actions);
  const rowsInColumn: number[] = [];
  const position = new Map<string, { x: number; y: number; index: number }>();
  actions.forEach((action, index) => {
    const column = depth.get(action.uuid) ?? 0;
    const row = rowsInColumn[column] ?? 0;
    rowsInColumn[column] = row + 1;
    position.set(action.uuid, {
      x: column * (BOX_WIDTH + COLUMN_GAP),
      y: row * (BOX_HEIGHT + ROW_GAP),
      index: index + 1,
    });
  });
  const width = rowsInColumn.length * (BOX_WIDTH + COLUMN_GAP) - COLUMN_GAP;
  const height = Math.max(...rowsInColumn) * (BOX_HEIGHT + ROW_GAP) - ROW_GAP;
  return (
    <figure className="graph">
      <svg
        viewBox={`-2 -2 ${width + 4} ${height + 4}`}
        width={width + 4}
        height={height + 4}
        role="img"
        aria-label={`Dependency graph of ${actions.length} actions in ${rowsInColumn.length} steps`}
      >
        {actions.flatMap((action) => {
          const to = position.get(action.uuid)!;
          return action.parents
            .filter((parent) => position.has(parent))
            .map((parent) => {
              const from = position.get(parent)!;
              return (
                <line
                  key={`${parent}-${action.uuid}`}
                  x1={from.x + BOX_WIDTH}
                  y1={from.y + BOX_HEIGHT / 2}
                  x2={to.x}
                  y2={to.y + BOX_HEIGHT / 2}
                  className="edge"
                />
              );
            });
        })}
        {actions.map((action) => {
          const at = position.get(action.uuid)!;
          return (
            <g
              key={action.uuid}
              transform={`translate(${at.x},${at.y})`}
              className={`node node-${action.state.toLowerCase()}`}
            >
              <rect width={BOX_WIDTH} height={BOX_HEIGHT} rx={4} />
              <text x={8} y={21}>
                #{at.index} {action.action_type} · {action.state}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="hint">
        Each column runs after the one on its left; arrows point from a parent to its child.
      </figcaption>
    </figure>
  );
}
