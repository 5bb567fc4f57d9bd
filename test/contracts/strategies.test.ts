import { describe } from 'vitest';
import { strategies } from '../../src/strategies/index.js';
import { strategyContract, type StrategyContractOptions } from './strategy.contract.js';

/** How each registered strategy is exercised; a strategy missing here fails the suite, so none escapes it. */
const OPTIONS: Record<string, StrategyContractOptions> = {
  dummy: { readsModel: false, parameters: { para1: 2, para2: 'hi' } },
  dummy_with_scorer: { readsModel: false },
  dummy_with_resize: { readsModel: false },
  actuator: {
    readsModel: false,
    parameters: { actions: [{ action_type: 'nop', input_parameters: { message: 'from the contract' } }] },
  },
};

describe('every registered strategy honours the strategy contract', () => {
  for (const strategy of strategies.all) {
    const options = OPTIONS[strategy.name];
    if (!options)
      throw new Error(`strategy ${strategy.name} has no entry in test/contracts/strategies.test.ts`);
    strategyContract(strategy, options);
  }
});
