import { Type } from 'typebox';
import { noisyNeighbor as noisyNeighborGoal } from '../goals/noisy-neighbor.js';
import type { Instance } from '../model/elements.js';
import { requireStatistics } from './consolidation-plan.js';
import { refuseInstanceMove } from './nova-rules.js';
import { isAuditLimit } from './solution-builder.js';
import { defineStrategy } from './strategy.js';

/** Upstream's priority of an instance without `watcher-priority` metadata; a lower number is a higher priority. */
const DEFAULT_PRIORITY = 5;

/**
 * Description: upstream's noisy neighbour (deprecated upstream in 2025.2, to be removed in 2026.2). On each host, the
 * highest-priority instance whose L3 cache occupancy fell by more than `cache_threshold` % over the last `period`
 * is a victim; a lower-priority neighbour whose occupancy rose by as much is its noisy neighbour, and moves away.
 * Requirements: instance_l3_cache_usage (Intel CMT) from the datasource.
 * Limitations: one migration per audit, as upstream.
 */
export const noisyNeighbor = defineStrategy({
  name: 'noisy_neighbor',
  goal: noisyNeighborGoal,
  displayName: 'Noisy Neighbor',
  parameters: Type.Object({
    cache_threshold: Type.Optional(
      Type.Number({ description: 'Performance drop in L3_cache threshold for migration', default: 35.0 }),
    ),
    period: Type.Optional(
      Type.Number({
        description: 'Aggregate time period of ceilometer and gnocchi',
        default: 100.0,
        exclusiveMinimum: 0,
      }),
    ),
  }),
  metrics: ['instance_l3_cache_usage'],
  supportLevel: 'deprecated',
  planner: 'weight',
  docs: {
    description:
      'Deprecated upstream (2025.2; removal planned for 2026.2) and kept for compatibility. For every instance it reads the mean L3 cache occupancy over the last `period` (current) and over the last 2 × `period`, from which the mean over the `period` before follows (previous = 2 × mean over 2 × `period` − current), as upstream. On each host with more than one instance, ordered by the `watcher-priority` metadata (a lower number is a higher priority; 5 without it), the first instance whose current occupancy is below (1 − `cache_threshold` / 100) × previous is the priority instance; the lowest-priority neighbour after it whose current occupancy is above (1 + `cache_threshold` / 100) × previous is its noisy neighbour. Of the hosts with such a pair, the one whose priority instance ranks highest (then the largest drop) gives up its noisy neighbour: one live migration to the first host, in the model’s order, that takes it.',
    requirements:
      'A datasource serving instance_l3_cache_usage (Prometheus: Ceilometer’s `cpu_l3_cache` meter, from Intel CMT through libvirt perf events). Nova and the Linux kernel dropped CMT perf events (Nova Victoria), so few clouds still have it; the simulated cloud does.',
    limitations:
      'One migration per audit, as upstream. Only the first priority instance of a host is looked at, as upstream. Where upstream would pick a noisy neighbour Nova will not live-migrate (locked, excluded, not active) the next candidate is taken; where it ranked hosts by comparing instance objects, Steward ranks them by the priority instance’s priority. The priority metadata is read as a number (upstream sorted the strings). Shown as deprecated in the support matrix and in `openstack optimize strategy state`.',
  },
  async execute({ model, metrics, solution, log, signal }, { cache_threshold = 35.0, period = 100.0 }) {
    signal.throwIfAborted();
    log.warn(
      { strategy: 'noisy_neighbor' },
      'noisy_neighbor is deprecated upstream (2025.2, removal planned for 2026.2)',
    );
    const hosts = [...model.nodes()];
    const instances = hosts.flatMap((node) => model.instancesOn(node.hostname));
    solution.indicator('instances_count', instances.length);
    solution.indicator('noisy_neighbour_victims_count', 0);
    solution.indicator('noisy_neighbours_moved_count', 0);
    const resources = instances.map((instance) => ({ kind: 'instance' as const, uuid: instance.uuid }));
    const [recent, twoPeriods] = await Promise.all([
      requireStatistics(metrics, 'instance_l3_cache_usage', resources, {
        periodSeconds: period,
        aggregate: 'mean',
      }),
      requireStatistics(metrics, 'instance_l3_cache_usage', resources, {
        periodSeconds: 2 * period,
        aggregate: 'mean',
      }),
    ]);
    signal.throwIfAborted();
    const change = (instance: Instance) => {
      const current = recent.get(instance.uuid)!;
      return { current, previous: 2 * twoPeriods.get(instance.uuid)! - current };
    };
    const fell = (instance: Instance) => {
      const { current, previous } = change(instance);
      return current < (1 - cache_threshold / 100) * previous;
    };
    const rose = (instance: Instance) => {
      const { current, previous } = change(instance);
      return current > (1 + cache_threshold / 100) * previous;
    };
    const movable = (instance: Instance) =>
      instance.state === 'active' && refuseInstanceMove(instance, 'live') === undefined;

    const pairs: { hostname: string; victim: Instance; noisy: Instance }[] = [];
    for (const node of hosts) {
      const onHost = model.instancesOn(node.hostname);
      if (onHost.length < 2) continue;
      // A stable sort: instances of equal priority keep the model's order, as upstream's sort does.
      const byPriority = [...onHost].sort((a, b) => priorityOf(a) - priorityOf(b));
      const victimAt = byPriority.findIndex(fell);
      if (victimAt < 0) continue;
      // Upstream looks from the lowest priority back towards the victim, and stops there.
      for (let k = byPriority.length - 1; k > victimAt; k--) {
        const candidate = byPriority[k]!;
        if (!rose(candidate) || !movable(candidate)) continue;
        pairs.push({ hostname: node.hostname, victim: byPriority[victimAt]!, noisy: candidate });
        break;
      }
    }
    solution.indicator('noisy_neighbour_victims_count', pairs.length);
    if (pairs.length === 0) return;
    const drop = (instance: Instance) => {
      const { current, previous } = change(instance);
      return previous > 0 ? 1 - current / previous : 0;
    };
    pairs.sort(
      (a, b) =>
        priorityOf(a.victim) - priorityOf(b.victim) ||
        drop(b.victim) - drop(a.victim) ||
        a.hostname.localeCompare(b.hostname),
    );
    const sources = new Set(pairs.map((pair) => pair.hostname));
    for (const pair of pairs) {
      // Upstream's targets: every host without a victim, in the model's order; the builder keeps Nova's rules.
      for (const node of hosts) {
        if (sources.has(node.hostname)) continue;
        const outcome = solution.migrate(pair.noisy, { to: node.hostname, live: true });
        if (!outcome.ok && isAuditLimit(outcome.rule)) return;
        if (!outcome.ok) continue;
        log.info(
          { noisy: pair.noisy.uuid, victim: pair.victim.uuid, from: pair.hostname, to: node.hostname },
          'moving a noisy neighbour away from its victim',
        );
        solution.indicator('noisy_neighbours_moved_count', 1);
        return;
      }
    }
  },
});

/** `watcher-priority` metadata as a number; without it (or unreadable), upstream's default. */
function priorityOf(instance: Instance): number {
  const raw = instance.metadata['watcher-priority'];
  const value = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(value) ? value : DEFAULT_PRIORITY;
}
