import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTION_PLANNING, ACTION_TYPE_NAMES, type ActionTypeName } from '../contract/actions.js';
import type { SolutionAction } from '../strategies/solution-builder.js';
import { createWeightPlanner } from './weight.js';

const types = ACTION_TYPE_NAMES;
const action = (actionType: ActionTypeName, n: number): SolutionAction => ({
  actionType,
  inputParameters: { n },
});
let counter = 0;
const uuid = () => `a-${++counter}`;

describe('the weight planner', () => {
  it('keeps the solution’s ordering edges: a waiting action follows what it waits for, never in the same chunk', () => {
    const actions: SolutionAction[] = [
      action('migrate', 1),
      { ...action('migrate', 2), requires: [0] },
      { ...action('change_nova_service_state', 3), requires: [1] },
      action('change_nova_service_state', 4),
    ];
    const planned = createWeightPlanner().plan(actions, uuid);
    expect(planned.map((a) => a.inputParameters.n)).toEqual([4, 1, 2, 3]);
    const [disable, m1, m2, waiting] = planned;
    expect(m1!.parents).toEqual([disable!.uuid]);
    expect(m2!.parents).toEqual([m1!.uuid]);
    expect(waiting!.parents).toEqual([m2!.uuid]);
    expect(planned.every((a) => !('requires' in a))).toBe(true);
  });

  it('builds upstream’s layered DAG: [disable] → [m1, m2] → [m3, m4] → [m5]', () => {
    const actions = [1, 2, 3, 4, 5].map((n) => action('migrate', n));
    actions.push(action('change_nova_service_state', 0));
    const planned = createWeightPlanner().plan(actions, uuid);
    expect(planned.map((a) => a.actionType)).toEqual([
      'change_nova_service_state',
      'migrate',
      'migrate',
      'migrate',
      'migrate',
      'migrate',
    ]);
    const [disable, m1, m2, m3, m4, m5] = planned;
    expect(disable!.parents).toEqual([]);
    expect(m1!.parents).toEqual([disable!.uuid]);
    expect(m2!.parents).toEqual([disable!.uuid]);
    expect(m3!.parents).toEqual([m1!.uuid, m2!.uuid]);
    expect(m4!.parents).toEqual([m1!.uuid, m2!.uuid]);
    expect(m5!.parents).toEqual([m3!.uuid, m4!.uuid]);
  });

  it('chains the dummy strategy’s nop, nop, sleep one after another', () => {
    const planned = createWeightPlanner().plan(
      [action('nop', 1), action('nop', 2), action('sleep', 3)],
      uuid,
    );
    expect(planned[1]!.parents).toEqual([planned[0]!.uuid]);
    expect(planned[2]!.parents).toEqual([planned[1]!.uuid]);
  });

  it('keeps every action once, in a DAG, heaviest types first, within the parallelism of each type', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...types), { maxLength: 60 }), (typeList) => {
        const planned = createWeightPlanner().plan(
          typeList.map((type, n) => action(type, n)),
          uuid,
        );
        expect(planned).toHaveLength(typeList.length);
        expect(new Set(planned.map((a) => a.uuid)).size).toBe(planned.length);
        const position = new Map(planned.map((a, index) => [a.uuid, index]));
        for (const [index, planAction] of planned.entries()) {
          for (const parent of planAction.parents) expect(position.get(parent)!).toBeLessThan(index);
        }
        const weights = planned.map((a) => ACTION_PLANNING[a.actionType].weight);
        expect(weights).toEqual([...weights].sort((a, b) => b - a));
        const layers = new Map<string, number>();
        for (const planAction of planned) {
          const key = JSON.stringify(planAction.parents);
          layers.set(key, (layers.get(key) ?? 0) + 1);
          expect(layers.get(key)!).toBeLessThanOrEqual(ACTION_PLANNING[planAction.actionType].parallelism);
        }
      }),
    );
  });
});
