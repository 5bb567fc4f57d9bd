/** The strategy registry: only strategies that work end to end are listed. */
import { createRegistry } from '../lib/registry.js';
import { actuator } from './actuator.js';
import { basicConsolidation } from './basic-consolidation.js';
import { dummy } from './dummy.js';
import { dummyWithResize } from './dummy-with-resize.js';
import { dummyWithScorer } from './dummy-with-scorer.js';
import { hostMaintenance } from './host-maintenance.js';
import { hostPressure } from './host-pressure.js';
import { nodeResourceConsolidation } from './node-resource-consolidation.js';
import { noisyNeighbor } from './noisy-neighbor.js';
import { outletTemperature } from './outlet-temperature.js';
import { savingEnergy } from './saving-energy.js';
import { slaNoisyNeighbor } from './sla-noisy-neighbor.js';
import { storageCapacityBalance } from './storage-capacity-balance.js';
import type { Strategy } from './strategy.js';
import { uniformAirflow } from './uniform-airflow.js';
import { vmWorkloadConsolidation } from './vm-workload-consolidation.js';
import { workloadBalance } from './workload-balance.js';
import { workloadStabilization } from './workload-stabilization.js';
import { zoneMigration } from './zone-migration.js';

export const strategies = createRegistry<Strategy>('strategy', [
  dummy,
  dummyWithScorer,
  dummyWithResize,
  actuator,
  basicConsolidation,
  vmWorkloadConsolidation,
  nodeResourceConsolidation,
  savingEnergy,
  workloadBalance,
  workloadStabilization,
  zoneMigration,
  hostMaintenance,
  hostPressure,
  storageCapacityBalance,
  outletTemperature,
  uniformAirflow,
  noisyNeighbor,
  slaNoisyNeighbor,
]);
