import { defineGoal } from './goal.js';

export const clusterMaintaining = defineGoal({
  name: 'cluster_maintaining',
  displayName: 'Cluster Maintaining',
  indicators: [],
  globalEfficacy: (_values) => [],
});
