/**
 * The solution a strategy builds: typed actions plus efficacy indicators. Each move is applied to the strategy's
 * working model at once, so later decisions see earlier ones; the builder also enforces the audit's limits (the
 * way descheduler's Evictor does), so a strategy cannot overdo it.
 */
import { Value } from 'typebox/value';
import { ACTION_PARAMETERS, type ActionParameters, type ActionTypeName } from '../contract/actions.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { Instance } from '../model/elements.js';

export interface SolutionAction {
  actionType: ActionTypeName;
  inputParameters: Record<string, unknown>;
}

export interface SolutionLimits {
  /** Action types this audit may emit; undefined = all. */
  allowedActionTypes?: readonly ActionTypeName[];
  maxActions?: number;
}

export class SolutionLimitReached extends Error {
  override readonly name = 'SolutionLimitReached';
}

export class SolutionBuilder {
  readonly #actions: SolutionAction[] = [];
  readonly #keys = new Set<string>();
  readonly #indicators = new Map<string, number>();

  constructor(
    readonly model: ClusterModel,
    readonly limits: SolutionLimits = {},
  ) {}

  get actions(): readonly SolutionAction[] {
    return this.#actions;
  }

  get indicators(): ReadonlyMap<string, number> {
    return this.#indicators;
  }

  canEmit(actionType: ActionTypeName): boolean {
    return this.limits.allowedActionTypes?.includes(actionType) ?? true;
  }

  /** Adds an action; `resourceId` goes into `input_parameters.resource_id` as upstream. Exact duplicates are dropped. */
  add<T extends ActionTypeName>(actionType: T, parameters: ActionParameters<T>): boolean {
    if (!this.canEmit(actionType))
      throw new SolutionLimitReached(`action type ${actionType} is not allowed in this audit`);
    if (this.limits.maxActions !== undefined && this.#actions.length >= this.limits.maxActions) {
      throw new SolutionLimitReached(`the audit allows at most ${this.limits.maxActions} actions`);
    }
    const schema = ACTION_PARAMETERS[actionType];
    if (!Value.Check(schema, parameters)) {
      const problems = [...Value.Errors(schema, parameters)].map(
        (error) => `${error.instancePath || '/'} ${error.message}`,
      );
      throw new RangeError(`invalid input_parameters for ${actionType}: ${problems.join('; ')}`);
    }
    const inputParameters = { ...(parameters as Record<string, unknown>) };
    const key = `${actionType}:${JSON.stringify(inputParameters)}`;
    if (this.#keys.has(key)) return false;
    this.#keys.add(key);
    this.#actions.push({ actionType, inputParameters });
    return true;
  }

  nop(message: string | null): void {
    this.add('nop', { message });
  }

  sleep(durationSeconds: number): void {
    this.add('sleep', { duration: durationSeconds });
  }

  /** Whether the audit's scope lets this instance be acted on (upstream's `watcher_exclude`). */
  canTouch(instanceUuid: string): boolean {
    return this.model.getInstance(instanceUuid)?.watcherExclude !== true;
  }

  #requireTouchable(instanceUuid: string): void {
    if (!this.canTouch(instanceUuid))
      throw new SolutionLimitReached(`instance ${instanceUuid} is excluded by the audit scope`);
  }

  /** Plans a migration and applies it to the working model. */
  migrate(instance: Instance, options: { from: string; to: string | null; live: boolean }): void {
    this.#requireTouchable(instance.uuid);
    this.add('migrate', {
      resource_id: instance.uuid,
      migration_type: options.live ? 'live' : 'cold',
      source_node: options.from,
      ...(options.to !== null && { destination_node: options.to }),
      resource_name: instance.name,
    });
    if (options.to !== null && this.model.getInstance(instance.uuid))
      this.model.moveInstance(instance.uuid, options.to);
  }

  resize(instanceUuid: string, flavor: string): void {
    this.#requireTouchable(instanceUuid);
    this.add('resize', { resource_id: instanceUuid, flavor });
  }

  indicator(name: string, value: number): void {
    this.#indicators.set(name, value);
  }
}
