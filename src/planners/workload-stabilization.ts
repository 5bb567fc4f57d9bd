/**
 * Upstream's workload_stabilization planner: actions listed by type weight (heaviest first, the same order as the
 * weight planner's table), but without the weight planner's barriers: an action waits only for what it must. Upstream
 * gives a migration no parents at all and a resize the earlier actions on its instance; Steward keeps exactly the
 * solution builder's ordering edges (per instance, per host state change, and a move into a host after the moves out
 * of it whose room it needs), so every migration that can run at once does, and the plan stays valid in any order.
 */
import { ACTION_PLANNING } from '../contract/actions.js';
import type { SolutionAction } from '../strategies/solution-builder.js';
import type { PlannedAction, Planner } from './planner.js';

export const workloadStabilizationPlanner: Planner = {
  name: 'workload_stabilization',
  plan(actions: readonly SolutionAction[], newUuid: () => string): PlannedAction[] {
    // An action never weighs more than what it waits for, so a stable sort lists every action after its parents.
    const weights: number[] = [];
    actions.forEach((action, index) => {
      let weight = ACTION_PLANNING[action.actionType].weight;
      for (const required of action.requires ?? []) weight = Math.min(weight, weights[required] ?? weight);
      weights[index] = weight;
    });
    const uuids = actions.map(() => newUuid());
    const order = actions.map((_action, index) => index).sort((a, b) => weights[b]! - weights[a]! || a - b);
    return order.map((index) => {
      const { requires, ...action } = actions[index]!;
      return {
        ...action,
        uuid: uuids[index]!,
        parents: (requires ?? []).map((required) => uuids[required]!),
      };
    });
  },
};
