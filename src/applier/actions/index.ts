import { createRegistry } from '../../lib/registry.js';
import type { ActionType } from '../action-type.js';
import { changeNodePowerState } from './change-node-power-state.js';
import { changeNovaServiceState } from './change-nova-service-state.js';
import { migrate } from './migrate.js';
import { nop } from './nop.js';
import { resize } from './resize.js';
import { sleep } from './sleep.js';

/** Every action type the applier can execute. */
export const actionTypes = createRegistry<ActionType>('action type', [
  nop,
  sleep,
  migrate,
  resize,
  changeNovaServiceState,
  changeNodePowerState,
]);
