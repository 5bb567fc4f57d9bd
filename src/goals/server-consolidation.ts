import { defineGoal, INDICATORS, ratioPct } from './goal.js';

export const serverConsolidation = defineGoal({
  name: 'server_consolidation',
  displayName: 'Server Consolidation',
  indicators: [
    INDICATORS.compute_nodes_count,
    INDICATORS.released_compute_nodes_count,
    INDICATORS.instance_migrations_count,
  ],
  globalEfficacy: (values) => [
    {
      name: 'released_nodes_ratio',
      description: 'Ratio of released compute nodes divided by the total number of enabled compute nodes.',
      unit: '%',
      value: ratioPct(values.released_compute_nodes_count, values.compute_nodes_count),
    },
  ],
});
