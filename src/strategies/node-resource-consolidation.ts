import { Type } from 'typebox';
import { serverConsolidation } from '../goals/server-consolidation.js';
import { participatingHosts, planConsolidation } from './consolidation-plan.js';
import { defineStrategy } from './strategy.js';

const REASON = 'Watcher node resource consolidation strategy';

/**
 * Description: consolidates by allocation only (no datasource): empties the hosts that are cheapest to empty into
 * the others' free VCPU, MEMORY_MB and DISK_GB.
 * Requirements: none.
 * Limitations: with `host_choice: auto` Nova's scheduler picks each destination among the hosts left enabled; the
 * packing the strategy found proves there is room, but the scheduler's weighers may place differently.
 */
export const nodeResourceConsolidation = defineStrategy({
  name: 'node_resource_consolidation',
  goal: serverConsolidation,
  displayName: 'Node Resource Consolidation strategy',
  parameters: Type.Object({
    host_choice: Type.Optional(
      Type.String({
        description:
          'The way to select the server migration destination node. The value auto means that Nova scheduler selects the destination node, and specify means the strategy specifies the destination.',
        enum: ['auto', 'specify'],
        default: 'auto',
      }),
    ),
  }),
  metrics: [],
  supportLevel: 'core',
  planner: 'node_resource_consolidation',
  docs: {
    description:
      'Consolidates by flavor allocation alone: finds the fewest hosts the instances fit on (best fit decreasing with one-step ejections, retrying with one more kept host until it packs) and empties the others. With `host_choice: auto` (upstream’s default) it disables the hosts it empties and the empty ones first, migrates without a destination so Nova’s scheduler can only choose the kept hosts, then re-enables them; with `specify` every migration names its destination.',
    requirements: 'None (no datasource).',
    limitations:
      'Measured load is not considered: hosts may end up busy. With `auto` the scheduler may place differently from the packing found; the released count is what the packing proves possible, and the plan validator cannot check moves without a destination.',
  },
  execute({ model, solution, log, signal }, { host_choice = 'auto' }) {
    const auto = host_choice === 'auto';
    const emptyAtStart = participatingHosts(model)
      .filter((node) => model.instancesOn(node.hostname).length === 0)
      .map((node) => node.hostname);
    const outcome = planConsolidation(
      model,
      solution,
      {
        dimensions: ['vcpu_allocation', 'memory_allocation', 'disk_allocation'],
        letNovaChoose: auto,
        signal,
      },
      log,
    );
    if (auto) {
      // The planner runs the disables first (heavier), so the scheduler only sees the kept hosts. The first
      // re-enable waits for every migration and the others for it: the same order with M + H edges, not M × H.
      let firstEnable: number | undefined;
      for (const hostname of [...outcome.released, ...emptyAtStart]) {
        if (!solution.changeServiceState(hostname, 'disabled', REASON).ok) continue;
        const enabled = solution.enableComputeService(hostname, {
          after: firstEnable === undefined ? outcome.moveIndexes : [firstEnable],
        });
        if (enabled.ok) firstEnable ??= enabled.index;
      }
    }
    solution.indicator('compute_nodes_count', outcome.hosts.length);
    solution.indicator('released_compute_nodes_count', outcome.released.length);
    solution.indicator('instance_migrations_count', outcome.migrations);
    return Promise.resolve();
  },
});
