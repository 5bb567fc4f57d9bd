/**
 * Upstream's default planner: actions grouped by type weight (heaviest first), each group cut into chunks of the
 * type's parallelisation; every action of a chunk waits for all actions of the previous chunk. The result is a
 * layered DAG of barriers, e.g. 5 migrations + 1 disable → [disable] → [m1, m2] → [m3, m4] → [m5]. The weight and
 * parallelism of each type come from `ACTION_PLANNING` in contract/actions.ts, beside the type's schema.
 */
import { ACTION_PLANNING, type ActionTypeName } from '../contract/actions.js';
import type { SolutionAction } from '../strategies/solution-builder.js';
import type { PlannedAction, Planner } from './planner.js';

export function createWeightPlanner(
  options: {
    weights?: Partial<Readonly<Record<ActionTypeName, number>>>;
    parallelization?: Partial<Readonly<Record<ActionTypeName, number>>>;
    name?: string;
  } = {},
): Planner {
  const weightOf = (type: ActionTypeName) => options.weights?.[type] ?? ACTION_PLANNING[type].weight;
  const parallelismOf = (type: ActionTypeName) =>
    options.parallelization?.[type] ?? ACTION_PLANNING[type].parallelism;
  return {
    name: options.name ?? 'weight',
    plan(actions: readonly SolutionAction[], newUuid: () => string): PlannedAction[] {
      // An action that must wait for a lighter one joins the lighter one's group, after it.
      const effectiveWeights: number[] = [];
      actions.forEach((action, index) => {
        let weight = weightOf(action.actionType);
        for (const required of action.requires ?? [])
          weight = Math.min(weight, effectiveWeights[required] ?? weight);
        effectiveWeights[index] = weight;
      });
      const byWeight = new Map<number, number[]>();
      actions.forEach((_action, index) => {
        const weight = effectiveWeights[index]!;
        const group = byWeight.get(weight) ?? [];
        group.push(index);
        byWeight.set(weight, group);
      });
      const planned: PlannedAction[] = [];
      let previousChunk: PlannedAction[] = [];
      for (const weight of [...byWeight.keys()].sort((a, b) => b - a)) {
        const group = byWeight.get(weight) ?? [];
        let index = 0;
        while (index < group.length) {
          const first = actions[group[index]!]!;
          const size = Math.max(1, parallelismOf(first.actionType));
          const parents = previousChunk.map((action) => action.uuid);
          const members = new Set<number>();
          const chunk: PlannedAction[] = [];
          // A chunk runs in parallel, so it ends early where an action must wait for one already in it.
          while (
            index < group.length &&
            chunk.length < size &&
            !(actions[group[index]!]!.requires ?? []).some((required) => members.has(required))
          ) {
            const position = group[index]!;
            members.add(position);
            chunk.push(plannedAction(actions[position]!, newUuid(), parents));
            index += 1;
          }
          planned.push(...chunk);
          previousChunk = chunk;
        }
      }
      return planned;
    },
  };
}

function plannedAction(action: SolutionAction, uuid: string, parents: readonly string[]): PlannedAction {
  const { requires: _requires, ...rest } = action;
  return { ...rest, uuid, parents: [...parents] };
}

export const weightPlanner = createWeightPlanner();
