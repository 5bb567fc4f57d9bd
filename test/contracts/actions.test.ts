import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { actionTypes } from '../../src/applier/actions/index.js';
import { actionContract, type ActionContractFixture } from './action.contract.js';

/**
 * Each registered action type is exercised with the fixture beside its plugin,
 * `src/applier/actions/<type-with-dashes>.fixture.ts`; a type without one fails the suite, so none escapes it.
 */
const fixtures = new Map<string, ActionContractFixture>();
for (const type of actionTypes.all) {
  const file = `../../src/applier/actions/${type.name.replaceAll('_', '-')}.fixture.ts`;
  if (!existsSync(new URL(file, import.meta.url)))
    throw new Error(`action type ${type.name} has no contract fixture: add ${file.slice(6)}`);
  const module = (await import(file.replace(/\.ts$/, '.js'))) as { fixture: ActionContractFixture };
  fixtures.set(type.name, module.fixture);
}

describe('every registered action type honours the action contract', () => {
  for (const type of actionTypes.all) actionContract(type, fixtures.get(type.name)!);
});
