/**
 * Action plan lifecycle. `operator` transitions are what the API may request by PATCH or `/start`;
 * `engine` transitions are what the decision engine and applier do. SUPERSEDED is reached by expiry or when a
 * RECOMMENDED plan no longer fits the model.
 */
import { ACTION_PLAN_STATES, type ActionPlanState } from '../contract/states.js';
import { defineStateMachine } from '../lib/state-machine.js';

export const actionPlanStates = defineStateMachine<ActionPlanState>('action_plan', ACTION_PLAN_STATES, {
  RECOMMENDED: ['PENDING', 'CANCELLED', 'SUPERSEDED', 'DELETED'],
  PENDING: ['ONGOING', 'CANCELLED'],
  ONGOING: ['SUCCEEDED', 'FAILED', 'CANCELLING', 'CANCELLED'],
  CANCELLING: ['CANCELLED', 'FAILED'],
  SUCCEEDED: ['DELETED'],
  FAILED: ['DELETED'],
  CANCELLED: ['DELETED'],
  SUPERSEDED: ['DELETED'],
  DELETED: [],
});

/** What an operator may ask for through the API (upstream `action_plan.py` patch rules). */
export const actionPlanOperatorStates = defineStateMachine<ActionPlanState>(
  'action_plan',
  ACTION_PLAN_STATES,
  {
    RECOMMENDED: ['PENDING', 'CANCELLED', 'DELETED'],
    PENDING: ['CANCELLED'],
    ONGOING: ['CANCELLING'],
    CANCELLING: [],
    SUCCEEDED: ['DELETED'],
    FAILED: ['DELETED'],
    CANCELLED: ['DELETED'],
    SUPERSEDED: ['DELETED'],
    DELETED: [],
  },
);
