import { defineGoal } from './goal.js';

export const savingEnergy = defineGoal({
  name: 'saving_energy',
  displayName: 'Saving Energy',
  indicators: [],
  globalEfficacy: (_values) => [],
});
