import { Type } from 'typebox';
import { serverConsolidation } from '../goals/server-consolidation.js';
import { participatingHosts, planConsolidation, requireStatistics } from './consolidation-plan.js';
import { defineStrategy } from './strategy.js';

/**
 * Description: empties as many hosts as the VCPU, MEMORY_MB and DISK_GB allocation allows, moving as few instances
 * as it can, and keeps every host's measured CPU within its cores; disables the hosts it empties.
 * Requirements: host_cpu_usage and instance_cpu_usage from the datasource.
 * Limitations: upstream's score-ordered first fit is replaced by a search for the packing bound; the ordering it
 * produces differs from upstream's, its validity does not.
 */
export const basicConsolidation = defineStrategy({
  name: 'basic',
  goal: serverConsolidation,
  displayName: 'Basic offline consolidation',
  parameters: Type.Object({
    migration_attempts: Type.Optional(
      Type.Number({
        description:
          'Maximum number of combinations to be tried by the strategy while searching for potential candidates. To remove the limit, set it to 0',
        default: 0,
        minimum: 0,
      }),
    ),
    period: Type.Optional(
      Type.Number({
        description: 'The time interval in seconds for getting statistic aggregation',
        default: 7200,
        minimum: 0,
      }),
    ),
    granularity: Type.Optional(
      Type.Number({
        description: 'The time between two measures in an aggregated timeseries of a metric.',
        default: 300,
        minimum: 1,
      }),
    ),
    aggregation_method: Type.Optional(
      Type.Object(
        {
          instance: Type.Optional(Type.String({ enum: ['mean', 'max', 'min'], default: 'mean' })),
          compute_node: Type.Optional(Type.String({ enum: ['mean', 'max', 'min'], default: 'mean' })),
          node: Type.Optional(Type.String({ default: '' })),
        },
        {
          description:
            'Function used to aggregate multiple measures into an aggregate. For example, the min aggregation method will return the minimum of the measures taken within the period.',
          default: { instance: 'mean', compute_node: 'mean', node: '' },
          additionalProperties: false,
        },
      ),
    ),
  }),
  metrics: ['host_cpu_usage', 'instance_cpu_usage'],
  supportLevel: 'core',
  planner: 'weight',
  docs: {
    description:
      'Consolidates by allocation: keeps the hosts that would cost the most migrations to empty and packs the others’ instances into them (best fit decreasing with one-step ejections), retrying with one more kept host until the packing succeeds, so it reaches the bin-packing bound where one exists. Every move also keeps the destination’s measured CPU within its cores. Emptied hosts are disabled (`watcher_disabled`).',
    requirements: 'A datasource serving host_cpu_usage and instance_cpu_usage.',
    limitations:
      '`migration_attempts` bounds the packing attempts (each keeps one more host), not single moves as upstream. Instances that are not ACTIVE, PAUSED or STOPPED, locked, excluded, or in an affinity group with company stay where they are.',
  },
  async execute(
    { model, metrics, solution, log, signal },
    { period = 7200, migration_attempts = 0, aggregation_method },
  ) {
    signal.throwIfAborted();
    const hosts = participatingHosts(model);
    const instances = hosts.flatMap((node) => model.instancesOn(node.hostname));
    const aggregate = (method: string | undefined) =>
      method === 'max' || method === 'min' ? method : 'mean';
    const [instanceCpuPct, hostCpuPct] = await Promise.all([
      requireStatistics(
        metrics,
        'instance_cpu_usage',
        instances.map((instance) => ({
          kind: 'instance' as const,
          uuid: instance.uuid,
          vcpus: instance.vcpus,
        })),
        { periodSeconds: period, aggregate: aggregate(aggregation_method?.instance) },
      ),
      requireStatistics(
        metrics,
        'host_cpu_usage',
        hosts.map((node) => ({ kind: 'host' as const, hostname: node.hostname })),
        {
          periodSeconds: period,
          aggregate: aggregate(aggregation_method?.compute_node || aggregation_method?.node),
        },
      ),
    ]);
    const outcome = planConsolidation(
      model,
      solution,
      {
        dimensions: ['vcpu_allocation', 'memory_allocation', 'disk_allocation', 'cpu_measured'],
        load: { instanceCpuPct, hostCpuPct },
        ...(migration_attempts > 0 && { maxAttempts: migration_attempts }),
        signal,
      },
      log,
    );
    for (const hostname of outcome.released) solution.disableComputeService(hostname);
    solution.indicator('compute_nodes_count', outcome.hosts.length);
    solution.indicator('released_compute_nodes_count', outcome.released.length);
    solution.indicator('instance_migrations_count', outcome.migrations);
  },
});
