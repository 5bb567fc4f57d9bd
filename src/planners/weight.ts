/**
 * Upstream's default planner: actions grouped by type weight (heaviest first), each group cut into chunks of the
 * type's parallelisation; every action of a chunk waits for all actions of the previous chunk. The result is a
 * layered DAG of barriers, e.g. 5 migrations + 1 disable → [disable] → [m1, m2] → [m3, m4] → [m5].
 */
import type { SolutionAction } from '../strategies/solution-builder.js';
import type { PlannedAction, Planner } from './planner.js';

export const DEFAULT_WEIGHTS: Readonly<Record<string, number>> = {
  nop: 70,
  volume_migrate: 60,
  change_nova_service_state: 50,
  sleep: 40,
  stop: 35,
  migrate: 30,
  resize: 20,
  turn_host_to_acpi_s3_state: 10,
  change_node_power_state: 9,
};

export const DEFAULT_PARALLELIZATION: Readonly<Record<string, number>> = {
  turn_host_to_acpi_s3_state: 2,
  resize: 2,
  stop: 2,
  migrate: 2,
  sleep: 1,
  change_nova_service_state: 1,
  nop: 1,
  change_node_power_state: 2,
  volume_migrate: 2,
};

export function createWeightPlanner(
  options: {
    weights?: Readonly<Record<string, number>>;
    parallelization?: Readonly<Record<string, number>>;
  } = {},
): Planner {
  const weights = { ...DEFAULT_WEIGHTS, ...options.weights };
  const parallelization = { ...DEFAULT_PARALLELIZATION, ...options.parallelization };
  return {
    name: 'weight',
    plan(actions: readonly SolutionAction[], newUuid: () => string): PlannedAction[] {
      // An action that must wait for a lighter one joins the lighter one's group, after it.
      const effectiveWeights: number[] = [];
      actions.forEach((action, index) => {
        let weight = weights[action.actionType] ?? 0;
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
          const size = Math.max(1, parallelization[first.actionType] ?? 1);
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
