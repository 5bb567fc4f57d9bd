import { Type } from 'typebox';
import { thermalOptimization } from '../goals/thermal-optimization.js';
import { readHosts, type HostReading } from './host-readings.js';
import { refuseInstanceMove } from './nova-rules.js';
import { isAuditLimit, isSchedulable } from './solution-builder.js';
import { defineStrategy } from './strategy.js';

/**
 * Description: upstream's outlet temperature control. Hosts whose outlet (exhaust) air is at or over `threshold` are
 * hot; one instance of the hottest host goes, by live migration, to the coolest host that takes it.
 * Requirements: host_outlet_temp from the datasource (IPMI through Ceilometer).
 * Limitations: one migration per audit, as upstream (it cannot forecast the temperature a move leaves): run it as a
 * continuous audit.
 */
export const outletTemperature = defineStrategy({
  name: 'outlet_temperature',
  goal: thermalOptimization,
  displayName: 'Outlet temperature based strategy',
  parameters: Type.Object({
    threshold: Type.Optional(
      Type.Number({ description: 'temperature threshold for migration', default: 35.0 }),
    ),
    period: Type.Optional(
      Type.Number({
        description: 'The time interval in seconds for getting statistic aggregation',
        default: 30,
        exclusiveMinimum: 0,
      }),
    ),
    granularity: Type.Optional(
      Type.Number({
        description: 'The time between two measures in an aggregated timeseries of a metric.',
        default: 300,
        minimum: 1,
      }),
    ),
  }),
  metrics: ['host_outlet_temp'],
  supportLevel: 'experimental',
  planner: 'weight',
  docs: {
    description:
      'Reads each enabled, up host’s mean outlet temperature over `period`. Hosts at or over `threshold` are hot, the others are targets. From the hottest host it live-migrates its first instance that can move to the coolest target with room for it, as upstream. Where upstream gives up when that instance fits no target (or plans a move Nova refuses: a locked instance, an anti-affinity group, a missing trait), Steward tries the host’s next instance, then the next hottest host, so the audit plans the one move upstream meant whenever one exists.',
    requirements:
      'A datasource serving host_outlet_temp (Prometheus: Ceilometer’s `hardware.ipmi.node.outlet_temperature` meter, from the IPMI agent on each compute host with Intel Node Manager). At least two compute hosts.',
    limitations:
      'One migration per audit, as upstream: it cannot forecast the temperature a move leaves, so run it as a continuous audit. Hosts without a reading over `period` are left out (IPMI meters are often polled every few minutes: raise `period` above that interval). `granularity` is accepted for compatibility; Prometheus aggregates over `period` alone.',
  },
  async execute({ model, metrics, solution, log, signal }, { threshold = 35.0, period = 30 }) {
    signal.throwIfAborted();
    const hosts = [...model.nodes()].filter(isSchedulable);
    const readings = await readHosts(metrics, 'host_outlet_temp', hosts, period, log);
    signal.throwIfAborted();
    const hot = readings.filter((reading) => reading.value >= threshold).sort(hottestFirst);
    const targets = readings.filter((reading) => reading.value < threshold).sort(coolestFirst);
    solution.indicator('compute_nodes_count', readings.length);
    solution.indicator('hot_compute_nodes_count', hot.length);
    let moved: string | undefined;
    if (targets.length === 0 && hot.length > 0)
      log.warn({ threshold }, 'every host is at or over the outlet temperature threshold: no target');
    search: for (const source of hot) {
      for (const instance of model.instancesOn(source.node.hostname)) {
        // Upstream takes the first ACTIVE, not excluded instance; the builder's rules also catch what Nova refuses.
        if (instance.state !== 'active' || refuseInstanceMove(instance, 'live')) continue;
        for (const target of targets) {
          const outcome = solution.migrate(instance, { to: target.node.hostname, live: true });
          if (!outcome.ok && isAuditLimit(outcome.rule)) break search;
          if (!outcome.ok) continue;
          log.info(
            {
              instance: instance.uuid,
              from: source.node.hostname,
              to: target.node.hostname,
              outlet: source.value,
              targetOutlet: target.value,
            },
            'moving an instance off the hottest host',
          );
          moved = source.node.hostname;
          break search;
        }
      }
    }
    solution.indicator('relieved_compute_nodes_count', moved === undefined ? 0 : 1);
    solution.indicator('instance_migrations_count', moved === undefined ? 0 : 1);
  },
});

const hottestFirst = (a: HostReading, b: HostReading): number =>
  b.value - a.value || a.node.hostname.localeCompare(b.node.hostname);
const coolestFirst = (a: HostReading, b: HostReading): number =>
  a.value - b.value || a.node.hostname.localeCompare(b.node.hostname);
