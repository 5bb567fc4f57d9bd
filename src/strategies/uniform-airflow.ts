import { Type } from 'typebox';
import { airflowOptimization } from '../goals/airflow-optimization.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { Instance } from '../model/elements.js';
import { readHosts, type HostReading } from './host-readings.js';
import { refuseInstanceMove } from './nova-rules.js';
import { isAuditLimit, isSchedulable, SolutionBuilder } from './solution-builder.js';
import { defineStrategy, type StrategyLog } from './strategy.js';

/**
 * Description: upstream's uniform airflow. Hosts whose airflow is at or over `threshold_airflow` shed load to the
 * hosts below it, the one with most airflow first: one instance, or every instance when the host draws little
 * power from cool air (its fans are the problem, not its load).
 * Requirements: host_airflow, host_inlet_temp and host_power from the datasource (IPMI, Intel Node Manager).
 * Limitations: as upstream, one host per audit and no forecast of the airflow a move leaves.
 */
export const uniformAirflow = defineStrategy({
  name: 'uniform_airflow',
  goal: airflowOptimization,
  displayName: 'Uniform airflow migration strategy',
  parameters: Type.Object({
    threshold_airflow: Type.Optional(
      Type.Number({ description: 'airflow threshold for migration, Unit is 0.1CFM', default: 400.0 }),
    ),
    threshold_inlet_t: Type.Optional(
      Type.Number({ description: 'inlet temperature threshold for migration decision', default: 28.0 }),
    ),
    threshold_power: Type.Optional(
      Type.Number({ description: 'system power threshold for migration decision', default: 350.0 }),
    ),
    period: Type.Optional(
      Type.Number({ description: 'aggregate time period of ceilometer', default: 300, exclusiveMinimum: 0 }),
    ),
    granularity: Type.Optional(
      Type.Number({
        description: 'The time between two measures in an aggregated timeseries of a metric.',
        default: 300,
        minimum: 1,
      }),
    ),
  }),
  metrics: ['host_airflow', 'host_inlet_temp', 'host_power'],
  supportLevel: 'experimental',
  planner: 'weight',
  docs: {
    description:
      'Reads each enabled, up host’s mean airflow over `period`. Hosts at or over `threshold_airflow` are sources, the others targets. The source with the most airflow is relieved, as upstream: when it draws less than `threshold_power` from air cooler than `threshold_inlet_t`, its airflow is a hardware matter (its fans), and every instance that can move leaves it; otherwise its first instance that can move leaves. The instances, largest first, go to the targets in order of least airflow, each to the first that takes it; when one of them fits nowhere, nothing moves (upstream’s all or nothing). Sources without an instance that can move are passed over for the next one.',
    requirements:
      'A datasource serving host_airflow, host_inlet_temp and host_power (Prometheus: Ceilometer’s `hardware.ipmi.node.airflow`, `.temperature` and `.power` meters, from the IPMI agent on each compute host with Intel Node Manager 3.0). At least two compute hosts.',
    limitations:
      'One source host per audit, as upstream: it cannot forecast the airflow a move leaves, so run it as a continuous audit. Locked, excluded or non-active instances never move (upstream listed them when evacuating a host, and Nova refused the plan); room is Placement’s (allocation ratios and reserved resources), not upstream’s raw capacity. Hosts without an airflow reading over `period` are left out.',
  },
  async execute(
    { model, metrics, solution, log, signal },
    { threshold_airflow = 400.0, threshold_inlet_t = 28.0, threshold_power = 350.0, period = 300 },
  ) {
    signal.throwIfAborted();
    const hosts = [...model.nodes()].filter(isSchedulable);
    const airflow = await readHosts(metrics, 'host_airflow', hosts, period, log);
    signal.throwIfAborted();
    const sources = airflow.filter((reading) => reading.value >= threshold_airflow).sort(mostFirst);
    const targets = airflow.filter((reading) => reading.value < threshold_airflow).sort(leastFirst);
    solution.indicator('compute_nodes_count', airflow.length);
    solution.indicator('hot_compute_nodes_count', sources.length);
    solution.indicator('relieved_compute_nodes_count', 0);
    solution.indicator('instance_migrations_count', 0);
    if (sources.length === 0 || targets.length === 0) {
      if (sources.length > 0) log.warn({ threshold_airflow }, 'no host has airflow under the threshold');
      return;
    }
    const movable = (instance: Instance) =>
      instance.state === 'active' && refuseInstanceMove(instance, 'live') === undefined;
    for (const source of sources) {
      const candidates = model.instancesOn(source.node.hostname).filter(movable);
      if (candidates.length === 0) continue;
      const host = { kind: 'host' as const, hostname: source.node.hostname };
      const options = { periodSeconds: period, aggregate: 'mean' as const };
      // readHosts has thrown unless a datasource is configured.
      const [inlet, power] = await Promise.all([
        metrics!.statistic(host, 'host_inlet_temp', options),
        metrics!.statistic(host, 'host_power', options),
      ]);
      signal.throwIfAborted();
      if (inlet === undefined || power === undefined)
        log.warn(
          { source: source.node.hostname, inlet, power },
          'no inlet temperature or power reading: moving one instance, as for a loaded host',
        );
      const hardwareIssue =
        inlet !== undefined && power !== undefined && power < threshold_power && inlet < threshold_inlet_t;
      const leaving = hardwareIssue ? candidates : candidates.slice(0, 1);
      const placed = placeAll(model, solution, leaving, targets);
      if (!placed) {
        log.warn(
          { source: source.node.hostname, instances: leaving.length },
          'not every instance found a target with room: nothing moves',
        );
        return;
      }
      let moved = 0;
      for (const [instance, to] of placed) {
        const outcome = solution.migrate(instance, { to, live: true });
        if (outcome.ok) moved += 1;
        else if (isAuditLimit(outcome.rule)) break;
      }
      logMoves(log, source, hardwareIssue, moved);
      solution.indicator('relieved_compute_nodes_count', moved > 0 ? 1 : 0);
      solution.indicator('instance_migrations_count', moved);
      return;
    }
  },
});

/**
 * Upstream's destination search: the instances, largest first, each to the first target (least airflow first) with
 * room after the ones before it. Tried on a scratch copy of the plan so far, so it is all or nothing: the moves, or
 * undefined when one instance fits nowhere.
 */
function placeAll(
  model: ClusterModel,
  solution: SolutionBuilder,
  instances: readonly Instance[],
  targets: readonly HostReading[],
): [Instance, string][] | undefined {
  const trial = new SolutionBuilder(model.clone(), solution.limits);
  const placed: [Instance, string][] = [];
  const largestFirst = [...instances].sort((a, b) => b.vcpus - a.vcpus);
  for (const instance of largestFirst) {
    const target = targets.find(
      (candidate) => trial.migrate(instance, { to: candidate.node.hostname, live: true }).ok,
    );
    if (!target) return undefined;
    placed.push([instance, target.node.hostname]);
  }
  return placed;
}

function logMoves(log: StrategyLog, source: HostReading, hardwareIssue: boolean, moved: number): void {
  log.info(
    { source: source.node.hostname, airflow: source.value, hardwareIssue, moved },
    hardwareIssue
      ? 'airflow high at low power from cool air: moving every instance off the host'
      : 'moving an instance off the host with the most airflow',
  );
}

const mostFirst = (a: HostReading, b: HostReading): number =>
  b.value - a.value || a.node.hostname.localeCompare(b.node.hostname);
const leastFirst = (a: HostReading, b: HostReading): number =>
  a.value - b.value || a.node.hostname.localeCompare(b.node.hostname);
