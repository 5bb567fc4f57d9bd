import { defineGoal, INDICATORS, ratioPct } from './goal.js';

export const hardwareMaintenance = defineGoal({
  name: 'hardware_maintenance',
  displayName: 'Hardware Maintenance',
  indicators: [
    INDICATORS.live_migrate_instance_count,
    INDICATORS.planned_live_migrate_instance_count,
    INDICATORS.cold_migrate_instance_count,
    INDICATORS.planned_cold_migrate_instance_count,
    INDICATORS.volume_migrate_count,
    INDICATORS.planned_volume_migrate_count,
    INDICATORS.volume_update_count,
    INDICATORS.planned_volume_update_count,
  ],
  globalEfficacy: (values) => [
    {
      name: 'live_instance_migrate_ratio',
      description: 'Ratio of actual live migrated instances to planned live migrate instances.',
      unit: '%',
      value: ratioPct(values.planned_live_migrate_instance_count, values.live_migrate_instance_count),
    },
    {
      name: 'cold_instance_migrate_ratio',
      description: 'Ratio of actual cold migrated instances to planned cold migrate instances.',
      unit: '%',
      value: ratioPct(values.planned_cold_migrate_instance_count, values.cold_migrate_instance_count),
    },
    {
      name: 'volume_migrate_ratio',
      description: 'Ratio of actual detached volumes migrated to planned detached volumes migrate.',
      unit: '%',
      value: ratioPct(values.planned_volume_migrate_count, values.volume_migrate_count),
    },
    {
      name: 'volume_update_ratio',
      description: 'Ratio of actual attached volumes migrated to planned attached volumes migrate.',
      unit: '%',
      value: ratioPct(values.planned_volume_update_count, values.volume_update_count),
    },
  ],
});
