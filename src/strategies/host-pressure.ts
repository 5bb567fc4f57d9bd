import { Type, type Static } from 'typebox';
import type { MetricName } from '../datasources/metrics-source.js';
import { clusterMaintaining } from '../goals/cluster-maintaining.js';
import { readHosts } from './host-readings.js';
import { defineStrategy } from './strategy.js';

/** Each PSI resource: the metric read, the Placement trait it drives (os-traits' names), its parameter key. */
export const PRESSURES = [
  { key: 'cpu', metric: 'host_pressure_cpu', trait: 'PRESSURE_CPU' },
  { key: 'memory', metric: 'host_pressure_memory', trait: 'PRESSURE_MEMORY' },
  { key: 'io', metric: 'host_pressure_io', trait: 'PRESSURE_DISK' },
] as const satisfies readonly { key: string; metric: MetricName; trait: string }[];

const threshold = (resource: string) =>
  Type.Number({
    description: `Mean ${resource} pressure (PSI "some", the fraction of time a task stalled, 0..1) over the period at or above which the host gets the trait`,
    minimum: 0,
    maximum: 1,
    default: 0.1,
  });

const parameters = Type.Object({
  period: Type.Optional(
    Type.Integer({
      description: 'The window in seconds over which each host’s mean pressure is taken',
      minimum: 1,
      default: 300,
    }),
  ),
  thresholds: Type.Optional(
    Type.Object(
      {
        cpu: Type.Optional(threshold('CPU')),
        memory: Type.Optional(threshold('memory')),
        io: Type.Optional(threshold('I/O')),
      },
      {
        description: 'Pressure at or above which PRESSURE_CPU, PRESSURE_MEMORY and PRESSURE_DISK are set',
        additionalProperties: false,
        default: {},
      },
    ),
  ),
  hysteresis: Type.Optional(
    Type.Number({
      description:
        'A trait is cleared only when the pressure falls below threshold × (1 − hysteresis), so a host hovering at its threshold does not flap',
      minimum: 0,
      exclusiveMaximum: 1,
      default: 0.5,
    }),
  ),
});

export type HostPressureParameters = Static<typeof parameters>;

/**
 * Description: marks hosts under resource pressure in Placement so Nova's scheduler (pressure-avoiding weigher) sends
 * new servers elsewhere: PRESSURE_CPU, PRESSURE_MEMORY, PRESSURE_DISK set at a threshold, cleared below a lower one.
 * Requirements: host_pressure_cpu, host_pressure_memory and host_pressure_io (node_exporter's PSI counters).
 * Limitations: it moves nothing; the traits only steer placements made after the plan runs.
 */
export const hostPressure = defineStrategy({
  name: 'host_pressure',
  goal: clusterMaintaining,
  displayName: 'Host pressure traits',
  parameters,
  metrics: PRESSURES.map((pressure) => pressure.metric),
  supportLevel: 'experimental',
  planner: 'weight',
  docs: {
    description: [
      'Reads each host’s mean PSI pressure ("some": the fraction of time at least one task stalled) for CPU, memory and I/O over `period`, and keeps the 2025.2 pressure traits on the host’s Placement resource provider in step: `add_trait` PRESSURE_CPU / PRESSURE_MEMORY / PRESSURE_DISK (I/O) when the pressure is at or above its `thresholds` entry and the host lacks the trait, `remove_trait` when the host has it and the pressure is below `threshold × (1 − hysteresis)`. Between the two the trait stays as it is, so a host hovering around its threshold does not flap from one audit to the next. Nova’s scheduler weighs hosts with these traits down for new servers (the simulated cloud’s pressure-avoiding weigher); nothing is moved.',
      '',
      'Goal: `cluster_maintaining`. Upstream has no goal for scheduler hints; the traits keep the cluster in shape rather than optimise one measure, and upstream puts its other housekeeping strategy (`host_maintenance`) there. Run it as a continuous audit with `force_refresh`, or with a model sync shorter than the audit interval: Placement sends no notification, so a decision engine whose process does not also run the applier learns the traits a plan set only from its next sync (in one process the applier re-reads each node it changed).',
    ].join('\n'),
    requirements:
      'A datasource serving host_pressure_cpu, host_pressure_memory and host_pressure_io (Prometheus: node_exporter’s `node_pressure_*_waiting_seconds_total`, kernel PSI, Linux ≥ 4.20). Placement microversion ≥ 1.6 for provider traits.',
    limitations:
      'Hosts with no reading are left as they are (logged); no reading at all fails the audit. The traits steer new placements only: relieving a pressured host is for the balancing strategies. The model’s traits must be fresh (see above), or a trait set by another actor may be set again (the action is then skipped) or a cleared one not re-set until the next sync.',
  },
  async execute({ model, metrics, solution, log, signal }, params) {
    signal.throwIfAborted();
    const period = params.period ?? 300;
    const hysteresis = params.hysteresis ?? 0.5;
    const nodes = [...model.nodes()].filter((node) => node.state === 'up' && node.powerState !== 'off');
    for (const pressure of PRESSURES) {
      const set = params.thresholds?.[pressure.key] ?? 0.1;
      const clear = set * (1 - hysteresis);
      const readings = await readHosts(metrics, pressure.metric, nodes, period, log);
      signal.throwIfAborted();
      for (const { node, value } of readings) {
        const has = node.traits.includes(pressure.trait);
        const action = !has && value >= set ? 'add_trait' : has && value < clear ? 'remove_trait' : undefined;
        if (action === undefined) continue;
        const outcome = solution.add(action, {
          resource_id: node.uuid,
          trait: pressure.trait,
          resource_name: node.hostname,
        });
        if (outcome.ok)
          log.info({ host: node.hostname, trait: pressure.trait, pressure: value, set, clear }, action);
      }
    }
  },
});
