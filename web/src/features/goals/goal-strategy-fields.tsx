/**
 * The goal and strategy choice of the audit and audit template forms: the strategies offered are the chosen goal's,
 * and none may be chosen for Steward to pick the goal's own.
 */
import { useState } from 'react';
import { useGoals, useStrategies } from '../../api/queries.js';

export interface GoalStrategyChoice {
  goal: string;
  strategy: string;
  chooseGoal: (goal: string) => void;
  chooseStrategy: (strategy: string) => void;
}

/** The chosen goal and strategy (uuids, '' for none); another goal clears the strategy, which was the old goal's. */
export function useGoalStrategyChoice(): GoalStrategyChoice {
  const [goal, setGoal] = useState('');
  const [strategy, setStrategy] = useState('');
  return {
    goal,
    strategy,
    chooseGoal: (chosen) => {
      setGoal(chosen);
      setStrategy('');
    },
    chooseStrategy: setStrategy,
  };
}

export function GoalStrategyFields({
  idPrefix,
  choice,
  goalError,
}: {
  idPrefix: string;
  choice: GoalStrategyChoice;
  goalError?: string | undefined;
}) {
  const goals = useGoals();
  const strategies = useStrategies();
  const goalStrategies = (strategies.data ?? []).filter((row) => row.goal_uuid === choice.goal);
  return (
    <>
      <div className={`field${goalError ? ' field-invalid' : ''}`}>
        <label htmlFor={`${idPrefix}-goal`}>Goal *</label>
        <select
          id={`${idPrefix}-goal`}
          name="goal"
          value={choice.goal}
          onChange={(event) => choice.chooseGoal(event.target.value)}
        >
          <option value="">Choose a goal…</option>
          {goals.data?.map((row) => (
            <option key={row.uuid} value={row.uuid}>
              {row.display_name} ({row.name})
            </option>
          ))}
        </select>
        {goalError && <small className="field-error">{goalError}</small>}
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-strategy`}>Strategy</label>
        <select
          id={`${idPrefix}-strategy`}
          name="strategy"
          value={choice.strategy}
          disabled={choice.goal === ''}
          onChange={(event) => choice.chooseStrategy(event.target.value)}
        >
          <option value="">Let Steward choose for the goal</option>
          {goalStrategies.map((row) => (
            <option key={row.uuid} value={row.uuid}>
              {row.display_name} ({row.name})
            </option>
          ))}
        </select>
      </div>
    </>
  );
}
