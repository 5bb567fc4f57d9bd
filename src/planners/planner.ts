/** A planner turns a solution's ordered actions into a DAG: each action gets the uuids of its parents. */
import type { SolutionAction } from '../strategies/solution-builder.js';

export interface PlannedAction extends SolutionAction {
  uuid: string;
  parents: string[];
}

export interface Planner {
  readonly name: string;
  plan(actions: readonly SolutionAction[], newUuid: () => string): PlannedAction[];
}
