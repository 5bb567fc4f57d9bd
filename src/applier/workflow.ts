/**
 * Runs an action plan's DAG with a concurrency limit. Every state change is its own committed write, so a crash
 * loses nothing: on resume, finished actions stay finished and ONGOING ones are re-checked by their pre-condition
 * before running again. A failed pre-condition is an outcome (SKIPPED with the reason); a throw is a failure.
 * Dependants of a FAILED action still run (upstream's default rule); one FAILED action fails the plan.
 */
import { Value } from 'typebox/value';
import type { ActionState } from '../contract/states.js';
import { isStewardError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Registry } from '../lib/registry.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { ActionRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { CloudPorts } from '../cloud/ports.js';
import type { ActionContext, ActionType } from './action-type.js';
import { planOutcome } from './action-states.js';

export interface WorkflowDeps {
  store: Store;
  actionTypes: Registry<ActionType>;
  cloud: CloudPorts | undefined;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  /** Actions run at once, across the plan's independent branches. */
  concurrency: number;
  /** Attempts for errors marked retryable. */
  maxAttempts?: number;
  retryDelayMs?: number;
  /** Revert succeeded actions (in reverse order) when the plan fails. */
  rollbackOnFailure?: boolean;
}

export interface ActionOutcome {
  uuid: string;
  state: ActionState;
  reason?: string;
}

export interface WorkflowResult {
  state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  actions: ActionOutcome[];
  statusMessage: string | null;
}

const FINISHED: ReadonlySet<ActionState> = new Set([
  'SUCCEEDED',
  'FAILED',
  'SKIPPED',
  'CANCELLED',
  'DELETED',
]);

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function runWorkflow(
  deps: WorkflowDeps,
  actionPlanUuid: string,
  signal: AbortSignal,
): Promise<WorkflowResult> {
  const { store, logger } = deps;
  const plan = await store.actionPlans.find(actionPlanUuid);
  if (!plan) throw new Error(`action plan ${actionPlanUuid} vanished before it ran`);
  const actions = await store.actions.listByPlan(plan.id);
  const byUuid = new Map(actions.map((action) => [action.uuid, action]));
  const states = new Map<string, ActionState>(actions.map((action) => [action.uuid, action.state]));
  const reasons = new Map<string, string>();
  const running = new Map<string, Promise<void>>();
  const abortRunning = new AbortController();
  const onAbort = () => abortRunning.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let cancelled = false;

  const setState = async (action: ActionRecord, state: ActionState, statusMessage?: string) => {
    await store.actions.update(action.uuid, { state, ...(statusMessage !== undefined && { statusMessage }) });
    states.set(action.uuid, state);
    settled.clear();
    if (statusMessage !== undefined) reasons.set(action.uuid, statusMessage);
    if (FINISHED.has(state)) deps.metrics?.actionsTotal.inc({ action_type: action.actionType, state });
  };

  // A parent is settled when it is finished and so are its own ancestors: an action the operator SKIPPED before the
  // run is finished from the start, yet what comes after it must still wait for what came before it.
  const settled = new Map<string, boolean>();
  const isSettled = (uuid: string): boolean => {
    const known = settled.get(uuid);
    if (known !== undefined) return known;
    const action = byUuid.get(uuid);
    const result =
      action === undefined ||
      (FINISHED.has(states.get(uuid) ?? 'PENDING') && action.parents.every((parent) => isSettled(parent)));
    settled.set(uuid, result);
    return result;
  };

  const isReady = (action: ActionRecord) => {
    const state = states.get(action.uuid);
    if (state !== 'PENDING' && state !== 'ONGOING') return false;
    return action.parents.every((parent) => isSettled(parent));
  };

  const runAction = async (action: ActionRecord) => {
    const type = deps.actionTypes.get(action.actionType);
    const log = logger.child({
      actionPlan: actionPlanUuid,
      action: action.uuid,
      actionType: action.actionType,
    });
    if (!type)
      return setState(
        action,
        'FAILED',
        `Action failed in pre_condition: action type ${action.actionType} is not supported by this applier`,
      );
    if (!Value.Check(type.parameters, action.inputParameters)) {
      const problems = [...Value.Errors(type.parameters, action.inputParameters)].map(
        (e) => `${e.instancePath || '/'} ${e.message}`,
      );
      return setState(
        action,
        'FAILED',
        `Action failed in pre_condition: invalid input_parameters: ${problems.join('; ')}`,
      );
    }
    const ctx: ActionContext = {
      cloud: deps.cloud,
      clock: deps.clock,
      log,
      signal: abortRunning.signal,
      progress: (pct, note) => log.info({ pct, note }, 'action progress'),
    };
    try {
      const precondition = await type.check(ctx, action.inputParameters);
      if (!precondition.ok)
        return setState(action, 'SKIPPED', `Action was skipped automatically: ${precondition.reason}`);
    } catch (error) {
      return setState(action, 'FAILED', `Action failed in pre_condition: ${messageOf(error)}`);
    }
    await setState(action, 'ONGOING');
    const started = deps.clock.now().getTime();
    try {
      await withRetries(deps, () => type.execute(ctx, action.inputParameters), log);
    } catch (error) {
      if (abortRunning.signal.aborted)
        return setState(action, 'CANCELLED', 'Action was aborted because the action plan was cancelled');
      return setState(action, 'FAILED', `Action failed in execute: ${messageOf(error)}`);
    }
    try {
      await type.verify?.(ctx, action.inputParameters);
    } catch (error) {
      return setState(action, 'FAILED', `Action failed in post_condition: ${messageOf(error)}`);
    }
    deps.metrics?.actionDuration.observe(
      { action_type: action.actionType },
      (deps.clock.now().getTime() - started) / 1000,
    );
    return setState(action, 'SUCCEEDED');
  };

  try {
    for (;;) {
      if (!cancelled && (signal.aborted || (await isCancelling(store, actionPlanUuid)))) {
        cancelled = true;
        abortRunning.abort(new Error('action plan cancelled'));
      }
      if (!cancelled) {
        for (const action of actions) {
          if (running.size >= deps.concurrency) break;
          if (running.has(action.uuid) || !isReady(action)) continue;
          const task = runAction(action)
            .catch((error: unknown) => log(logger, action, error))
            .finally(() => running.delete(action.uuid));
          running.set(action.uuid, task);
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }

  if (cancelled) {
    await store.actions.updateManyOfPlan(plan.id, ['PENDING', 'ONGOING'], { state: 'CANCELLED' });
    for (const action of actions)
      if (!FINISHED.has(states.get(action.uuid) ?? 'PENDING')) states.set(action.uuid, 'CANCELLED');
  }

  const finalStates = actions.map((action) => states.get(action.uuid) ?? 'PENDING');
  const outcome = cancelled ? 'CANCELLED' : planOutcome(finalStates);
  if (outcome === 'FAILED' && deps.rollbackOnFailure) await rollback(deps, actions, states, logger);
  return {
    state: outcome,
    actions: actions.map((action) => ({
      uuid: action.uuid,
      state: states.get(action.uuid) ?? 'PENDING',
      ...(reasons.has(action.uuid) && { reason: reasons.get(action.uuid) }),
    })),
    statusMessage: summarise(actions, states, reasons, outcome),
  };
}

function log(logger: Logger, action: ActionRecord, error: unknown): void {
  logger.error({ err: error, action: action.uuid }, 'action bookkeeping failed');
}

async function isCancelling(store: Store, actionPlanUuid: string): Promise<boolean> {
  const plan = await store.actionPlans.find(actionPlanUuid);
  return plan === undefined || plan.state === 'CANCELLING' || plan.state === 'CANCELLED';
}

async function withRetries(deps: WorkflowDeps, work: () => Promise<void>, log: Logger): Promise<void> {
  const attempts = deps.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isStewardError(error) || !error.retryable || attempt >= attempts) throw error;
      log.warn({ err: error, attempt }, 'retrying action after a retryable error');
      await deps.clock.sleep((deps.retryDelayMs ?? 2000) * attempt);
    }
  }
}

async function rollback(
  deps: WorkflowDeps,
  actions: ActionRecord[],
  states: Map<string, ActionState>,
  logger: Logger,
): Promise<void> {
  for (const action of [...actions].reverse()) {
    if (states.get(action.uuid) !== 'SUCCEEDED') continue;
    const type = deps.actionTypes.get(action.actionType);
    if (!type?.revert) continue;
    try {
      await type.revert(
        {
          cloud: deps.cloud,
          clock: deps.clock,
          log: logger,
          signal: new AbortController().signal,
          progress: () => undefined,
        },
        action.inputParameters,
      );
    } catch (error) {
      logger.error({ err: error, action: action.uuid }, 'rollback of a succeeded action failed');
    }
  }
}

function summarise(
  actions: ActionRecord[],
  states: Map<string, ActionState>,
  reasons: Map<string, string>,
  outcome: WorkflowResult['state'],
): string | null {
  const skipped = actions.filter((action) => states.get(action.uuid) === 'SKIPPED');
  const failed = actions.filter((action) => states.get(action.uuid) === 'FAILED');
  const parts: string[] = [];
  if (failed.length > 0) {
    parts.push(
      `${failed.length} action(s) failed: ${failed.map((a) => `${a.uuid} (${reasons.get(a.uuid) ?? 'failed'})`).join('; ')}.`,
    );
  }
  if (skipped.length > 0) {
    parts.push(
      `One or more actions were skipped. ${skipped.length} action(s) skipped: ${skipped
        .map((a) => `${a.uuid} (${reasons.get(a.uuid) ?? a.statusMessage ?? 'skipped'})`)
        .join('; ')}.`,
    );
  }
  if (outcome === 'CANCELLED') parts.push('The action plan was cancelled.');
  return parts.length > 0 ? parts.join(' ') : null;
}
