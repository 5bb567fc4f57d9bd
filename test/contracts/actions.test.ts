import { describe } from 'vitest';
import { actionTypes } from '../../src/applier/actions/index.js';
import { actionContract, type ActionContractFixture } from './action.contract.js';

/** How each registered action type is exercised; a type missing here fails the suite, so none escapes it. */
const FIXTURES: Record<string, ActionContractFixture> = {
  nop: { parameters: { message: 'contract' }, needsCloud: false, waits: false },
  sleep: { parameters: { duration: 3 }, needsCloud: false, waits: true },
  migrate: {
    parameters: {
      resource_id: '6ae05517-a512-462d-9d83-90c313b5a8ff',
      migration_type: 'live',
      source_node: 'compute2',
      destination_node: 'compute3',
    },
    needsCloud: true,
    waits: true,
  },
  resize: {
    parameters: { resource_id: '6ae05517-a512-462d-9d83-90c313b5a8ff', flavor: 'x2' },
    needsCloud: true,
    waits: true,
  },
};

describe('every registered action type honours the action contract', () => {
  for (const type of actionTypes.all) {
    const fixture = FIXTURES[type.name];
    if (!fixture) throw new Error(`action type ${type.name} has no entry in test/contracts/actions.test.ts`);
    actionContract(type, fixture);
  }
});
