import type { ActionResource } from '@steward/contract/resources.js';

/** Each action's column in the graph: one more than its deepest parent's (roots are 0; a cycle is cut, not followed). */
export function layers(actions: readonly ActionResource[]): Map<string, number> {
  const byUuid = new Map(actions.map((action) => [action.uuid, action]));
  const depth = new Map<string, number>();
  const visit = (uuid: string, trail: Set<string>): number => {
    const known = depth.get(uuid);
    if (known !== undefined) return known;
    const action = byUuid.get(uuid);
    if (!action || trail.has(uuid)) return 0;
    trail.add(uuid);
    const parents = action.parents.filter((parent) => byUuid.has(parent));
    const value = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((parent) => visit(parent, trail)));
    trail.delete(uuid);
    depth.set(uuid, value);
    return value;
  };
  for (const action of actions) visit(action.uuid, new Set());
  return depth;
}
