/** How the contract suite (test/contracts/strategies.test.ts) exercises this plugin; it fails when this file is missing. */
import type { StrategyContractOptions } from '../../test/contracts/strategy.contract.js';

export const fixture = {
  readsModel: false,
  parameters: { actions: [{ action_type: 'nop', input_parameters: { message: 'from the contract' } }] },
} satisfies StrategyContractOptions;
