import { describe, expect, it } from 'vitest';
import type { SolutionAction } from '../strategies/solution-builder.js';
import { dependencyPlanner } from './dependency.js';

describe('the dependency planner', () => {
  it('makes each action’s parents exactly the actions it requires, in the solution’s order', () => {
    const actions: SolutionAction[] = [
      { actionType: 'volume_migrate', inputParameters: { n: 0 } },
      { actionType: 'migrate', inputParameters: { n: 1 } },
      { actionType: 'migrate', inputParameters: { n: 2 }, requires: [0, 1] },
      { actionType: 'volume_migrate', inputParameters: { n: 3 }, requires: [0] },
    ];
    let counter = 0;
    const planned = dependencyPlanner.plan(actions, () => `a-${++counter}`);
    expect(planned.map((action) => [action.uuid, action.inputParameters.n, action.parents])).toEqual([
      ['a-1', 0, []],
      ['a-2', 1, []],
      ['a-3', 2, ['a-1', 'a-2']],
      ['a-4', 3, ['a-1']],
    ]);
    expect(planned.every((action) => !('requires' in action))).toBe(true);
  });
});
