/** How the contract suite (test/contracts/strategies.test.ts) exercises this plugin; it fails when this file is missing. */
import type { StrategyContractOptions } from '../../test/contracts/strategy.contract.js';

/** A steal threshold the contract cluster's busy host passes (its instances steal a tenth of its CPU use, ≈ 4 %). */
export const fixture = {
  readsModel: true,
  parameters: { cpu_steal_threshold: 3 },
} satisfies StrategyContractOptions;
