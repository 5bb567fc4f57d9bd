/** How the contract suite (test/contracts/strategies.test.ts) exercises this plugin; it fails when this file is missing. */
import type { StrategyContractOptions } from '../../test/contracts/strategy.contract.js';

/** Its fixed uuids exist in no model (upstream's test strategy), so the validator clause is waived. */
export const fixture = { readsModel: false, plansUnknownResources: true } satisfies StrategyContractOptions;
