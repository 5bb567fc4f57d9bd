/** How the contract suite (test/contracts/actions.test.ts) exercises this plugin; it fails when this file is missing. */
import type { ActionContractFixture } from '../../../test/contracts/action.contract.js';

export const fixture = {
  parameters: { duration: 3 },
  needsCloud: false,
  waits: true,
} satisfies ActionContractFixture;
