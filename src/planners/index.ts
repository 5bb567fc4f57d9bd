import { createRegistry } from '../lib/registry.js';
import type { Planner } from './planner.js';
import { weightPlanner } from './weight.js';

/** Planners by name; a strategy names the one its plans need. */
export const planners = createRegistry<Planner>('planner', [weightPlanner]);
