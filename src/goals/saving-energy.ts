import { defineGoal, INDICATORS, ratioPct } from './goal.js';

/**
 * Upstream's saving_energy goal has no efficacy specification; Steward reports what the plan does to power: how
 * many empty hosts it powers off or on, out of the enabled hosts.
 */
export const savingEnergy = defineGoal({
  name: 'saving_energy',
  displayName: 'Saving Energy',
  indicators: [
    INDICATORS.compute_nodes_count,
    INDICATORS.powered_off_nodes_count,
    INDICATORS.powered_on_nodes_count,
  ],
  globalEfficacy: (values) => [
    {
      name: 'powered_off_nodes_ratio',
      description: 'Ratio of compute nodes powered off by the plan to all compute nodes.',
      unit: '%',
      value: ratioPct(values.powered_off_nodes_count, values.compute_nodes_count),
    },
  ],
});
