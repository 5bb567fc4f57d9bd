/** How the contract suite (test/contracts/strategies.test.ts) exercises this plugin; it fails when this file is missing. */
import type { StrategyContractOptions } from '../../test/contracts/strategy.contract.js';

export const fixture = { readsModel: true } satisfies StrategyContractOptions;
