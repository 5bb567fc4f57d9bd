/** Watcher's wire identifiers for states and kinds, kept exactly as upstream spells them. */
export const AUDIT_STATES = [
  'PENDING',
  'ONGOING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'DELETED',
  'SUSPENDED',
] as const;
export type AuditState = (typeof AUDIT_STATES)[number];

export const AUDIT_TYPES = ['ONESHOT', 'CONTINUOUS', 'EVENT'] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export const ACTION_PLAN_STATES = [
  'RECOMMENDED',
  'PENDING',
  'ONGOING',
  'SUCCEEDED',
  'FAILED',
  'DELETED',
  'CANCELLED',
  'SUPERSEDED',
  'CANCELLING',
] as const;
export type ActionPlanState = (typeof ACTION_PLAN_STATES)[number];

export const ACTION_STATES = [
  'PENDING',
  'ONGOING',
  'SUCCEEDED',
  'FAILED',
  'DELETED',
  'CANCELLED',
  'CANCELLING',
  'SKIPPED',
] as const;
export type ActionState = (typeof ACTION_STATES)[number];

/** Support levels of every registered plugin (2025.2 agreement: a support matrix generated from the registries). */
export const SUPPORT_LEVELS = ['core', 'experimental', 'deprecated', 'unsupported'] as const;
export type SupportLevel = (typeof SUPPORT_LEVELS)[number];

/** Microversions served: 1.0 to 1.7 with upstream meaning. */
export const MIN_MICROVERSION = '1.0';
export const MAX_MICROVERSION = '1.7';
export const MICROVERSION = {
  START_END_TIMING: 1,
  FORCE: 2,
  DATA_MODEL: 3,
  WEBHOOK_API: 4,
  SKIPPED_ACTION: 5,
  EXT_COMPUTE_MODEL: 6,
  AUDIT_TEMPLATE_DEFAULT_PARAMS: 7,
} as const;
