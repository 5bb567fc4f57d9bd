import { defineGoal, INDICATORS, ratioPct } from './goal.js';

/**
 * Upstream's thermal_optimization goal has no efficacy specification; Steward reports how many hosts were at or over
 * the outlet temperature threshold and how many of them the plan moves work off.
 */
export const thermalOptimization = defineGoal({
  name: 'thermal_optimization',
  displayName: 'Thermal Optimization',
  indicators: [
    INDICATORS.compute_nodes_count,
    INDICATORS.hot_compute_nodes_count,
    INDICATORS.relieved_compute_nodes_count,
    INDICATORS.instance_migrations_count,
  ],
  globalEfficacy: (values) => [
    {
      name: 'relieved_hot_nodes_ratio',
      description:
        'Ratio of compute nodes at or over the outlet temperature threshold that the plan moves instances off.',
      unit: '%',
      value: ratioPct(values.relieved_compute_nodes_count, values.hot_compute_nodes_count),
    },
  ],
});
