import { defineGoal } from './goal.js';

export const airflowOptimization = defineGoal({
  name: 'airflow_optimization',
  displayName: 'Airflow Optimization',
  indicators: [],
  globalEfficacy: (_values) => [],
});
