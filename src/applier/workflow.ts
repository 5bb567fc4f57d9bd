/**
 * Runs an action plan's DAG with a concurrency limit. Every state change is its own committed write, so a crash
 * loses nothing: on resume, finished actions stay finished and ONGOING ones are re-checked by their pre-condition
 * before running again.
 *
 * - Before anything runs, every action still to run must have an action type this applier implements and input
 *   parameters its schema accepts; otherwise the plan fails at once, naming the actions, and nothing runs.
 * - A failed pre-condition is an outcome (SKIPPED with the reason); a throw is a failure (FAILED). A FAILED action
 *   fails the plan and CANCELs the actions that depend on it; independent branches still run. With
 *   `rollbackOnFailure`, the succeeded actions are then reverted, latest first.
 * - Errors marked retryable are retried with a growing delay on the clock; any other error fails the action.
 * - Cancel (the plan CANCELLING, or the `cancel` signal) starts nothing new, aborts the running actions whose type
 *   is `abortable` through their signal, lets the others finish, and CANCELs the rest.
 * - Shutdown (the `shutdown` signal) aborts every running action and writes nothing more: the plan stays ONGOING
 *   for another applier to take over.
 */
import { Compile, type Validator } from 'typebox/compile';
import type { ActionPlanState, ActionState } from '../contract/states.js';
import { isStewardError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Registry } from '../lib/registry.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { ActionRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { CloudPorts } from '../cloud/ports.js';
import type { ActionContext, ActionType, ModelReflection, Precondition } from './action-type.js';
import { planOutcome } from './action-states.js';
import { actionTimeoutMs, type ApplierSettings } from './settings.js';

export interface WorkflowDeps {
  store: Store;
  actionTypes: Registry<ActionType>;
  cloud: CloudPorts | undefined;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  settings: ApplierSettings;
  /**
   * The applier that owns the plan (its `hostname`): every action state change is a compare-and-set that holds only
   * while it still does, so once another applier took the plan over this run starts and records nothing more and
   * ends INTERRUPTED.
   */
  owner?: string;
  /** The live cluster model, when this process keeps one: each action's effect is awaited there. */
  model?: ModelReflection;
}

export interface WorkflowSignals {
  /** The operator cancelled the plan (besides the plan's CANCELLING state, which the workflow polls). */
  cancel?: AbortSignal;
  /** This applier is stopping: abort everything and leave the plan to be taken over. */
  shutdown?: AbortSignal;
}

export interface ActionOutcome {
  uuid: string;
  state: ActionState;
  reason?: string;
}

export interface WorkflowResult {
  /**
   * INTERRUPTED: the applier stopped, or another applier took the plan over; the plan and its unfinished actions
   * were left as they were.
   */
  state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'INTERRUPTED';
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
const TO_RUN: ReadonlySet<ActionState> = new Set(['PENDING', 'ONGOING']);
const BREAKS_DEPENDANTS: ReadonlySet<ActionState> = new Set(['FAILED', 'CANCELLED']);

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function runWorkflow(
  deps: WorkflowDeps,
  actionPlanUuid: string,
  signals: WorkflowSignals = {},
): Promise<WorkflowResult> {
  const { store, logger, settings } = deps;
  const plan = await store.actionPlans.find(actionPlanUuid);
  if (!plan) throw new Error(`action plan ${actionPlanUuid} vanished before it ran`);
  const actions = await store.actions.listByPlan(plan.id);
  const byUuid = new Map(actions.map((action) => [action.uuid, action]));
  const states = new Map<string, ActionState>(actions.map((action) => [action.uuid, action.state]));
  const reasons = new Map<string, string>();
  const succeededInOrder: ActionRecord[] = [];
  const running = new Map<string, { task: Promise<void>; abort: AbortController; abortable: boolean }>();
  let cancelled = false;
  let interrupted = false;
  // Every action state change reads the plan's state in the same statement, so a cancel is seen at the next change;
  // the store is asked on its own only when no change told it for cancelCheckSeconds of the clock (long actions).
  let nextCancelCheckMs = Number.NEGATIVE_INFINITY;
  let planStopped = false;
  // Set when an action ends FAILED or CANCELLED (and at the start, for a resumed plan), cleared by the walk that
  // cancels their dependants.
  let mayHaveBrokenDependants = true;
  const planStateSeen = (planState: ActionPlanState) => {
    planStopped ||= STOPPED_PLAN.has(planState);
    nextCancelCheckMs = deps.clock.now().getTime() + settings.cancelCheckSeconds * 1000;
  };

  // A parent is settled when it is finished and so are its own ancestors: an action the operator SKIPPED before the
  // run is finished from the start, yet what comes after it must still wait for what came before it.
  const settled = new Map<string, boolean>();
  const guard = deps.owner !== undefined ? { planHostname: deps.owner } : undefined;
  const setState = async (action: ActionRecord, state: ActionState, statusMessage?: string) => {
    if (interrupted) return;
    const from = states.get(action.uuid) ?? 'PENDING';
    const changes = { state, ...(statusMessage !== undefined && { statusMessage }) };
    // Compare-and-set from the state this run knows: an operator's skip, or another applier, may have moved it.
    const changed = await store.actions.updateIfState(action.uuid, [from], changes, guard);
    if (!changed) {
      const owner = (await store.actionPlans.find(actionPlanUuid))?.hostname;
      if (guard && owner !== guard.planHostname) {
        logger.warn(
          { actionPlan: actionPlanUuid, action: action.uuid, owner },
          'another applier took the action plan over; this run stops',
        );
        interrupted = true;
        for (const entry of running.values()) entry.abort.abort(new Error('the action plan was taken over'));
        return;
      }
      const found = (await store.actions.find(action.uuid))?.state ?? 'DELETED';
      logger.info(
        { action: action.uuid, expected: from, found },
        'action changed state outside this run; kept',
      );
      states.set(action.uuid, found);
      settled.clear();
      if (BREAKS_DEPENDANTS.has(found)) mayHaveBrokenDependants = true;
      return;
    }
    states.set(action.uuid, state);
    settled.clear();
    if (BREAKS_DEPENDANTS.has(state)) mayHaveBrokenDependants = true;
    planStateSeen(changed.actionPlanState);
    if (statusMessage !== undefined) reasons.set(action.uuid, statusMessage);
    if (FINISHED.has(state)) {
      deps.metrics?.actionsTotal.inc({ action_type: action.actionType, state });
      logOutcome(logger, deps.actionTypes, actionPlanUuid, action, state, statusMessage);
    }
  };

  const unrunnable = findUnrunnable(deps.actionTypes, actions);
  if (unrunnable.length > 0) {
    for (const { action, problem } of unrunnable)
      await setState(action, 'FAILED', `Action failed before the action plan started: ${problem}`);
    for (const action of actions)
      if (TO_RUN.has(states.get(action.uuid) ?? 'PENDING'))
        await setState(action, 'CANCELLED', 'Action was cancelled: its action plan cannot run');
    return {
      state: 'FAILED',
      actions: outcomes(actions, states, reasons),
      statusMessage: `The action plan cannot run, so no action was started: ${unrunnable
        .map(({ action, problem }) => `action ${action.uuid}: ${problem}`)
        .join('; ')}.`,
    };
  }

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

  const isReady = (action: ActionRecord) =>
    TO_RUN.has(states.get(action.uuid) ?? 'PENDING') && action.parents.every((parent) => isSettled(parent));

  /** PENDING actions below a FAILED (or already CANCELLED) parent are CANCELLED, down the whole DAG. */
  const cancelDependantsOfFailures = async () => {
    // Only a new FAILED or CANCELLED action can break a dependant: without one, a walk of the plan finds nothing.
    if (!mayHaveBrokenDependants) return;
    mayHaveBrokenDependants = false;
    for (let changed = true; changed;) {
      changed = false;
      for (const action of actions) {
        if (states.get(action.uuid) !== 'PENDING' || running.has(action.uuid)) continue;
        const broken = action.parents.find((parent) => {
          const state = states.get(parent);
          return state === 'FAILED' || state === 'CANCELLED';
        });
        if (broken === undefined) continue;
        await setState(
          action,
          'CANCELLED',
          `Action was cancelled: it depends on action ${broken}, which ${states.get(broken) === 'FAILED' ? 'failed' : 'was cancelled'}`,
        );
        changed = true;
      }
    }
  };

  const runAction = async (action: ActionRecord, abort: AbortController) => {
    const type = deps.actionTypes.get(action.actionType);
    const log = logger.child({
      actionPlan: actionPlanUuid,
      action: action.uuid,
      actionType: action.actionType,
    });
    const problem = problemOf(deps.actionTypes, action);
    if (!type || problem) return setState(action, 'FAILED', `Action failed in pre_condition: ${problem}`);
    const ctx: ActionContext = {
      cloud: deps.cloud,
      clock: deps.clock,
      log,
      signal: abort.signal,
      progress: (pct, note) => log.info({ pct, note }, 'action progress'),
      timeoutMs: (scale) => actionTimeoutMs(settings.timeouts, action.actionType, scale),
    };
    let precondition: Precondition;
    try {
      precondition = await type.check(ctx, action.inputParameters);
    } catch (error) {
      if (interrupted) return;
      if (cancelled && abort.signal.aborted)
        return setState(action, 'CANCELLED', 'Action was cancelled with its action plan before it started');
      return setState(action, 'FAILED', `Action failed in pre_condition: ${messageOf(error)}`);
    }
    if (interrupted) return;
    if (!precondition.ok)
      return setState(action, 'SKIPPED', `Action was skipped automatically: ${precondition.reason}`);
    if (cancelled)
      return setState(action, 'CANCELLED', 'Action was cancelled with its action plan before it started');
    await setState(action, 'ONGOING');
    if (states.get(action.uuid) !== 'ONGOING') return;
    const started = deps.clock.now().getTime();
    try {
      await withRetries(deps, () => type.execute(ctx, action.inputParameters), log, abort.signal);
    } catch (error) {
      if (interrupted) return;
      if (cancelled && abort.signal.aborted)
        return setState(action, 'CANCELLED', 'Action was aborted because the action plan was cancelled');
      return setState(action, 'FAILED', `Action failed in execute: ${messageOf(error)}`);
    }
    try {
      await type.verify?.(ctx, action.inputParameters);
    } catch (error) {
      if (interrupted) return;
      return setState(action, 'FAILED', `Action failed in post_condition: ${messageOf(error)}`);
    }
    await reflectInModel(deps, type, action, log);
    deps.metrics?.actionDuration.observe(
      { action_type: action.actionType },
      (deps.clock.now().getTime() - started) / 1000,
    );
    await setState(action, 'SUCCEEDED');
    succeededInOrder.push(action);
  };

  const cancelCheckSaysStop = async (): Promise<boolean> => {
    if (planStopped) return true;
    const nowMs = deps.clock.now().getTime();
    if (nowMs < nextCancelCheckMs) return false;
    nextCancelCheckMs = nowMs + settings.cancelCheckSeconds * 1000;
    return isCancelling(store, actionPlanUuid);
  };

  let firstUnfinished = 0;
  const wake = new AbortController();
  const onSignal = () => wake.abort();
  signals.cancel?.addEventListener('abort', onSignal, { once: true });
  signals.shutdown?.addEventListener('abort', onSignal, { once: true });
  try {
    for (;;) {
      if (!interrupted && signals.shutdown?.aborted) {
        interrupted = true;
        for (const { abort } of running.values()) abort.abort(new Error('the applier is stopping'));
      }
      if (!interrupted && !cancelled && (signals.cancel?.aborted || (await cancelCheckSaysStop()))) {
        cancelled = true;
        for (const entry of running.values())
          if (entry.abortable) entry.abort.abort(new Error('action plan cancelled'));
      }
      if (!cancelled && !interrupted) {
        await cancelDependantsOfFailures();
        // Finished actions stay finished (terminal states), so the walk starts after the finished ones at the front.
        while (
          firstUnfinished < actions.length &&
          FINISHED.has(states.get(actions[firstUnfinished]!.uuid) ?? 'PENDING')
        )
          firstUnfinished++;
        for (let index = firstUnfinished; index < actions.length; index++) {
          const action = actions[index]!;
          if (running.size >= settings.concurrency) break;
          if (running.has(action.uuid) || !isReady(action)) continue;
          const abort = new AbortController();
          const abortable = deps.actionTypes.get(action.actionType)?.abortable ?? false;
          const task = runAction(action, abort)
            .catch((error: unknown) => log(logger, action, error))
            .finally(() => running.delete(action.uuid));
          running.set(action.uuid, { task, abort, abortable });
        }
      }
      if (running.size === 0) break;
      await untilOneFinishes(
        deps.clock,
        [...running.values()].map((entry) => entry.task),
        settings.cancelCheckSeconds * 1000,
        wake.signal,
      );
    }
  } finally {
    signals.cancel?.removeEventListener('abort', onSignal);
    signals.shutdown?.removeEventListener('abort', onSignal);
  }

  if (interrupted)
    return { state: 'INTERRUPTED', actions: outcomes(actions, states, reasons), statusMessage: null };

  if (cancelled) {
    for (const action of actions)
      if (TO_RUN.has(states.get(action.uuid) ?? 'PENDING'))
        await setState(action, 'CANCELLED', 'Action was cancelled with its action plan');
  }

  const outcome = cancelled ? 'CANCELLED' : planOutcome(actions.map((a) => states.get(a.uuid) ?? 'PENDING'));
  let rolledBack: RollbackResult | undefined;
  if (outcome === 'FAILED' && settings.rollbackOnFailure)
    rolledBack = await rollback(deps, succeededInOrder, logger);
  for (const action of rolledBack?.reverted ?? [])
    await store.actions.update(action.uuid, {
      statusMessage: 'Action was reverted because its action plan failed (rollback)',
    });
  return {
    state: outcome,
    actions: outcomes(actions, states, reasons),
    statusMessage: summarise(actions, states, reasons, outcome, rolledBack),
  };
}

/**
 * Waits for the model to show what the action did (the cloud's notifications keep it), and re-reads the instances
 * and compute nodes it touched when that takes longer than `modelWaitSeconds`. Never fails the action: the cloud
 * already shows it.
 */
async function reflectInModel(
  deps: WorkflowDeps,
  type: ActionType,
  action: ActionRecord,
  log: Logger,
): Promise<void> {
  const { model } = deps;
  if (!model || !type.reflected) return;
  const shows = (current: ClusterModel) => type.reflected?.(current, action.inputParameters) ?? true;
  if (!type.unnotified) {
    try {
      await model.waitFor(shows, deps.settings.modelWaitSeconds * 1000);
      return;
    } catch {
      log.info('no notification showed the action in the model in time; re-reading what it touched');
    }
  }
  try {
    const instances = type.modelInstances?.(action.inputParameters) ?? [];
    const nodes = type.modelNodes?.(action.inputParameters) ?? [];
    // Without a reader either refresh is a full sync: one is enough for an action that names only nodes.
    if (instances.length > 0 || nodes.length === 0) await model.refreshInstances(instances);
    if (nodes.length > 0) await model.refreshNodes(nodes);
    await model.waitFor(shows, 0);
  } catch (error) {
    log.warn({ err: error }, 'the model does not show the action even after a targeted refresh');
  }
}

// One reason for every wait that ends early: an abort without a reason builds a DOMException (a stack trace) each time.
const STOP_WAITING = new Error('the wait for a running action ended');

/** Waits until one running task settles, the next cancel check is due, or a signal fires. */
async function untilOneFinishes(
  clock: Clock,
  tasks: Promise<void>[],
  checkMs: number,
  wake: AbortSignal,
): Promise<void> {
  if (wake.aborted) return Promise.race(tasks);
  const timer = new AbortController();
  const onWake = () => timer.abort(STOP_WAITING);
  wake.addEventListener('abort', onWake, { once: true });
  try {
    await Promise.race([...tasks, clock.sleep(checkMs, timer.signal).catch(() => undefined)]);
  } finally {
    wake.removeEventListener('abort', onWake);
    timer.abort(STOP_WAITING);
  }
}

interface Unrunnable {
  action: ActionRecord;
  problem: string;
}

/**
 * Each action type's parameter check, compiled on first use: `Value.Check` walks the schema again for every action,
 * and every action is checked twice (when the plan starts and when it runs); a compiled check takes microseconds.
 */
const parameterChecks = new WeakMap<ActionType, Validator>();

function parameterCheck(type: ActionType): Validator {
  let check = parameterChecks.get(type);
  if (!check) parameterChecks.set(type, (check = Compile(type.parameters)));
  return check;
}

function problemOf(types: Registry<ActionType>, action: ActionRecord): string | undefined {
  const type = types.get(action.actionType);
  if (!type)
    return `action type ${action.actionType} is not implemented by this applier (it runs ${types.all
      .map((t) => t.name)
      .join(', ')})`;
  const check = parameterCheck(type);
  if (check.Check(action.inputParameters)) return undefined;
  const problems = check.Errors(action.inputParameters).map((e) => `${e.instancePath || '/'} ${e.message}`);
  return `invalid input_parameters for ${action.actionType}: ${problems.join('; ')}`;
}

function findUnrunnable(types: Registry<ActionType>, actions: readonly ActionRecord[]): Unrunnable[] {
  const found: Unrunnable[] = [];
  for (const action of actions) {
    if (!TO_RUN.has(action.state)) continue;
    const problem = problemOf(types, action);
    if (problem) found.push({ action, problem });
  }
  return found;
}

function outcomes(
  actions: readonly ActionRecord[],
  states: Map<string, ActionState>,
  reasons: Map<string, string>,
): ActionOutcome[] {
  return actions.map((action) => ({
    uuid: action.uuid,
    state: states.get(action.uuid) ?? 'PENDING',
    ...(reasons.has(action.uuid) && { reason: reasons.get(action.uuid) }),
  }));
}

/**
 * One line per finished action, saying what it did in the words of its type ("live migrate … from h1 to h2") and how
 * it ended: a failure at warn with its reason, a skip or a cancellation with why, a success at info.
 */
function logOutcome(
  logger: Logger,
  actionTypes: WorkflowDeps['actionTypes'],
  actionPlanUuid: string,
  action: ActionRecord,
  state: ActionState,
  reason: string | undefined,
): void {
  const type = actionTypes.get(action.actionType);
  let what: string = action.actionType;
  try {
    if (type) what = type.describe(action.inputParameters);
  } catch {
    // Parameters the type cannot describe are the failure this line reports; the type's name says enough.
  }
  const fields = {
    actionPlan: actionPlanUuid,
    action: action.uuid,
    actionType: action.actionType,
    state,
    ...(reason !== undefined && { reason }),
  };
  const message = `${what}: ${state.toLowerCase()}`;
  if (state === 'FAILED') logger.warn(fields, message);
  else logger.info(fields, message);
}

function log(logger: Logger, action: ActionRecord, error: unknown): void {
  logger.error({ err: error, action: action.uuid }, 'action bookkeeping failed');
}

/** A plan in one of these states starts no more actions (a deleted plan is not found at all). */
const STOPPED_PLAN: ReadonlySet<ActionPlanState> = new Set(['CANCELLING', 'CANCELLED', 'DELETED']);

async function isCancelling(store: Store, actionPlanUuid: string): Promise<boolean> {
  const plan = await store.actionPlans.find(actionPlanUuid);
  return plan === undefined || STOPPED_PLAN.has(plan.state);
}

async function withRetries(
  deps: WorkflowDeps,
  work: () => Promise<void>,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const { maxAttempts, retryDelaySeconds } = deps.settings;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (signal.aborted || !isStewardError(error) || !error.retryable || attempt >= maxAttempts) throw error;
      log.warn({ err: error, attempt }, 'retrying action after a retryable error');
      await deps.clock.sleep(retryDelaySeconds * 1000 * attempt, signal);
    }
  }
}

interface RollbackResult {
  reverted: ActionRecord[];
  failed: { action: ActionRecord; message: string }[];
}

/** Reverts the succeeded actions whose type can be reverted, the latest to succeed first. */
async function rollback(
  deps: WorkflowDeps,
  succeededInOrder: readonly ActionRecord[],
  logger: Logger,
): Promise<RollbackResult> {
  const result: RollbackResult = { reverted: [], failed: [] };
  for (const action of [...succeededInOrder].reverse()) {
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
          timeoutMs: (scale) => actionTimeoutMs(deps.settings.timeouts, action.actionType, scale),
        },
        action.inputParameters,
      );
      result.reverted.push(action);
    } catch (error) {
      logger.error({ err: error, action: action.uuid }, 'rollback of a succeeded action failed');
      result.failed.push({ action, message: messageOf(error) });
    }
  }
  return result;
}

function summarise(
  actions: ActionRecord[],
  states: Map<string, ActionState>,
  reasons: Map<string, string>,
  outcome: WorkflowResult['state'],
  rolledBack: RollbackResult | undefined,
): string | null {
  const inState = (state: ActionState) => actions.filter((action) => states.get(action.uuid) === state);
  const skipped = inState('SKIPPED');
  const failed = inState('FAILED');
  const parts: string[] = [];
  if (failed.length > 0) {
    parts.push(
      `${failed.length} action(s) failed: ${failed.map((a) => `${a.uuid} (${reasons.get(a.uuid) ?? 'failed'})`).join('; ')}.`,
    );
    const dependants = inState('CANCELLED').filter((a) => reasons.get(a.uuid)?.includes('depends on'));
    if (dependants.length > 0)
      parts.push(`${dependants.length} action(s) that depend on a failed action were cancelled.`);
  }
  if (rolledBack) {
    parts.push(`Rollback: ${rolledBack.reverted.length} succeeded action(s) reverted.`);
    if (rolledBack.failed.length > 0)
      parts.push(
        `${rolledBack.failed.length} could not be reverted: ${rolledBack.failed
          .map(({ action, message }) => `${action.uuid} (${message})`)
          .join('; ')}.`,
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
