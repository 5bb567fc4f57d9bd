import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTION_TYPE_NAMES, type ActionTypeName } from '../contract/actions.js';
import type { SolutionAction } from '../strategies/solution-builder.js';
import { workloadStabilizationPlanner } from './workload-stabilization.js';

const action = (actionType: ActionTypeName, n: number, requires?: number[]): SolutionAction => ({
  actionType,
  inputParameters: { n },
  ...(requires && { requires }),
});
let counter = 0;
const uuid = () => `a-${++counter}`;

describe('the workload_stabilization planner', () => {
  it('lets independent migrations run at once, as upstream, with no barrier between them', () => {
    const planned = workloadStabilizationPlanner.plan(
      [action('migrate', 1), action('migrate', 2), action('migrate', 3)],
      uuid,
    );
    expect(planned.map((a) => a.inputParameters.n)).toEqual([1, 2, 3]);
    expect(planned.every((a) => a.parents.length === 0)).toBe(true);
  });

  it('keeps exactly the solution’s ordering edges as parents', () => {
    const planned = workloadStabilizationPlanner.plan(
      [action('migrate', 1), action('migrate', 2), action('migrate', 3, [0, 1]), action('migrate', 4, [2])],
      uuid,
    );
    const [m1, m2, m3, m4] = planned;
    expect(m1!.parents).toEqual([]);
    expect(m2!.parents).toEqual([]);
    expect(m3!.parents).toEqual([m1!.uuid, m2!.uuid]);
    expect(m4!.parents).toEqual([m3!.uuid]);
    expect(planned.every((a) => !('requires' in a))).toBe(true);
  });

  it('lists heavier action types first, except an action that waits for a lighter one', () => {
    const planned = workloadStabilizationPlanner.plan(
      [action('migrate', 1), action('nop', 2), action('change_nova_service_state', 3, [0])],
      uuid,
    );
    expect(planned.map((a) => a.actionType)).toEqual(['nop', 'migrate', 'change_nova_service_state']);
    expect(planned[2]!.parents).toEqual([planned[1]!.uuid]);
  });

  it('keeps every action once and lists each after its parents, whatever the solution', () => {
    const solutions = fc
      .array(
        fc.record({
          type: fc.constantFrom(...ACTION_TYPE_NAMES),
          requires: fc.array(fc.nat(), { maxLength: 3 }),
        }),
        { maxLength: 40 },
      )
      .map((items) =>
        items.map((item, index) =>
          action(
            item.type,
            index,
            index === 0 ? undefined : [...new Set(item.requires.map((r) => r % index))].sort((a, b) => a - b),
          ),
        ),
      );
    fc.assert(
      fc.property(solutions, (actions) => {
        const planned = workloadStabilizationPlanner.plan(actions, uuid);
        expect(planned).toHaveLength(actions.length);
        expect(new Set(planned.map((a) => a.inputParameters.n)).size).toBe(actions.length);
        const position = new Map(planned.map((a, index) => [a.uuid, index]));
        const byN = new Map(planned.map((a) => [a.inputParameters.n as number, a]));
        for (const [index, planAction] of planned.entries()) {
          for (const parent of planAction.parents) expect(position.get(parent)!).toBeLessThan(index);
          const original = actions[planAction.inputParameters.n as number]!;
          expect(planAction.parents).toEqual((original.requires ?? []).map((r) => byN.get(r)!.uuid));
        }
      }),
    );
  });
});
