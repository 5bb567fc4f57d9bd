/** How the contract suite (test/contracts/strategies.test.ts) exercises this plugin; it fails when this file is missing. */
import type { StrategyContractOptions } from '../../test/contracts/strategy.contract.js';

/** Thresholds the contract cluster's busy host reaches (its CPU pressure is 0, its I/O pressure about 0.004). */
export const fixture = {
  readsModel: true,
  parameters: { thresholds: { io: 0.003 } },
} satisfies StrategyContractOptions;
