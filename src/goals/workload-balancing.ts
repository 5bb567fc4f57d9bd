import { defineGoal, INDICATORS, ratioPct } from './goal.js';

export const workloadBalancing = defineGoal({
  name: 'workload_balancing',
  displayName: 'Workload Balancing',
  indicators: [
    INDICATORS.instance_migrations_count,
    INDICATORS.instances_count,
    INDICATORS.standard_deviation_after_audit,
    INDICATORS.standard_deviation_before_audit,
  ],
  globalEfficacy: (values) => [
    {
      name: 'live_migrations_count',
      description: 'Ratio of migrated virtual machines to audited virtual machines',
      unit: '%',
      value: ratioPct(values.instance_migrations_count, values.instances_count),
    },
  ],
});
