import { defineGoal, INDICATORS, ratioPct } from './goal.js';

export const serviceLevel = defineGoal({
  name: 'service_level',
  displayName: 'Service Level',
  indicators: [
    INDICATORS.instances_count,
    INDICATORS.breached_instances_before_audit,
    INDICATORS.breached_instances_after_audit,
    INDICATORS.noisy_neighbours_moved_count,
  ],
  globalEfficacy: (values) => [
    {
      name: 'breached_instances_resolved_ratio',
      description:
        'Share of instances in breach of their service level that the plan is expected to relieve.',
      unit: '%',
      value: ratioPct(
        (values.breached_instances_before_audit ?? 0) - (values.breached_instances_after_audit ?? 0),
        values.breached_instances_before_audit,
      ),
    },
  ],
});
