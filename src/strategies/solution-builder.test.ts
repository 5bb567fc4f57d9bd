import { describe, expect, it } from 'vitest';
import { ClusterModel } from '../model/cluster-model.js';
import { SolutionBuilder, SolutionLimitReached } from './solution-builder.js';

describe('SolutionBuilder', () => {
  it('drops exact duplicate actions', () => {
    const solution = new SolutionBuilder(new ClusterModel());
    solution.nop('same');
    solution.nop('same');
    solution.nop('other');
    expect(solution.actions.map((a) => a.inputParameters.message)).toEqual(['same', 'other']);
  });

  it('refuses action types the audit does not allow, and more actions than the limit', () => {
    const solution = new SolutionBuilder(new ClusterModel(), { allowedActionTypes: ['nop'], maxActions: 1 });
    expect(() => solution.sleep(1)).toThrow(SolutionLimitReached);
    solution.nop('one');
    expect(() => solution.nop('two')).toThrow(/at most 1 actions/);
  });

  it('refuses input parameters that break the action schema', () => {
    const solution = new SolutionBuilder(new ClusterModel());
    expect(() => solution.add('sleep', { duration: -1 })).toThrow(/sleep/);
  });
});
