import { Type } from 'typebox';
import { serverConsolidation } from '../goals/server-consolidation.js';
import { participatingHosts, planConsolidation, requireStatistics } from './consolidation-plan.js';
import { defineStrategy } from './strategy.js';

/**
 * Description: packs instances on their measured CPU and memory use, and only where their flavors also fit the
 * destination's free allocation (upstream bug 2156473), onto as few hosts as it can without taking any host's
 * measured CPU above `cpu_ceiling`; disables every host it empties.
 * Requirements: instance_cpu_usage, instance_ram_usage and host_cpu_usage from the datasource.
 * Limitations: plans on the mean over `period`; load that changes faster than that can still overload a host.
 */
export const vmWorkloadConsolidation = defineStrategy({
  name: 'vm_workload_consolidation',
  goal: serverConsolidation,
  displayName: 'VM Workload Consolidation Strategy',
  parameters: Type.Object({
    period: Type.Optional(
      Type.Number({
        description: 'the time interval in seconds over which measured load is averaged',
        default: 3600,
        minimum: 0,
      }),
    ),
    granularity: Type.Optional(
      Type.Number({
        description: 'the time between two measures of an aggregated timeseries',
        default: 300,
        minimum: 1,
      }),
    ),
    cpu_ceiling: Type.Optional(
      Type.Number({
        description: 'the highest measured CPU use a host may be planned to carry, in % of its cores',
        default: 100,
        exclusiveMinimum: 0,
        maximum: 100,
      }),
    ),
  }),
  metrics: ['instance_cpu_usage', 'instance_ram_usage', 'host_cpu_usage'],
  supportLevel: 'core',
  planner: 'weight',
  docs: {
    description:
      'Consolidates on measured CPU and memory use (averaged over `period`) while every move also fits the destination’s free VCPU, MEMORY_MB and DISK_GB allocation, so Nova accepts it. The hosts kept are those most expensive to empty; the others are emptied by a best-fit-decreasing packing with one-step ejections, then disabled (`watcher_disabled`). No host is planned above `cpu_ceiling` % measured CPU.',
    requirements: 'A datasource serving instance_cpu_usage, instance_ram_usage and host_cpu_usage.',
    limitations:
      'Measured load is a mean over `period`: bursts above it are not seen. Instances that are not ACTIVE, PAUSED or STOPPED, locked, excluded, or in an affinity group with company stay where they are.',
  },
  async execute({ model, metrics, solution, log, signal }, { period = 3600, cpu_ceiling = 100 }) {
    signal.throwIfAborted();
    const hosts = participatingHosts(model);
    const instances = hosts.flatMap((node) => model.instancesOn(node.hostname));
    const statistic = { periodSeconds: period, aggregate: 'mean' as const };
    const instanceResources = instances.map((instance) => ({
      kind: 'instance' as const,
      uuid: instance.uuid,
      vcpus: instance.vcpus,
    }));
    const [instanceCpuPct, instanceRamMb, hostCpuPct] = await Promise.all([
      requireStatistics(metrics, 'instance_cpu_usage', instanceResources, statistic),
      requireStatistics(metrics, 'instance_ram_usage', instanceResources, statistic),
      requireStatistics(
        metrics,
        'host_cpu_usage',
        hosts.map((node) => ({ kind: 'host' as const, hostname: node.hostname })),
        statistic,
      ),
    ]);
    signal.throwIfAborted();
    const outcome = planConsolidation(
      model,
      solution,
      {
        dimensions: [
          'vcpu_allocation',
          'memory_allocation',
          'disk_allocation',
          'cpu_measured',
          'memory_measured',
        ],
        load: { instanceCpuPct, instanceRamMb, hostCpuPct },
        cpuCeilingPct: cpu_ceiling,
        signal,
      },
      log,
    );
    for (const hostname of outcome.released) solution.disableComputeService(hostname);
    solution.indicator('compute_nodes_count', outcome.hosts.length);
    solution.indicator('released_compute_nodes_count', outcome.released.length);
    solution.indicator('instance_migrations_count', outcome.migrations);
    log.info(
      {
        released: outcome.released.length,
        migrations: outcome.migrations,
        kept: outcome.result.keptCount,
        bound: outcome.result.boundKept,
      },
      'vm_workload_consolidation planned',
    );
  },
});
