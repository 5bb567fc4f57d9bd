/** How the contract suite (test/contracts/strategies.test.ts) exercises this plugin; it fails when this file is missing. */
import type { StrategyContractOptions } from '../../test/contracts/strategy.contract.js';

/** Empty the busy host of the contract's cluster into the idle one. */
export const fixture = {
  readsModel: true,
  parameters: { compute_nodes: [{ src_node: 'busy', dst_node: 'idle' }] },
} satisfies StrategyContractOptions;
