import { Type } from 'typebox';
import { dummy as dummyGoal } from '../goals/dummy.js';
import { defineStrategy } from './strategy.js';

/**
 * Description: a strategy for integration testing: emits two NOPs and a sleep.
 * Requirements: none.
 * Limitations: does nothing useful to a cloud, by design.
 */
export const dummy = defineStrategy({
  name: 'dummy',
  goal: dummyGoal,
  displayName: 'Dummy strategy',
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
      'A strategy for integration testing: two NOP actions and a sleep whose duration is `para1` seconds.',
    requirements: 'None.',
    limitations: 'Does nothing to the cloud, by design.',
  },
  async execute({ solution, signal }, { para1 = 3.2, para2 = 'hello' }) {
    signal.throwIfAborted();
    solution.nop('hello World');
    solution.nop(para2);
    solution.sleep(para1);
    return Promise.resolve();
  },
});
