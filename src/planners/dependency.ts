/**
 * A planner that adds nothing: each action's parents are exactly the actions the solution says it waits for
 * (`requires`), so everything else may run side by side. For strategies that state their own parallelism as
 * ordering edges (zone_migration's `parallel_total`, `parallel_per_node` and `parallel_per_pool`), where the weight
 * planner's per-type chunks would cap it at the action type's configured parallelism instead.
 */
import type { SolutionAction } from '../strategies/solution-builder.js';
import type { PlannedAction, Planner } from './planner.js';

export const dependencyPlanner: Planner = {
  name: 'dependency',
  plan(actions: readonly SolutionAction[], newUuid: () => string): PlannedAction[] {
    const uuids = actions.map(() => newUuid());
    return actions.map(({ requires, ...action }, index) => ({
      ...action,
      uuid: uuids[index]!,
      parents: (requires ?? []).map((required) => uuids[required]!),
    }));
  },
};
