import { Type } from 'typebox';
import { dummy as dummyGoal } from '../goals/dummy.js';
import { defineStrategy } from './strategy.js';

/**
 * Description: upstream's test strategy that exercises migrate and resize: two NOPs, a 5 s sleep, two live
 * migrations of fixed instance uuids from compute2 to compute3 and a resize to flavor x2.
 * Requirements: none to plan; the instances must exist for the actions to do anything.
 * Limitations: the fixed uuids do not exist in a normal cloud: the applier skips those actions with a reason.
 */
export const dummyWithResize = defineStrategy({
  name: 'dummy_with_resize',
  goal: dummyGoal,
  displayName: 'Dummy strategy with resize',
  parameters: Type.Object({
    para1: Type.Optional(
      Type.Number({ description: 'number parameter example', default: 3.2, minimum: 1.0, maximum: 10.2 }),
    ),
    para2: Type.Optional(Type.String({ description: 'string parameter example', default: 'hello' })),
  }),
  metrics: [],
  supportLevel: 'core',
  planner: 'weight',
  docs: {
    description:
      'Exercises the migrate and resize actions with fixed instance uuids (compute2 → compute3, flavor x2).',
    requirements: 'None to plan.',
    limitations: 'Its fixed uuids rarely exist: the applier then skips those actions with the reason.',
  },
  async execute({ solution, signal }) {
    signal.throwIfAborted();
    solution.nop('hello World');
    solution.nop('Welcome');
    solution.sleep(5.0);
    for (const uuid of ['6ae05517-a512-462d-9d83-90c313b5a8ff', '7ae05517-a512-462d-9d83-90c313b5a8ff']) {
      solution.add('migrate', {
        resource_id: uuid,
        migration_type: 'live',
        source_node: 'compute2',
        destination_node: 'compute3',
      });
    }
    solution.add('resize', { resource_id: '6ae05517-a512-462d-9d83-90c313b5a8ff', flavor: 'x2' });
    return Promise.resolve();
  },
});
