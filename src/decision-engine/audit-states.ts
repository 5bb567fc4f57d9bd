/** Audit lifecycle (upstream `AuditStateTransitionManager`); the engine and the API both go through this table. */
import { AUDIT_STATES, type AuditState } from '../contract/states.js';
import { defineStateMachine } from '../lib/state-machine.js';

export const auditStates = defineStateMachine<AuditState>('audit', AUDIT_STATES, {
  PENDING: ['ONGOING', 'CANCELLED'],
  ONGOING: ['FAILED', 'SUCCEEDED', 'CANCELLED', 'SUSPENDED'],
  SUCCEEDED: ['DELETED'],
  FAILED: ['DELETED'],
  CANCELLED: ['DELETED'],
  SUSPENDED: ['ONGOING', 'DELETED'],
  DELETED: [],
});

/** States in which a continuous audit is no longer scheduled. */
export const INACTIVE_AUDIT_STATES: readonly AuditState[] = ['CANCELLED', 'DELETED', 'FAILED', 'SUSPENDED'];
