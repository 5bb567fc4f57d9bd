import { createRegistry } from '../../lib/registry.js';
import type { ActionType } from '../action-type.js';
import { addTrait } from './add-trait.js';
import { changeNodePowerState } from './change-node-power-state.js';
import { changeNovaServiceState } from './change-nova-service-state.js';
import { migrate } from './migrate.js';
import { nop } from './nop.js';
import { removeTrait } from './remove-trait.js';
import { resize } from './resize.js';
import { sleep } from './sleep.js';
import { start } from './start.js';
import { stop } from './stop.js';
import { volumeMigrate } from './volume-migrate.js';

/** Every action type the applier can execute. */
export const actionTypes = createRegistry<ActionType>('action type', [
  nop,
  sleep,
  migrate,
  resize,
  changeNovaServiceState,
  changeNodePowerState,
  stop,
  start,
  volumeMigrate,
  addTrait,
  removeTrait,
]);
