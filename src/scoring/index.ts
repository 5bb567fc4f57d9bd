import { createRegistry } from '../lib/registry.js';
import {
  dummyAvgScorer,
  dummyMaxScorer,
  dummyMinScorer,
  dummyScorer,
  type ScoringEngine,
} from './scoring-engine.js';

/** Every scoring engine, synced to the store at start-up and shown by `/v1/scoring_engines`. */
export const scoringEngines = createRegistry<ScoringEngine>('scoring engine', [
  dummyScorer,
  dummyMinScorer,
  dummyMaxScorer,
  dummyAvgScorer,
]);
