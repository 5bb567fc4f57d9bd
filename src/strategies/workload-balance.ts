import { Type } from 'typebox';
import { StewardError } from '../errors.js';
import { workloadBalancing } from '../goals/workload-balancing.js';
import { balanceAll, balanceOnce, type BalanceProblem } from './kernels/balance.js';
import { liveMoveCandidates } from './live-move-candidates.js';
import { refuseDestinationHost } from './nova-rules.js';
import { defineStrategy } from './strategy.js';

/**
 * Description: when a host's CPU (or RAM) use by its instances reaches `threshold` % of its capacity, live-migrates
 * an instance off the most loaded such host to the least loaded host that stays under the threshold; upstream plans
 * one migration per audit, `max_migrations` lets it plan until no host is at or above the threshold.
 * Requirements: instance_cpu_usage or instance_ram_usage (the one named by `metrics`) from the datasource.
 * Limitations: host load is the sum of its instances' measured load, as upstream computes it; the hypervisor's own
 * use is not counted.
 */
export const workloadBalance = defineStrategy({
  name: 'workload_balance',
  goal: workloadBalancing,
  displayName: 'Workload Balance Migration Strategy',
  parameters: Type.Object({
    metrics: Type.Optional(
      Type.String({
        enum: ['instance_cpu_usage', 'instance_ram_usage'],
        description: 'Workload balance based on metrics: cpu or ram utilization',
        default: 'instance_cpu_usage',
      }),
    ),
    threshold: Type.Optional(
      Type.Number({
        description:
          'Workload threshold for migration - used for source and destination hosts. It is always a percentage value.',
        default: 25.0,
      }),
    ),
    period: Type.Optional(
      Type.Number({ description: 'aggregate time period of ceilometer', default: 300, minimum: 0 }),
    ),
    granularity: Type.Optional(
      Type.Number({
        description: 'The time between two measures in an aggregated timeseries of a metric.',
        default: 300,
      }),
    ),
    max_migrations: Type.Optional(
      Type.Integer({
        description:
          'The most migrations one audit plans: 1 is upstream’s single move; more (0 for no limit) plans, with as few migrations as it can, until no host is at or above the threshold.',
        default: 1,
        minimum: 0,
      }),
    ),
  }),
  metrics: ['instance_cpu_usage', 'instance_ram_usage'],
  supportLevel: 'core',
  planner: 'weight',
  docs: {
    description:
      'A host’s workload is the sum of its instances’ measured use (busy cores from `instance_cpu_usage`, or MiB from `instance_ram_usage`) averaged over `period`; it is overloaded at or above `threshold` % of its vCPUs (or memory). As upstream, one audit moves one instance: from the most loaded overloaded host, the instance whose workload comes closest to the host’s excess over the cluster average without exceeding it, to the least loaded host that stays under the threshold and has the VCPU, MEMORY_MB and DISK_GB allocation for it (where that instance has no such host, the next candidate is tried; upstream plans nothing then). With `max_migrations` above 1, or 0 for no limit, it plans until no host is overloaded: for each overloaded host the fewest instances whose departure brings it under (the least workload among such sets), each to the least loaded host that stays under the threshold, so it plans the least number of migrations any such plan can have whenever every one of them finds a home.',
    requirements:
      'A datasource serving the metric named by `metrics` (instance_cpu_usage or instance_ram_usage).',
    limitations:
      'The hypervisor’s own use is not counted, as upstream. Only ACTIVE instances move, by live migration. An overloaded host that stays overloaded with every movable instance gone is left alone. `granularity` is accepted for compatibility; Prometheus aggregates over the whole period.',
  },
  async execute(
    { model, metrics, solution, log, signal },
    { metrics: metric = 'instance_cpu_usage', threshold = 25.0, period = 300, max_migrations = 1 },
  ) {
    signal.throwIfAborted();
    const cpu = metric === 'instance_cpu_usage';
    const hosts = [...model.nodes()].filter((node) => refuseDestinationHost(node) === undefined);
    const instancesOf = hosts.map((node) => model.instancesOn(node.hostname));
    const instances = instancesOf.flat();
    if (!metrics)
      throw new StewardError(
        'unavailable',
        'METRIC_UNAVAILABLE',
        `no datasource is configured to serve ${metric}`,
        {
          details: { metric },
        },
      );
    const measured =
      instances.length === 0
        ? new Map<string, number>()
        : await metrics.statistics(
            instances.map((instance) => ({ kind: 'instance', uuid: instance.uuid, vcpus: instance.vcpus })),
            cpu ? 'instance_cpu_usage' : 'instance_ram_usage',
            { periodSeconds: period, aggregate: 'mean' },
          );
    signal.throwIfAborted();

    const candidates = liveMoveCandidates(model, hosts, instancesOf, ['active']);
    const H = hosts.length;
    const I = instances.length;
    const capacity = Float64Array.from(hosts, (node) => (cpu ? node.vcpus : node.memoryMb));
    const workload = new Float64Array(H);
    const amount = new Float64Array(I);
    const movable = candidates.movable;
    instances.forEach((instance, n) => {
      const value = measured.get(instance.uuid);
      // Upstream leaves an instance without measures out of its host's workload and never moves it.
      if (value === undefined) movable[n] = 0;
      else {
        amount[n] = cpu ? (value * instance.vcpus) / 100 : value;
        workload[candidates.hostOf[n]!]! += amount[n];
      }
    });

    const problem: BalanceProblem = {
      hostCount: H,
      capacity,
      workload,
      thresholdPct: threshold,
      instanceCount: I,
      amount,
      ...candidates,
      accepts: (n, h) => solution.refuseMigration(instances[n]!, hosts[h]!.hostname, 'live') === undefined,
      commit: (n, h) => {
        const outcome = solution.migrate(model.getInstance(instances[n]!.uuid)!, {
          to: hosts[h]!.hostname,
          live: true,
        });
        if (!outcome.ok) log.warn({ instance: instances[n]!.uuid, rule: outcome.rule }, outcome.reason);
        return outcome.ok;
      },
      signal,
    };
    const outcome = max_migrations === 1 ? balanceOnce(problem) : balanceAll(problem, max_migrations);
    solution.indicator('instance_migrations_count', outcome.moves);
    solution.indicator('instances_count', model.instanceCount);
    log.info(
      {
        hosts: H,
        overloadedBefore: outcome.overloadedBefore,
        overloadedAfter: outcome.overloadedAfter,
        migrations: outcome.moves,
        lowerBound: outcome.lowerBound,
        unfixable: outcome.unfixable,
      },
      outcome.overloadedBefore === 0 ? 'no host is at or above the threshold' : 'workload_balance planned',
    );
  },
});
