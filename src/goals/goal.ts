/**
 * A goal is data: its Watcher name, display name and efficacy specification (indicators + how the global
 * efficacy is computed from them). Strategies point at a goal object; nothing is attached by inheritance.
 */
import type { EfficacyValue, IndicatorSpec } from '../contract/efficacy.js';

export type IndicatorValues = Readonly<Record<string, number>>;

/** The name of an efficacy indicator of some goal (a key of `INDICATORS`). */
export type IndicatorName = keyof typeof INDICATORS;

/**
 * `I` is the names of the goal's own indicators, inferred by `defineGoal` from its `indicators`, so a strategy of
 * the goal can report only those (its solution builder's `indicator()` takes `I`).
 */
export interface Goal<I extends IndicatorName = IndicatorName> {
  readonly name: string;
  readonly displayName: string;
  readonly indicators: readonly (IndicatorSpec & { readonly name: I })[];
  globalEfficacy(values: IndicatorValues): EfficacyValue[];
}

export function defineGoal<I extends IndicatorName>(goal: Goal<I>): Goal<I> {
  return Object.freeze(goal);
}

const count = { type: 'integer', minimum: 0 };
const number = { type: 'number', minimum: 0 };

export const INDICATORS = {
  compute_nodes_count: {
    name: 'compute_nodes_count',
    description: 'The total number of enabled compute nodes.',
    unit: null,
    schema: count,
  },
  released_compute_nodes_count: {
    name: 'released_compute_nodes_count',
    description: 'The number of compute nodes to be released.',
    unit: null,
    schema: count,
  },
  instance_migrations_count: {
    name: 'instance_migrations_count',
    description: 'The number of VM migrations to be performed.',
    unit: null,
    schema: count,
  },
  instances_count: {
    name: 'instances_count',
    description: 'The total number of audited instances in strategy.',
    unit: null,
    schema: count,
  },
  standard_deviation_before_audit: {
    name: 'standard_deviation_before_audit',
    description: 'The value of original standard deviation.',
    unit: null,
    schema: number,
  },
  standard_deviation_after_audit: {
    name: 'standard_deviation_after_audit',
    description: 'The value of resulted standard deviation.',
    unit: null,
    schema: number,
  },
  live_migrate_instance_count: {
    name: 'live_migrate_instance_count',
    description: 'The number of instances actually live migrated.',
    unit: null,
    schema: count,
  },
  planned_live_migrate_instance_count: {
    name: 'planned_live_migrate_instance_count',
    description: 'The number of instances planned to live migrate.',
    unit: null,
    schema: count,
  },
  cold_migrate_instance_count: {
    name: 'cold_migrate_instance_count',
    description: 'The number of instances actually cold migrated.',
    unit: null,
    schema: count,
  },
  planned_cold_migrate_instance_count: {
    name: 'planned_cold_migrate_instance_count',
    description: 'The number of instances planned to cold migrate.',
    unit: null,
    schema: count,
  },
  volume_migrate_count: {
    name: 'volume_migrate_count',
    description: 'The number of detached volumes actually migrated.',
    unit: null,
    schema: count,
  },
  planned_volume_migrate_count: {
    name: 'planned_volume_migrate_count',
    description: 'The number of detached volumes planned to migrate.',
    unit: null,
    schema: count,
  },
  volume_update_count: {
    name: 'volume_update_count',
    description: 'The number of attached volumes actually migrated.',
    unit: null,
    schema: count,
  },
  planned_volume_update_count: {
    name: 'planned_volume_update_count',
    description: 'The number of attached volumes planned to migrate.',
    unit: null,
    schema: count,
  },
  powered_off_nodes_count: {
    name: 'powered_off_nodes_count',
    description: 'The number of compute nodes to be powered off.',
    unit: null,
    schema: count,
  },
  powered_on_nodes_count: {
    name: 'powered_on_nodes_count',
    description: 'The number of compute nodes to be powered on.',
    unit: null,
    schema: count,
  },
  hot_compute_nodes_count: {
    name: 'hot_compute_nodes_count',
    description:
      'The number of compute nodes at or over the strategy’s threshold (outlet temperature, airflow) before the audit.',
    unit: null,
    schema: count,
  },
  relieved_compute_nodes_count: {
    name: 'relieved_compute_nodes_count',
    description: 'The number of those nodes the plan moves instances off.',
    unit: null,
    schema: count,
  },
  noisy_neighbour_victims_count: {
    name: 'noisy_neighbour_victims_count',
    description:
      'The number of priority instances whose L3 cache share dropped past the threshold while a neighbour’s rose past it.',
    unit: null,
    schema: count,
  },
  breached_instances_before_audit: {
    name: 'breached_instances_before_audit',
    description: 'The number of instances whose service level is breached before the audit.',
    unit: null,
    schema: count,
  },
  breached_instances_after_audit: {
    name: 'breached_instances_after_audit',
    description: 'The number of instances whose service level is expected to be breached after the plan.',
    unit: null,
    schema: count,
  },
  noisy_neighbours_moved_count: {
    name: 'noisy_neighbours_moved_count',
    description: 'The number of noisy neighbour instances to be moved away from their victims.',
    unit: null,
    schema: count,
  },
} as const satisfies Record<string, IndicatorSpec>;

/** planned / actual x 100, 0 when nothing is planned (upstream's formula, kept as coded). */
export function ratioPct(numerator: number | undefined, denominator: number | undefined): number {
  if (!numerator || !denominator) return 0;
  return (numerator / denominator) * 100;
}
