import { defineGoal } from './goal.js';

export const unclassified = defineGoal({
  name: 'unclassified',
  displayName: 'Unclassified',
  indicators: [],
  globalEfficacy: (_values) => [],
});
