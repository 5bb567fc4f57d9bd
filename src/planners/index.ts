import { createRegistry } from '../lib/registry.js';
import { dependencyPlanner } from './dependency.js';
import type { Planner } from './planner.js';
import { createWeightPlanner, weightPlanner } from './weight.js';
import { workloadStabilizationPlanner } from './workload-stabilization.js';

/** Planners by name; a strategy names the one its plans need. */
/**
 * node_resource_consolidation's plan: every disable at once, then the migrations, then every re-enable at once (the
 * re-enables wait for the migrations through the solution's ordering edges).
 */
export const nodeResourceConsolidationPlanner = createWeightPlanner({
  name: 'node_resource_consolidation',
  parallelization: { change_nova_service_state: Number.MAX_SAFE_INTEGER },
});

export const planners = createRegistry<Planner>('planner', [
  weightPlanner,
  nodeResourceConsolidationPlanner,
  workloadStabilizationPlanner,
  dependencyPlanner,
]);
