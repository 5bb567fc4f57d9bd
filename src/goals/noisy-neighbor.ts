import { defineGoal } from './goal.js';

export const noisyNeighbor = defineGoal({
  name: 'noisy_neighbor',
  displayName: 'Noisy Neighbor',
  indicators: [],
  globalEfficacy: (_values) => [],
});
