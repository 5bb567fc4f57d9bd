/** The strategy registry: only strategies that work end to end are listed. */
import { createRegistry } from '../lib/registry.js';
import { actuator } from './actuator.js';
import { dummy } from './dummy.js';
import { dummyWithResize } from './dummy-with-resize.js';
import { dummyWithScorer } from './dummy-with-scorer.js';
import type { Strategy } from './strategy.js';

export const strategies = createRegistry<Strategy>('strategy', [
  dummy,
  dummyWithScorer,
  dummyWithResize,
  actuator,
]);
