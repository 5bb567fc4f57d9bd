import { defineGoal } from './goal.js';

export const dummy = defineGoal({
  name: 'dummy',
  displayName: 'Dummy goal',
  indicators: [],
  globalEfficacy: (_values) => [],
});
