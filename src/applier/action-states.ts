/** Action lifecycle. Operators may only move PENDING → SKIPPED (API ≥ 1.5, while the plan is RECOMMENDED/PENDING). */
import { ACTION_STATES, type ActionPlanState, type ActionState } from '../contract/states.js';
import { defineStateMachine } from '../lib/state-machine.js';

export const actionStates = defineStateMachine<ActionState>('action', ACTION_STATES, {
  PENDING: ['ONGOING', 'SKIPPED', 'FAILED', 'CANCELLED', 'DELETED'],
  ONGOING: ['SUCCEEDED', 'FAILED', 'CANCELLING', 'CANCELLED'],
  CANCELLING: ['CANCELLED', 'FAILED'],
  SUCCEEDED: ['DELETED'],
  FAILED: ['DELETED'],
  CANCELLED: ['DELETED'],
  SKIPPED: ['DELETED'],
  DELETED: [],
});

export const actionOperatorStates = defineStateMachine<ActionState>('action', ACTION_STATES, {
  PENDING: ['SKIPPED'],
  ONGOING: [],
  CANCELLING: [],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
  SKIPPED: [],
  DELETED: [],
});

/** A plan whose actions may still be skipped by an operator. */
export const PLAN_STATES_ALLOWING_SKIP: readonly ActionPlanState[] = ['RECOMMENDED', 'PENDING'];

/** Outcome of a finished plan: SKIPPED and CANCELLED count as success, one FAILED action fails the plan. */
export function planOutcome(actionStatesOfPlan: readonly ActionState[]): 'SUCCEEDED' | 'FAILED' {
  return actionStatesOfPlan.includes('FAILED') ? 'FAILED' : 'SUCCEEDED';
}
