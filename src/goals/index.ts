/** The goal registry: every goal Steward knows, in one list (synced to the store at start-up). */
import { createRegistry } from '../lib/registry.js';
import { dummy } from './dummy.js';
import { unclassified } from './unclassified.js';
import { serverConsolidation } from './server-consolidation.js';
import { thermalOptimization } from './thermal-optimization.js';
import { workloadBalancing } from './workload-balancing.js';
import { airflowOptimization } from './airflow-optimization.js';
import { noisyNeighbor } from './noisy-neighbor.js';
import { savingEnergy } from './saving-energy.js';
import { hardwareMaintenance } from './hardware-maintenance.js';
import { clusterMaintaining } from './cluster-maintaining.js';
import { serviceLevel } from './service-level.js';
import type { Goal } from './goal.js';

export const goals = createRegistry<Goal>('goal', [
  dummy,
  unclassified,
  serverConsolidation,
  thermalOptimization,
  workloadBalancing,
  airflowOptimization,
  noisyNeighbor,
  savingEnergy,
  hardwareMaintenance,
  clusterMaintaining,
  serviceLevel,
]);
