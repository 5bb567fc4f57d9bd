import { Type } from 'typebox';
import type { Aggregate, MetricName, MetricResource, MetricsSource } from '../datasources/metrics-source.js';
import { StewardError } from '../errors.js';
import { workloadBalancing } from '../goals/workload-balancing.js';
import { stabilize } from './kernels/stabilization.js';
import { liveMoveCandidates } from './live-move-candidates.js';
import { refuseDestinationHost } from './nova-rules.js';
import { defineStrategy } from './strategy.js';

const INSTANCE_METRICS = ['instance_cpu_usage', 'instance_ram_usage'] as const;
type InstanceMetric = (typeof INSTANCE_METRICS)[number];
const HOST_METRICS = ['host_cpu_usage', 'host_ram_usage'] as const;
const AGGREGATES = ['mean', 'max', 'min'] as const;

/**
 * Description: lowers the weighted standard deviation of the hosts' normalised CPU (and/or RAM) load by live
 * migrations, each the move that lowers it most, until every metric's deviation is under its threshold.
 * Requirements: host_cpu_usage, host_ram_usage, instance_cpu_usage and instance_ram_usage from the datasource.
 * Limitations: plans on the aggregate over `periods`; a load that changes faster than that is not seen.
 */
export const workloadStabilization = defineStrategy({
  name: 'workload_stabilization',
  goal: workloadBalancing,
  displayName: 'Workload stabilization',
  parameters: Type.Object({
    metrics: Type.Optional(
      Type.Array(Type.String({ enum: [...INSTANCE_METRICS] }), {
        description: 'Metrics used as rates of cluster loads.',
        default: ['instance_cpu_usage'],
      }),
    ),
    thresholds: Type.Optional(
      Type.Object(
        {
          instance_cpu_usage: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          instance_ram_usage: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        },
        {
          description: 'Dict where key is a metric and value is a trigger value.',
          default: { instance_cpu_usage: 0.1, instance_ram_usage: 0.1 },
        },
      ),
    ),
    weights: Type.Optional(
      Type.Object(
        {
          instance_cpu_usage_weight: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          instance_ram_usage_weight: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        },
        {
          description:
            'These weights used to calculate common standard deviation. Name of weight contains meter name and _weight suffix.',
          default: { instance_cpu_usage_weight: 1.0, instance_ram_usage_weight: 1.0 },
        },
      ),
    ),
    instance_metrics: Type.Optional(
      Type.Object(
        {
          instance_cpu_usage: Type.Optional(Type.String({ enum: [...HOST_METRICS] })),
          instance_ram_usage: Type.Optional(Type.String({ enum: [...HOST_METRICS] })),
        },
        {
          description: 'Mapping to get hardware statistics using instance metrics',
          default: { instance_cpu_usage: 'host_cpu_usage', instance_ram_usage: 'host_ram_usage' },
        },
      ),
    ),
    host_choice: Type.Optional(
      Type.String({
        enum: ['cycle', 'retry', 'fullsearch'],
        description:
          "Method of host's choice. There are cycle, retry and fullsearch methods. Cycle will iterate hosts in cycle. Retry will get some hosts random (count defined in retry_count option). Fullsearch will return each host from list.",
        default: 'retry',
      }),
    ),
    retry_count: Type.Optional(
      Type.Number({ description: 'Count of random returned hosts', minimum: 1, default: 1 }),
    ),
    periods: Type.Optional(
      Type.Object(
        {
          instance: Type.Optional(Type.Integer({ minimum: 0 })),
          compute_node: Type.Optional(Type.Integer({ minimum: 0 })),
          node: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        },
        {
          description:
            'These periods are used to get statistic aggregation for instance and host metrics. The period is simply a repeating interval of time into which the samples are grouped for aggregation. Watcher uses only the last period of all received ones.',
          default: { instance: 720, compute_node: 600, node: 0 },
        },
      ),
    ),
    aggregation_method: Type.Optional(
      Type.Object(
        {
          instance: Type.Optional(Type.String({ enum: [...AGGREGATES], default: 'mean' })),
          compute_node: Type.Optional(Type.String({ enum: [...AGGREGATES], default: 'mean' })),
          node: Type.Optional(Type.String({ enum: ['', ...AGGREGATES], default: '' })),
        },
        {
          description:
            'Function used to aggregate multiple measures into an aggregate. For example, the min aggregation method will aggregate the values of different measures to the minimum value of all the measures in the time range.',
          default: { instance: 'mean', compute_node: 'mean', node: '' },
        },
      ),
    ),
    granularity: Type.Optional(
      Type.Number({
        description: 'The time between two measures in an aggregated timeseries of a metric.',
        minimum: 0,
        default: 300,
      }),
    ),
  }),
  metrics: ['host_cpu_usage', 'instance_cpu_usage', 'instance_ram_usage', 'host_ram_usage'],
  supportLevel: 'core',
  planner: 'workload_stabilization',
  docs: {
    description:
      'Normalises each host’s load per metric (`host_cpu_usage` / 100; `host_ram_usage` / the host’s memory) and an instance’s share of it (its busy cores / the host’s vCPUs; its MiB / the host’s memory), and measures balance as Σ weight × standard deviation over the enabled hosts. When a metric’s deviation is above its threshold it live-migrates, one at a time, the instance whose move lowers that weighted deviation most, to the destination where it lowers it most, until every metric is under its threshold or no move helps. Every move fits the destination’s VCPU, MEMORY_MB and DISK_GB allocation and Nova’s other rules; no instance moves twice. The standard deviation before and after is reported as the efficacy indicators. The plan’s migrations wait only for the moves whose room they need, so they run in parallel.',
    requirements:
      'A datasource serving host_cpu_usage, host_ram_usage, instance_cpu_usage and instance_ram_usage (the metrics of `metrics` and their `instance_metrics` host metrics are read).',
    limitations:
      'Upstream stops as soon as one metric’s deviation is under its threshold and weighs each instance against `retry_count` random hosts; Steward stops when every metric is under its threshold and always weighs the least loaded hosts with room, `host_choice` adding random (`retry`), rotating (`cycle`) or all (`fullsearch`) hosts to them. Only ACTIVE and PAUSED instances move (live migration). `granularity` is accepted for compatibility; Prometheus aggregates over the whole period.',
  },
  async execute(
    { model, metrics, solution, random, log, signal },
    {
      metrics: chosen = ['instance_cpu_usage'],
      thresholds = {},
      weights = {},
      instance_metrics: hostMetricOf = {},
      host_choice = 'retry',
      retry_count = 1,
      periods = {},
      aggregation_method = {},
    },
  ) {
    signal.throwIfAborted();
    const balanced = [...new Set(chosen)] as InstanceMetric[];
    // Upstream's deprecated `node` keys override `compute_node` when set.
    const hostPeriod = periods.node ? periods.node : (periods.compute_node ?? 600);
    const hostAggregate = (aggregation_method.node || aggregation_method.compute_node || 'mean') as Aggregate;
    const instanceStatistic = {
      periodSeconds: periods.instance ?? 720,
      aggregate: (aggregation_method.instance ?? 'mean') as Aggregate,
    };
    const hostStatistic = { periodSeconds: hostPeriod, aggregate: hostAggregate };

    const enabled = [...model.nodes()].filter((node) => refuseDestinationHost(node) === undefined);
    const instancesOf = new Map(enabled.map((node) => [node.hostname, model.instancesOn(node.hostname)]));
    const instancesOnEnabled = [...instancesOf.values()].flat();
    const hostMetrics = balanced.map(
      (metric) => (hostMetricOf[metric] ?? defaultHostMetric(metric)) as MetricName,
    );
    const [hostValues, instanceValues] = await Promise.all([
      Promise.all(
        hostMetrics.map((metric) =>
          readStatistics(
            metrics,
            metric,
            enabled.map((node) => ({ kind: 'host', hostname: node.hostname })),
            hostStatistic,
          ),
        ),
      ),
      Promise.all(
        balanced.map((metric) =>
          readStatistics(
            metrics,
            metric,
            instancesOnEnabled.map((instance) => ({
              kind: 'instance',
              uuid: instance.uuid,
              vcpus: instance.vcpus,
            })),
            instanceStatistic,
          ),
        ),
      ),
    ]);
    signal.throwIfAborted();

    // Hosts without every host metric are left out, as upstream drops them from the hosts' loads.
    const hosts = enabled.filter((node) => hostValues.every((values) => values.has(node.hostname)));
    if (hosts.length < enabled.length)
      log.warn(
        { hosts: enabled.length - hosts.length },
        'hosts without host metrics are left out of the balancing',
      );
    const M = balanced.length;
    const H = hosts.length;
    const hostInstances = hosts.map((node) => instancesOf.get(node.hostname)!);
    const instances = hostInstances.flat();
    const I = instances.length;
    const candidates = liveMoveCandidates(model, hosts, hostInstances, ['active', 'paused']);
    const load = new Float64Array(H * M);
    const scale = new Float64Array(H * M);
    hosts.forEach((node, h) => {
      balanced.forEach((metric, m) => {
        const value = hostValues[m]!.get(node.hostname)!;
        load[h * M + m] = hostMetrics[m] === 'host_cpu_usage' ? value / 100 : value / node.memoryMb;
        scale[h * M + m] = metric === 'instance_cpu_usage' ? 1 / node.vcpus : 1 / node.memoryMb;
      });
    });
    const amount = new Float64Array(I * M);
    instances.forEach((instance, i) => {
      balanced.forEach((metric, m) => {
        const value = instanceValues[m]!.get(instance.uuid);
        // An instance without measures stays: its load is still in its host's.
        if (value === undefined) candidates.movable[i] = 0;
        else amount[i * M + m] = metric === 'instance_cpu_usage' ? (value / 100) * instance.vcpus : value;
      });
    });

    const cursor = new Int32Array(H);
    const retries = Math.max(1, Math.floor(retry_count));
    const extraDestinations =
      host_choice === 'retry'
        ? (_i: number, source: number) => {
            const picked: number[] = [];
            for (let n = 0; n < retries && H > 1; n++) {
              const d = random.int(0, H - 1);
              picked.push(d >= source ? d + 1 : d);
            }
            return picked;
          }
        : host_choice === 'cycle'
          ? (_i: number, source: number) => {
              cursor[source] = (cursor[source]! + 1) % H;
              if (cursor[source] === source) cursor[source] = (cursor[source] + 1) % H;
              return [cursor[source]];
            }
          : undefined;

    const outcome = stabilize({
      metricCount: M,
      hostCount: H,
      load,
      scale,
      weights: Float64Array.from(
        balanced,
        (metric) => (weights as Record<string, number | undefined>)[`${metric}_weight`] ?? 1,
      ),
      thresholds: Float64Array.from(balanced, (metric) => thresholds[metric] ?? 0.1),
      instanceCount: I,
      amount,
      ...candidates,
      accepts: (i, h) => solution.refuseMigration(instances[i]!, hosts[h]!.hostname, 'live') === undefined,
      fullSearch: host_choice === 'fullsearch',
      ...(extraDestinations && { extraDestinations }),
      commit: (i, h) => {
        const outcome = solution.migrate(model.getInstance(instances[i]!.uuid)!, {
          to: hosts[h]!.hostname,
          live: true,
        });
        if (!outcome.ok) log.warn({ instance: instances[i]!.uuid, rule: outcome.rule }, outcome.reason);
        return outcome.ok;
      },
      signal,
    });
    solution.indicator('instance_migrations_count', outcome.moves);
    solution.indicator('instances_count', model.instanceCount);
    solution.indicator('standard_deviation_before_audit', outcome.weightedBefore);
    solution.indicator('standard_deviation_after_audit', outcome.weightedAfter);
    log.info(
      {
        hosts: H,
        instances: I,
        migrations: outcome.moves,
        before: outcome.weightedBefore,
        after: outcome.weightedAfter,
        balanced: outcome.balanced,
      },
      outcome.triggered ? 'workload_stabilization planned' : 'the cluster is balanced already',
    );
  },
});

const defaultHostMetric = (metric: InstanceMetric): MetricName =>
  metric === 'instance_cpu_usage' ? 'host_cpu_usage' : 'host_ram_usage';

/** Reads one metric for many resources; resources without data are absent (upstream skips them). */
async function readStatistics(
  source: MetricsSource | undefined,
  metric: MetricName,
  resources: readonly MetricResource[],
  options: { periodSeconds: number; aggregate: Aggregate },
): Promise<Map<string, number>> {
  if (!source)
    throw new StewardError(
      'unavailable',
      'METRIC_UNAVAILABLE',
      `no datasource is configured to serve ${metric}`,
      { details: { metric } },
    );
  return resources.length === 0 ? new Map() : source.statistics(resources, metric, options);
}
