/** How the contract suite (test/contracts/strategies.test.ts) exercises this plugin; it fails when this file is missing. */
import type { StrategyContractOptions } from '../../test/contracts/strategy.contract.js';

// The contract's busy host moves about 36 CFM of air: under upstream's 40 CFM default, so the threshold is lowered.
export const fixture = {
  readsModel: true,
  parameters: { threshold_airflow: 350 },
} satisfies StrategyContractOptions;
