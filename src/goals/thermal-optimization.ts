import { defineGoal } from './goal.js';

export const thermalOptimization = defineGoal({
  name: 'thermal_optimization',
  displayName: 'Thermal Optimization',
  indicators: [],
  globalEfficacy: (_values) => [],
});
