import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { strategies } from '../../src/strategies/index.js';
import { strategyContract, type StrategyContractOptions } from './strategy.contract.js';

/**
 * Each registered strategy is exercised with the fixture beside its plugin,
 * `src/strategies/<name-with-dashes>.fixture.ts`; a strategy without one fails the suite, so none escapes it.
 */
const fixtures = new Map<string, StrategyContractOptions>();
for (const strategy of strategies.all) {
  const file = `../../src/strategies/${strategy.name.replaceAll('_', '-')}.fixture.ts`;
  if (!existsSync(new URL(file, import.meta.url)))
    throw new Error(`strategy ${strategy.name} has no contract fixture: add ${file.slice(6)}`);
  const module = (await import(file.replace(/\.ts$/, '.js'))) as { fixture: StrategyContractOptions };
  fixtures.set(strategy.name, module.fixture);
}

describe('every registered strategy honours the strategy contract', () => {
  for (const strategy of strategies.all) strategyContract(strategy, fixtures.get(strategy.name)!);
});
