/**
 * How the applier runs plans: the `applier` section of the configuration (src/config/config.ts, documented in
 * docs/configuration.md), restated here as a type so the applier does not depend on the config part.
 */
export interface ActionTimeouts {
  defaultSeconds: number;
  migrate: number;
  resize: number;
  perMemoryGibSeconds: number;
  perActionType: Readonly<Record<string, number>>;
}

export interface ApplierSettings {
  /** Actions of one plan run at once, across its independent branches. */
  concurrency: number;
  /** Revert succeeded actions, latest first, when the plan fails. */
  rollbackOnFailure: boolean;
  /** Attempts of an action whose error is marked retryable. */
  maxAttempts: number;
  retryDelaySeconds: number;
  /** How often a running plan asks for an operator's cancel while no action state change (which reads it too) told it. */
  cancelCheckSeconds: number;
  /** How long the model may take to show an action's effect through notifications before a targeted refresh. */
  modelWaitSeconds: number;
  timeouts: ActionTimeouts;
}

/** What an action may scale its wait by. */
export interface TimeoutScale {
  /** The instance's memory: migrations and resizes copy it. */
  memoryMb?: number;
}

const SCALED_BY_MEMORY: ReadonlySet<string> = new Set(['migrate', 'resize']);

/** The longest wait for one action of `actionType`, in ms: its configured base, plus the memory term for moves. */
export function actionTimeoutMs(
  timeouts: ActionTimeouts,
  actionType: string,
  scale: TimeoutScale = {},
): number {
  const base =
    actionType === 'migrate'
      ? timeouts.migrate
      : actionType === 'resize'
        ? timeouts.resize
        : (timeouts.perActionType[actionType] ?? timeouts.defaultSeconds);
  const memoryGib = SCALED_BY_MEMORY.has(actionType) ? (scale.memoryMb ?? 0) / 1024 : 0;
  return Math.round((base + memoryGib * timeouts.perMemoryGibSeconds) * 1000);
}
