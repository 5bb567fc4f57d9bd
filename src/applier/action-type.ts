/**
 * The action contract. `check` is the pre-condition: `{ ok: false, reason }` is an outcome (the action is SKIPPED
 * with the reason); a throw is a failure. `execute` must be idempotent and honour `ctx.signal`. Capabilities such
 * as `abortable` are declared, never inferred.
 */
import type { Static, TSchema } from 'typebox';
import type { CloudPorts } from '../cloud/ports.js';
import type { Clock } from '../lib/clock.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { Logger } from '../observability/logger.js';
import type { TimeoutScale } from './settings.js';

export type Precondition = { ok: true } | { ok: false; reason: string };

export interface ActionContext {
  /** Undefined when Steward runs without a cloud (actions that need one fail with a clear message). */
  readonly cloud: CloudPorts | undefined;
  readonly clock: Clock;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Reports progress of a long operation (like Temporal's heartbeat). */
  progress(pct: number, note?: string): void;
  /**
   * The longest this action may wait for its cloud operation, in ms (`applier.timeouts` in the configuration),
   * scaled by what the operation moves (a migration by the instance's memory).
   */
  timeoutMs(scale?: TimeoutScale): number;
}

export interface ActionType<P extends TSchema = TSchema> {
  readonly name: string;
  readonly parameters: P;
  readonly abortable: boolean;
  describe(params: Static<P>): string;
  check(ctx: ActionContext, params: Static<P>): Promise<Precondition>;
  execute(ctx: ActionContext, params: Static<P>): Promise<void>;
  /** Post-condition: throws when the cloud does not show the expected result. */
  verify?(ctx: ActionContext, params: Static<P>): Promise<void>;
  revert?(ctx: ActionContext, params: Static<P>): Promise<void>;
  /**
   * What the cluster model shows once the action took effect; after the action succeeds the applier waits for the
   * model (kept by the cloud's notifications) to show it, and re-reads `modelInstances` and `modelNodes` from the
   * cloud if it does not in time.
   */
  reflected?(model: ClusterModel, params: Static<P>): boolean;
  /** The instances a targeted model refresh re-reads for this action. */
  modelInstances?(params: Static<P>): string[];
  /** The compute nodes (hostnames or compute node uuids) a targeted model refresh re-reads for this action. */
  modelNodes?(params: Static<P>): string[];
  /**
   * No notification ever shows this action's effect (a Placement trait, a bare metal node's power): the workflow
   * re-reads what it touched at once instead of first waiting `modelWaitSeconds` for a notification.
   */
  readonly unnotified?: boolean;
}

/**
 * The live cluster model as the applier sees it (the compute model provider implements it): waiting for an
 * action's effect to show, and a targeted refresh when it does not.
 */
export interface ModelReflection {
  /** Resolves once `predicate` holds on the live model; rejects after `timeoutMs` on the clock. */
  waitFor(predicate: (model: ClusterModel) => boolean, timeoutMs?: number): Promise<ClusterModel>;
  refreshInstances(uuids: readonly string[]): Promise<void>;
  /** Re-reads these compute nodes' traits, power state and service status; names are hostnames or node uuids. */
  refreshNodes(names: readonly string[]): Promise<void>;
}

export function defineActionType<P extends TSchema>(action: ActionType<P>): ActionType<P> {
  return Object.freeze(action);
}

export const ok: Precondition = { ok: true };
export const skip = (reason: string): Precondition => ({ ok: false, reason });
