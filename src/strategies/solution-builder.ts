/**
 * The solution a strategy builds: typed actions plus efficacy indicators. Like descheduler's Evictor, the builder is
 * where limits are enforced, so no strategy can plan what Nova would refuse:
 * - every action's effect (action-effects.ts) is applied to the working models at once, so later decisions see
 *   earlier ones;
 * - a move Nova or Placement would refuse at that point of the plan (nova-rules.ts), an action type the audit does
 *   not allow, or one past the audit's action limit is refused with an outcome naming the rule — never thrown;
 * - each action records which earlier actions it needs finished first (`requires`): a move into a host waits for
 *   the moves out of it whose room it uses, actions on one instance or one host stay in order. Planners keep these
 *   edges, so the plan is valid in every order its DAG allows (plan-validator.ts checks exactly that);
 * - volume moves are checked with Cinder's rules (cinder-rules.ts) when the builder has the storage model, and wait
 *   for room in their destination pool the same way (see `#waitForPoolRoom`).
 */
import { Compile, type Validator } from 'typebox/compile';
import { ACTION_PARAMETERS, type ActionParameters, type ActionTypeName } from '../contract/actions.js';
import type { IndicatorName } from '../goals/goal.js';
import type { ClusterModel, HostUsage } from '../model/cluster-model.js';
import type { ComputeNode, Instance, Volume } from '../model/elements.js';
import type { StorageModel } from '../model/storage-model.js';
import { applyAction, hostOfAction, type WorkingModels } from './action-effects.js';
import {
  refuseVolumeMigration,
  refuseVolumeRetype,
  VolumeTypeIndex,
  type VolumeRefusal,
  type VolumeRule,
} from './cinder-rules.js';
import {
  refuseCapacity,
  refuseDestinationFor,
  refuseDestinationHost,
  refuseInstanceMove,
  refuseServerGroup,
  refuseStop,
  type MoveKind,
  type MoveRule,
  type Refusal,
} from './nova-rules.js';

export interface SolutionAction {
  actionType: ActionTypeName;
  inputParameters: Record<string, unknown>;
  /** Indexes of earlier actions of the solution that must have finished before this one starts. */
  requires?: readonly number[];
}

export interface SolutionLimits {
  /** Action types this audit may emit; undefined = all. */
  allowedActionTypes?: readonly ActionTypeName[];
  maxActions?: number;
}

/** Rules of the builder itself, beside Nova's. */
export const BUILDER_RULES = {
  ACTION_NOT_ALLOWED: 'the audit does not allow this action type',
  ACTION_LIMIT: 'the audit’s action limit is reached',
  DUPLICATE: 'the same action is already in the solution',
  HOST_UNKNOWN: 'the host is not in the audit’s model',
  HOST_NOT_EMPTY: 'the host still holds instances',
} as const;

export type BuilderRule = keyof typeof BUILDER_RULES;
export type SolutionRule = MoveRule | VolumeRule | BuilderRule;

/** An action was added (its index in the solution), or refused with the rule and why. */
export type Outcome = { ok: true; index: number } | { ok: false; rule: SolutionRule; reason: string };

export type { IndicatorName };

const refused = (refusal: Refusal | VolumeRefusal): Outcome => ({ ok: false, ...refusal });
const builderRefusal = (rule: BuilderRule, detail: string): Outcome => ({
  ok: false,
  rule,
  reason: `${BUILDER_RULES[rule]} (${detail})`,
});

interface Departure {
  index: number;
  usage: HostUsage;
}

/** What the plan so far does to one pool's room (the pool's virtual free capacity when the plan first touched it). */
interface PoolLedger {
  roomGb: number;
  /** GB of every move into the pool so far. */
  arrivedGb: number;
  arrivals: number[];
  /** Set once a move in needed room that moves out free: from then on the moves in are chained. */
  borrowing: boolean;
  /** GB of the moves out that the chained moves in wait for. */
  creditGb: number;
  /** Moves out that no move in waits for yet. */
  pending: { index: number; sizeGb: number }[];
}

/** `I`: the indicators `indicator()` takes, the strategy's goal's when a strategy holds it. */
export class SolutionBuilder<I extends IndicatorName = IndicatorName> {
  readonly #actions: SolutionAction[] = [];
  readonly #keys = new Set<string>();
  readonly #indicators = new Map<string, number>();
  #models: WorkingModels;
  /** Group uuid → member instance uuids, built on the first server-group check. */
  #groups: Map<string, string[]> | undefined;
  /** Moves out of a host whose room no later move into it has been made to wait for yet. */
  readonly #pendingDepartures = new Map<string, Departure[]>();
  /** Every move out of a host so far (a power-off waits for all of them). */
  readonly #departures = new Map<string, number[]>();
  /** The last move into a host: moves into one host are chained, so each sees the ones before it. */
  readonly #lastArrival = new Map<string, number>();
  /** The last state or power change of a host. */
  readonly #lastHostChange = new Map<string, number>();
  /** The last action on an instance. */
  readonly #lastInstanceAction = new Map<string, number>();
  /** The last action on a volume. */
  readonly #lastVolumeAction = new Map<string, number>();
  readonly #pools = new Map<string, PoolLedger>();
  #volumeTypes: VolumeTypeIndex | undefined;

  constructor(
    readonly model: ClusterModel,
    readonly limits: SolutionLimits = {},
    storage?: StorageModel,
  ) {
    this.#models = { compute: model, ...(storage && { storage }) };
  }

  /**
   * Gives the builder the storage model the strategy reads (the audit runner loads it lazily, on the strategy's
   * first `ctx.storage()`), so volume actions change it as compute actions change the cluster model.
   */
  useStorage(storage: StorageModel): void {
    this.#models = { ...this.#models, storage };
    this.#volumeTypes = undefined;
  }

  /** The storage model volume moves are checked against, when the strategy has loaded one. */
  get storage(): StorageModel | undefined {
    return this.#models.storage;
  }

  get actions(): readonly SolutionAction[] {
    return this.#actions;
  }

  get indicators(): ReadonlyMap<string, number> {
    return this.#indicators;
  }

  canEmit(actionType: ActionTypeName): boolean {
    return this.limits.allowedActionTypes?.includes(actionType) ?? true;
  }

  /** Whether the audit's scope lets this instance be acted on (upstream's `watcher_exclude`). */
  canTouch(instanceUuid: string): boolean {
    return this.model.getInstance(instanceUuid)?.watcherExclude !== true;
  }

  /**
   * Adds an action as given (the actuator's hand-written plans go through here): migrations are checked like
   * `migrate()`, every action's effect is applied. Parameters that break the action's schema are a programming
   * error and throw.
   */
  add<T extends ActionTypeName>(actionType: T, parameters: ActionParameters<T>): Outcome {
    assertParameters(actionType, parameters);
    if (actionType === 'migrate') {
      const params = parameters as ActionParameters<'migrate'>;
      const instance = this.model.getInstance(params.resource_id);
      if (instance && params.destination_node != null)
        return this.migrate(instance, {
          to: params.destination_node,
          live: params.migration_type === 'live',
        });
      // Without a destination Nova's scheduler picks one, but the instance's own rules (state, lock,
      // lifecycle:* metadata) hold wherever it goes.
      const kind: MoveKind = params.migration_type === 'live' ? 'live' : 'cold';
      const refusal = instance && refuseInstanceMove(instance, kind);
      if (refusal) return refused(refusal);
    }
    if (actionType === 'volume_migrate' && this.#models.storage)
      return this.#moveVolume(parameters as ActionParameters<'volume_migrate'>, []);
    return this.#push(actionType, parameters, this.#requirementsOf(actionType, parameters));
  }

  nop(message: string | null): Outcome {
    return this.add('nop', { message });
  }

  sleep(durationSeconds: number): Outcome {
    return this.add('sleep', { duration: durationSeconds });
  }

  /** Why Nova would refuse this move now, or undefined when it would accept it. Plans nothing. */
  refuseMigration(instance: Instance, to: string, kind: MoveKind): Refusal | undefined {
    const current = this.model.getInstance(instance.uuid);
    if (!current)
      return {
        rule: 'INSTANCE_UNKNOWN',
        reason: `the instance is not in the audit’s model (${instance.uuid})`,
      };
    const byInstance = refuseInstanceMove(current, kind);
    if (byInstance) return byInstance;
    const source = current.hostname;
    if (source === to)
      return { rule: 'SAME_HOST', reason: `the destination is the instance’s own host (${to})` };
    const sourceNode = source === null ? undefined : this.model.getNode(source);
    if (sourceNode?.inMaintenance)
      return {
        rule: 'HOST_IN_MAINTENANCE',
        reason: `the source or the destination is in maintenance (${sourceNode.hostname})`,
      };
    const node = this.model.getNode(to);
    if (!node)
      return { rule: 'DESTINATION_UNKNOWN', reason: `the destination is not in the audit’s model (${to})` };
    return (
      refuseDestinationHost(node) ??
      refuseDestinationFor(this.model, current, node) ??
      refuseCapacity(this.model, node, this.model.usage(to), current) ??
      this.#refuseGroup(current, to)
    );
  }

  /**
   * Plans a migration to `to` and applies it to the working model, or refuses it with the rule Nova would apply.
   * Source is where the working model has the instance now.
   */
  migrate(
    instance: Instance,
    options: {
      to: string;
      live: boolean;
      /**
       * Leave the destination out of the action, so Nova's scheduler picks it (node_resource_consolidation's
       * `host_choice: auto`); the working model still assumes `to`, which the strategy checked has room.
       */
      letNovaChoose?: boolean;
      /** Earlier actions this move must wait for besides the ones the rules need (e.g. a strategy's parallelism). */
      after?: readonly number[];
    },
  ): Outcome {
    if (!this.canEmit('migrate')) return builderRefusal('ACTION_NOT_ALLOWED', 'migrate');
    const kind: MoveKind = options.live ? 'live' : 'cold';
    const refusal = this.refuseMigration(instance, options.to, kind);
    if (refusal) return refused(refusal);
    const current = this.model.getInstance(instance.uuid)!;
    const from = current.hostname!;
    const requires = new Set<number>(options.after);
    this.#afterInstance(current.uuid, requires);
    const hostChange = this.#lastHostChange.get(options.to);
    if (hostChange !== undefined) requires.add(hostChange);
    const arrival = this.#lastArrival.get(options.to);
    if (arrival !== undefined) requires.add(arrival);
    const roomFrom = this.#waitForRoom(options.to, current, requires);
    if (current.serverGroup?.policy === 'anti-affinity') {
      // A member that left the destination must be gone before this one arrives.
      const group = current.serverGroup.uuid;
      for (const index of this.#departures.get(options.to) ?? []) {
        const other = this.model.getInstance(String(this.#actions[index]!.inputParameters.resource_id));
        if (other?.serverGroup?.uuid === group) requires.add(index);
      }
    }
    const outcome = this.#push(
      'migrate',
      {
        resource_id: current.uuid,
        migration_type: kind,
        source_node: from,
        ...(options.letNovaChoose !== true && { destination_node: options.to }),
        resource_name: current.name,
      },
      requires,
    );
    if (!outcome.ok) return outcome;
    if (options.letNovaChoose === true) this.model.moveInstance(current.uuid, options.to);
    this.#pendingDepartures.get(options.to)?.splice(0, roomFrom);
    this.#lastArrival.set(options.to, outcome.index);
    const usage = { vcpus: current.vcpus, memoryMb: current.memoryMb, diskGb: current.diskGb };
    listOf(this.#pendingDepartures, from).push({ index: outcome.index, usage });
    listOf(this.#departures, from).push(outcome.index);
    return outcome;
  }

  /** Why Cinder would refuse to migrate this volume to `pool` now, or undefined when it would take it. Plans nothing. */
  refuseVolumeMigration(volume: Volume, pool: string): VolumeRefusal | undefined {
    const storage = this.#models.storage;
    const current = storage?.getVolume(volume.uuid);
    if (!storage || !current)
      return {
        rule: 'VOLUME_UNKNOWN',
        reason: `the volume is not in the audit’s storage model (${volume.uuid})`,
      };
    return refuseVolumeMigration(storage, this.#typeIndex(storage), this.model, current, pool);
  }

  /**
   * Plans a Cinder migration of the volume to `to` (`host@backend#pool`) and applies it to the storage model, or
   * refuses it with the rule Cinder would apply. `kind` is upstream's `migration_type` (`swap` is an alias).
   */
  migrateVolume(
    volume: Volume,
    options: { to: string; kind?: 'migrate' | 'swap'; after?: readonly number[] },
  ): Outcome {
    return this.#moveVolume(
      {
        resource_id: volume.uuid,
        migration_type: options.kind ?? 'migrate',
        destination_node: options.to,
        resource_name: volume.name,
      },
      options.after ?? [],
    );
  }

  /** Plans a retype of the volume to `type`; Cinder moves it when its pool does not serve the type (cinder-rules.ts). */
  retypeVolume(volume: Volume, options: { type: string; after?: readonly number[] }): Outcome {
    return this.#moveVolume(
      {
        resource_id: volume.uuid,
        migration_type: 'retype',
        destination_type: options.type,
        resource_name: volume.name,
      },
      options.after ?? [],
    );
  }

  /**
   * Stops an instance (its allocation stays on the host, as Nova keeps it), or refuses it as Nova would
   * (`refuseStop`); `after` lists earlier actions it must wait for (e.g. its host's disable).
   */
  stop(instance: Instance, options: { after?: readonly number[] } = {}): Outcome {
    const current = this.model.getInstance(instance.uuid);
    if (!current)
      return refused({
        rule: 'INSTANCE_UNKNOWN',
        reason: `the instance is not in the audit’s model (${instance.uuid})`,
      });
    const refusal = refuseStop(current);
    if (refusal) return refused(refusal);
    const requires = new Set<number>(options.after);
    this.#afterInstance(current.uuid, requires);
    return this.#push('stop', { resource_id: current.uuid }, requires);
  }

  resize(instance: Instance, flavor: string): Outcome {
    const current = this.model.getInstance(instance.uuid);
    if (!current)
      return refused({
        rule: 'INSTANCE_UNKNOWN',
        reason: `the instance is not in the audit’s model (${instance.uuid})`,
      });
    if (current.watcherExclude === true)
      return refused({
        rule: 'INSTANCE_EXCLUDED',
        reason: `the audit scope excludes the instance (${current.uuid})`,
      });
    if (current.locked)
      return refused({ rule: 'INSTANCE_LOCKED', reason: `the instance is locked (${current.uuid})` });
    const requires = new Set<number>();
    this.#afterInstance(current.uuid, requires);
    return this.#push('resize', { resource_id: current.uuid, flavor }, requires);
  }

  /** Enables or disables a host's nova-compute service (upstream: resource_id = node uuid, resource_name = host). */
  changeServiceState(
    hostname: string,
    state: 'enabled' | 'disabled',
    reason?: string,
    options: { after?: readonly number[] } = {},
  ): Outcome {
    const node = this.model.getNode(hostname);
    if (!node) return builderRefusal('HOST_UNKNOWN', hostname);
    if (node.status === state) return builderRefusal('DUPLICATE', `${hostname} is already ${state}`);
    const requires = this.#afterHost(hostname);
    for (const index of options.after ?? []) requires.add(index);
    // A host disabled after moves into it must wait for them, or a move could meet a disabled destination.
    if (state === 'disabled') {
      const arrival = this.#lastArrival.get(hostname);
      if (arrival !== undefined) requires.add(arrival);
    }
    const outcome = this.#push(
      'change_nova_service_state',
      {
        resource_id: node.uuid,
        state,
        resource_name: node.hostname,
        ...(state === 'disabled' && reason !== undefined && { disabled_reason: reason }),
      },
      requires,
    );
    if (outcome.ok) this.#lastHostChange.set(hostname, outcome.index);
    return outcome;
  }

  disableComputeService(hostname: string, reason = 'watcher_disabled'): Outcome {
    return this.changeServiceState(hostname, 'disabled', reason);
  }

  /** Enables a host; `after` lists actions it must wait for (e.g. every migration the disable steered). */
  enableComputeService(hostname: string, options: { after?: readonly number[] } = {}): Outcome {
    return this.changeServiceState(hostname, 'enabled', undefined, options);
  }

  /** Powers a host on or off; off only once every instance has left it in the plan. */
  changePowerState(hostname: string, state: 'on' | 'off'): Outcome {
    const node = this.model.getNode(hostname);
    if (!node) return builderRefusal('HOST_UNKNOWN', hostname);
    if (node.powerState === state)
      return builderRefusal('DUPLICATE', `${hostname} is already ${state === 'off' ? 'off' : 'on'}`);
    const requires = this.#afterHost(hostname);
    if (state === 'off') {
      const left = this.model.instancesOn(hostname).length;
      if (left > 0) return builderRefusal('HOST_NOT_EMPTY', `${hostname} holds ${left}`);
      for (const index of this.#departures.get(hostname) ?? []) requires.add(index);
    }
    const outcome = this.#push(
      'change_node_power_state',
      { resource_id: node.uuid, state, resource_name: node.hostname },
      requires,
    );
    if (outcome.ok) this.#lastHostChange.set(hostname, outcome.index);
    return outcome;
  }

  /** Records an efficacy indicator of the goal (the last value wins). */
  indicator(name: I, value: number): void {
    this.#indicators.set(name, value);
  }

  #typeIndex(storage: StorageModel): VolumeTypeIndex {
    return (this.#volumeTypes ??= new VolumeTypeIndex(storage));
  }

  #moveVolume(parameters: ActionParameters<'volume_migrate'>, after: readonly number[]): Outcome {
    if (!this.canEmit('volume_migrate')) return builderRefusal('ACTION_NOT_ALLOWED', 'volume_migrate');
    const storage = this.#models.storage;
    const volume = storage?.getVolume(parameters.resource_id);
    if (!storage || !volume)
      return refused({
        rule: 'VOLUME_UNKNOWN',
        reason: `the volume is not in the audit’s storage model (${parameters.resource_id})`,
      });
    const types = this.#typeIndex(storage);
    let to: string;
    if (parameters.migration_type === 'retype') {
      if (parameters.destination_type == null)
        throw new RangeError('volume_migrate of type retype needs destination_type');
      const outcome = refuseVolumeRetype(storage, types, this.model, volume, parameters.destination_type);
      if ('rule' in outcome) return refused(outcome);
      to = outcome.destination;
    } else {
      if (parameters.destination_node == null)
        throw new RangeError(`volume_migrate of type ${parameters.migration_type} needs destination_node`);
      to = parameters.destination_node;
      const refusal = refuseVolumeMigration(storage, types, this.model, volume, to);
      if (refusal) return refused(refusal);
    }
    const from = volume.pool;
    const moves = from !== to;
    const requires = new Set<number>(after);
    const lastOnVolume = this.#lastVolumeAction.get(volume.uuid);
    if (lastOnVolume !== undefined) requires.add(lastOnVolume);
    // An attached volume is copied by its server's hypervisor: no other action on that server meanwhile.
    const servers = volume.attachments
      .map((attachment) => attachment.serverId)
      .filter((uuid) => this.model.getInstance(uuid) !== undefined);
    for (const server of servers) this.#afterInstance(server, requires);
    const destination = moves ? this.#ledger(storage, to) : undefined;
    const source = moves && from !== null ? this.#ledger(storage, from) : undefined;
    const room = destination && this.#waitForPoolRoom(destination, volume.sizeGb, requires);
    const outcome = this.#push('volume_migrate', parameters, requires);
    if (!outcome.ok) return outcome;
    this.#lastVolumeAction.set(volume.uuid, outcome.index);
    for (const server of servers) this.#lastInstanceAction.set(server, outcome.index);
    if (destination && room) {
      destination.pending.splice(0, room.waited);
      destination.borrowing ||= room.borrows;
      destination.creditGb = room.creditGb;
      destination.arrivedGb += volume.sizeGb;
      destination.arrivals.push(outcome.index);
    }
    source?.pending.push({ index: outcome.index, sizeGb: volume.sizeGb });
    return outcome;
  }

  /** The pool's ledger, opened with its room before the plan's first action on it changes that. */
  #ledger(storage: StorageModel, poolName: string): PoolLedger {
    let ledger = this.#pools.get(poolName);
    if (!ledger) {
      ledger = {
        roomGb: storage.getPool(poolName)?.virtualFreeGb ?? 0,
        arrivedGb: 0,
        arrivals: [],
        borrowing: false,
        creditGb: 0,
        pending: [],
      };
      this.#pools.set(poolName, ledger);
    }
    return ledger;
  }

  /**
   * Moves into a pool run side by side while all of them together fit the room the pool had. The first one that
   * needs room a move out frees waits for every earlier move in, and for the oldest moves out until it fits; the
   * moves in after it are chained. So in any order the DAG allows, a pool never holds more than it had room for.
   * Returns how many pending moves out are waited for and the room they free, to be booked once the move is planned.
   */
  #waitForPoolRoom(
    ledger: PoolLedger,
    sizeGb: number,
    requires: Set<number>,
  ): { borrows: boolean; waited: number; creditGb: number } {
    if (!ledger.borrowing && ledger.arrivedGb + sizeGb <= ledger.roomGb + 1e-9)
      return { borrows: false, waited: 0, creditGb: 0 };
    if (!ledger.borrowing) for (const index of ledger.arrivals) requires.add(index);
    else if (ledger.arrivals.length > 0) requires.add(ledger.arrivals[ledger.arrivals.length - 1]!);
    let waited = 0;
    let creditGb = ledger.creditGb;
    while (waited < ledger.pending.length && ledger.arrivedGb + sizeGb - creditGb > ledger.roomGb + 1e-9) {
      const departure = ledger.pending[waited]!;
      requires.add(departure.index);
      creditGb += departure.sizeGb;
      waited += 1;
    }
    return { borrows: true, waited, creditGb };
  }

  #push<T extends ActionTypeName>(
    actionType: T,
    parameters: ActionParameters<T>,
    requires: ReadonlySet<number>,
  ): Outcome {
    if (!this.canEmit(actionType)) return builderRefusal('ACTION_NOT_ALLOWED', actionType);
    if (this.limits.maxActions !== undefined && this.#actions.length >= this.limits.maxActions)
      return builderRefusal('ACTION_LIMIT', `at most ${this.limits.maxActions} actions`);
    assertParameters(actionType, parameters);
    const inputParameters = { ...(parameters as Record<string, unknown>) };
    // Actions on resources are repeatable (an instance may come back, a host be disabled again): the model says
    // whether they change anything. Exact repeats of the others are dropped, as upstream does.
    if (actionType === 'nop' || actionType === 'sleep') {
      const key = `${actionType}:${JSON.stringify(inputParameters)}`;
      if (this.#keys.has(key)) return builderRefusal('DUPLICATE', actionType);
      this.#keys.add(key);
    }
    const storage = this.#models.storage;
    applyAction(
      storage ? { ...this.#models, volumeTypes: this.#typeIndex(storage) } : this.#models,
      actionType,
      parameters,
    );
    const index = this.#actions.length;
    const resourceId = (parameters as { resource_id?: unknown }).resource_id;
    if (typeof resourceId === 'string' && this.model.getInstance(resourceId))
      this.#lastInstanceAction.set(resourceId, index);
    this.#actions.push({
      actionType,
      inputParameters,
      ...(requires.size > 0 && { requires: [...requires].sort((a, b) => a - b) }),
    });
    return { ok: true, index };
  }

  /** Ordering edges for an action added through `add()` (the actuator's): per instance and per host. */
  #requirementsOf(actionType: ActionTypeName, parameters: unknown): Set<number> {
    const params = parameters as { resource_id?: unknown; resource_name?: string };
    const requires = new Set<number>();
    if (typeof params.resource_id !== 'string') return requires;
    if (this.model.getInstance(params.resource_id)) this.#afterInstance(params.resource_id, requires);
    if (actionType === 'change_nova_service_state' || actionType === 'change_node_power_state') {
      const node = hostOfAction(this.model, {
        resource_id: params.resource_id,
        resource_name: params.resource_name,
      });
      if (node) for (const index of this.#afterHost(node.hostname)) requires.add(index);
    }
    return requires;
  }

  #afterInstance(uuid: string, requires: Set<number>): void {
    const last = this.#lastInstanceAction.get(uuid);
    if (last !== undefined) requires.add(last);
  }

  #afterHost(hostname: string): Set<number> {
    const requires = new Set<number>();
    const last = this.#lastHostChange.get(hostname);
    if (last !== undefined) requires.add(last);
    return requires;
  }

  /**
   * The worst case for a move into `hostname`: every earlier move into it done (they are chained), and none of the
   * moves out of it that no one waits for yet. Waits for the oldest such departures until the instance fits then,
   * and returns how many, to be taken off the pending list once the move is planned.
   */
  #waitForRoom(hostname: string, instance: Instance, requires: Set<number>): number {
    const pending = this.#pendingDepartures.get(hostname);
    if (!pending || pending.length === 0) return 0;
    const node = this.model.getNode(hostname)!;
    const capacity = this.model.capacity(node);
    const used = this.model.usage(hostname);
    const worst = {
      vcpus: used.vcpus + instance.vcpus,
      memoryMb: used.memoryMb + instance.memoryMb,
      diskGb: used.diskGb + instance.diskGb,
    };
    for (const departure of pending) {
      worst.vcpus += departure.usage.vcpus;
      worst.memoryMb += departure.usage.memoryMb;
      worst.diskGb += departure.usage.diskGb;
    }
    let waited = 0;
    while (
      waited < pending.length &&
      (worst.vcpus > capacity.vcpus + 1e-9 ||
        worst.memoryMb > capacity.memoryMb + 1e-9 ||
        worst.diskGb > capacity.diskGb + 1e-9)
    ) {
      const departure = pending[waited]!;
      requires.add(departure.index);
      worst.vcpus -= departure.usage.vcpus;
      worst.memoryMb -= departure.usage.memoryMb;
      worst.diskGb -= departure.usage.diskGb;
      waited += 1;
    }
    return waited;
  }

  #refuseGroup(instance: Instance, to: string): Refusal | undefined {
    const group = instance.serverGroup;
    if (!group || (group.policy !== 'affinity' && group.policy !== 'anti-affinity')) return undefined;
    if (!this.#groups) {
      this.#groups = new Map();
      for (const member of this.model.instances())
        if (member.serverGroup) listOf(this.#groups, member.serverGroup.uuid).push(member.uuid);
    }
    const hosts: (string | null)[] = [];
    for (const uuid of this.#groups.get(group.uuid) ?? [])
      if (uuid !== instance.uuid) hosts.push(this.model.getInstance(uuid)?.hostname ?? null);
    return refuseServerGroup(instance, to, hosts);
  }
}

function listOf<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}

/**
 * Each action type's parameter check, compiled on first use: `Value.Check` walks the schema again for every action
 * (hundreds of microseconds per migration, most of a large plan's planning time); a compiled check takes a few.
 */
const parameterChecks = new Map<ActionTypeName, Validator>();

function assertParameters(actionType: ActionTypeName, parameters: unknown): void {
  let check = parameterChecks.get(actionType);
  if (!check) parameterChecks.set(actionType, (check = Compile(ACTION_PARAMETERS[actionType])));
  if (check.Check(parameters)) return;
  const problems = check.Errors(parameters).map((error) => `${error.instancePath || '/'} ${error.message}`);
  throw new RangeError(`invalid input_parameters for ${actionType}: ${problems.join('; ')}`);
}

/** A refusal no other move would escape: the audit forbids the action type or has used up its actions. */
export const isAuditLimit = (rule: SolutionRule): boolean =>
  rule === 'ACTION_NOT_ALLOWED' || rule === 'ACTION_LIMIT';

/** Whether a host takes new instances at all (for strategies choosing candidates). */
export const isSchedulable = (node: ComputeNode): boolean => refuseDestinationHost(node) === undefined;
