/** How the contract suite (test/contracts/strategies.test.ts) exercises this plugin; it fails when this file is missing. */
import type { StrategyContractOptions } from '../../test/contracts/strategy.contract.js';

/** Maintain the busy host of the contract's cluster, backed up by the idle one. */
export const fixture = {
  readsModel: true,
  parameters: { maintenance_node: 'busy', backup_node: 'idle' },
} satisfies StrategyContractOptions;
