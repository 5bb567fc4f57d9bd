import { defineGoal, INDICATORS, ratioPct } from './goal.js';

/**
 * Upstream's noisy_neighbor goal has no efficacy specification; Steward reports the priority instances found losing
 * their L3 cache to a neighbour and how many of those neighbours the plan moves away.
 */
export const noisyNeighbor = defineGoal({
  name: 'noisy_neighbor',
  displayName: 'Noisy Neighbor',
  indicators: [
    INDICATORS.instances_count,
    INDICATORS.noisy_neighbour_victims_count,
    INDICATORS.noisy_neighbours_moved_count,
  ],
  globalEfficacy: (values) => [
    {
      name: 'relieved_victims_ratio',
      description:
        'Ratio of priority instances losing L3 cache to a noisy neighbour whose neighbour the plan moves away.',
      unit: '%',
      value: ratioPct(values.noisy_neighbours_moved_count, values.noisy_neighbour_victims_count),
    },
  ],
});
