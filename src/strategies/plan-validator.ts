/**
 * Replays a stored action plan against the model it was planned on and reports everything Nova or Placement would
 * refuse, in any order the plan's DAG allows — the same rules the solution builder enforces (nova-rules.ts), checked
 * independently of the strategy that made the plan. Used by tests and benchmarks.
 *
 * Two passes:
 * 1. a sequential replay in one topological order (lowest index first), applying each action's effect and checking
 *    every rule at that point: a plan must be right in the order its author meant;
 * 2. the orders the DAG leaves open: for each move into a host, the worst case counts every move into that host that
 *    is not a descendant of it as done, and only the moves out of it that are its ancestors as done (Placement's
 *    allocations then); a disable or power-off of the destination that may run first, another member of an
 *    anti-affinity group that may already be there, and two actions on one instance that may overlap are findings.
 *    This worst case is an upper bound on the real one, exact for plans whose moves into a host are chained (the
 *    solution builder's), so a clean plan is valid in every order.
 *
 * Given the storage model, volume moves are checked the same way with Cinder's rules (cinder-rules.ts): in the
 * intended order, then in every order for each pool's room (every move into the pool that is not a descendant counts
 * as done, only the moves out that are ancestors as gone) and for a volume, or the server it is attached to, acted on
 * twice at once.
 */
import { Value } from 'typebox/value';
import { ACTION_PARAMETERS, isActionTypeName, type ActionParameters } from '../contract/actions.js';
import type { ClusterModel, HostUsage } from '../model/cluster-model.js';
import type { Instance } from '../model/elements.js';
import type { StorageModel } from '../model/storage-model.js';
import { applyAction, hostOfAction } from './action-effects.js';
import {
  refuseVolumeMigration,
  refuseVolumeRetype,
  VolumeTypeIndex,
  type VolumeRule,
} from './cinder-rules.js';
import {
  refuseCapacity,
  refuseDestinationFor,
  refuseDestinationHost,
  refuseInstanceMove,
  refuseServerGroup,
  refuseStop,
  type MoveRule,
} from './nova-rules.js';

export interface PlanAction {
  readonly uuid: string;
  readonly actionType: string;
  readonly inputParameters: Record<string, unknown>;
  readonly parents: readonly string[];
}

export const PLAN_RULES = {
  UNKNOWN_ACTION_TYPE: 'the action type is unknown',
  INVALID_PARAMETERS: 'the input parameters break the action type’s schema',
  UNKNOWN_PARENT: 'a parent is not in the plan',
  CYCLE: 'the actions wait for each other in a cycle',
  SOURCE_MISMATCH: 'the instance is not on the source node at that point',
  HOST_UNKNOWN: 'the host is not in the model',
  HOST_NOT_EMPTY: 'the host is powered off while instances are on it',
  ORDER_CAPACITY: 'in an order the plan allows, the destination lacks the allocation for the instance',
  ORDER_DESTINATION_DISABLED:
    'in an order the plan allows, the destination is disabled or off when the move runs',
  ORDER_ANTI_AFFINITY:
    'in an order the plan allows, a member of the anti-affinity group is on the destination',
  ORDER_INSTANCE_OVERLAP: 'two actions on one instance may run at the same time',
  ORDER_POWER_OFF: 'in an order the plan allows, the host is powered off before an instance leaves it',
  ORDER_POOL_CAPACITY: 'in an order the plan allows, the destination pool lacks the room for the volume',
  ORDER_VOLUME_OVERLAP: 'two actions on one volume may run at the same time',
} as const;

export type PlanRule = keyof typeof PLAN_RULES | MoveRule | VolumeRule;

export interface Finding {
  readonly uuid: string;
  readonly actionType: string;
  readonly rule: PlanRule;
  readonly reason: string;
}

interface Move {
  index: number;
  instance: string;
  from: string;
  to: string;
  usage: HostUsage;
}

interface VolumeMove {
  index: number;
  from: string | null;
  to: string;
  sizeGb: number;
}

interface HostChange {
  index: number;
  kind: 'disable' | 'enable' | 'off' | 'on';
}

export function validatePlan(
  model: ClusterModel,
  plan: readonly PlanAction[],
  options: { storage?: StorageModel } = {},
): Finding[] {
  const findings: Finding[] = [];
  const flagged = new Set<number>();
  const report = (index: number, rule: PlanRule, reason: string) => {
    flagged.add(index);
    const action = plan[index]!;
    findings.push({ uuid: action.uuid, actionType: action.actionType, rule, reason });
  };
  const positionOf = new Map(plan.map((action, index) => [action.uuid, index]));
  const parents: number[][] = plan.map((action, index) =>
    action.parents.flatMap((uuid) => {
      const parent = positionOf.get(uuid);
      if (parent === undefined) report(index, 'UNKNOWN_PARENT', `${PLAN_RULES.UNKNOWN_PARENT} (${uuid})`);
      return parent === undefined ? [] : [parent];
    }),
  );
  const order = topologicalOrder(parents);
  if (order.length < plan.length) {
    const ordered = new Set(order);
    plan.forEach((_action, index) => {
      if (!ordered.has(index)) report(index, 'CYCLE', PLAN_RULES.CYCLE);
    });
    return findings;
  }

  const working = model.clone();
  const storage = options.storage?.clone();
  const volumeTypes = storage && new VolumeTypeIndex(storage);
  const models = { compute: working, ...(storage && volumeTypes && { storage, volumeTypes }) };
  const initialUsage = new Map<string, HostUsage>();
  for (const node of model.nodes()) initialUsage.set(node.hostname, model.usage(node.hostname));
  const moves: Move[] = [];
  const hostChanges = new Map<string, HostChange[]>();
  const byInstance = new Map<string, number[]>();
  const volumeMoves: VolumeMove[] = [];
  const byVolume = new Map<string, number[]>();
  const groupMembers = new Map<string, string[]>();
  for (const instance of model.instances())
    if (instance.serverGroup) listOf(groupMembers, instance.serverGroup.uuid).push(instance.uuid);

  for (const index of order) {
    const action = plan[index]!;
    const { actionType, inputParameters } = action;
    if (!isActionTypeName(actionType)) {
      report(index, 'UNKNOWN_ACTION_TYPE', `${PLAN_RULES.UNKNOWN_ACTION_TYPE} (${actionType})`);
      continue;
    }
    if (!Value.Check(ACTION_PARAMETERS[actionType], inputParameters)) {
      report(index, 'INVALID_PARAMETERS', `${PLAN_RULES.INVALID_PARAMETERS} (${actionType})`);
      continue;
    }
    const resourceId = action.inputParameters.resource_id;
    if (typeof resourceId === 'string' && model.getInstance(resourceId))
      listOf(byInstance, resourceId).push(index);
    if (actionType === 'migrate') {
      const params = inputParameters as ActionParameters<'migrate'>;
      const instance = working.getInstance(params.resource_id);
      if (!instance) {
        report(index, 'INSTANCE_UNKNOWN', `the instance is not in the model (${params.resource_id})`);
        continue;
      }
      if (instance.hostname !== params.source_node) {
        report(
          index,
          'SOURCE_MISMATCH',
          `${PLAN_RULES.SOURCE_MISMATCH} (${instance.name} is on ${instance.hostname ?? 'no host'}, not ${params.source_node})`,
        );
        continue;
      }
      const to = params.destination_node;
      if (to == null) continue;
      const refusal = checkMove(working, instance, to, params.migration_type, groupMembers);
      if (refusal) report(index, refusal.rule, refusal.reason);
      moves.push({
        index,
        instance: instance.uuid,
        from: params.source_node,
        to,
        usage: { vcpus: instance.vcpus, memoryMb: instance.memoryMb, diskGb: instance.diskGb },
      });
    } else if (actionType === 'change_nova_service_state' || actionType === 'change_node_power_state') {
      const params = inputParameters as ActionParameters<
        'change_nova_service_state' | 'change_node_power_state'
      >;
      const node = hostOfAction(working, params);
      if (!node) {
        report(
          index,
          'HOST_UNKNOWN',
          `${PLAN_RULES.HOST_UNKNOWN} (${params.resource_name ?? params.resource_id})`,
        );
        continue;
      }
      const kind = hostChangeKind(actionType, params.state);
      if (kind === 'off' && working.instancesOn(node.hostname).length > 0)
        report(index, 'HOST_NOT_EMPTY', `${PLAN_RULES.HOST_NOT_EMPTY} (${node.hostname})`);
      if (kind) listOf(hostChanges, node.hostname).push({ index, kind });
    } else if (actionType === 'stop') {
      const params = inputParameters as ActionParameters<'stop'>;
      const instance = working.getInstance(params.resource_id);
      const refusal = instance && refuseStop(instance);
      if (refusal) report(index, refusal.rule, refusal.reason);
    } else if (actionType === 'volume_migrate' && models.storage && volumeTypes) {
      const params = inputParameters as ActionParameters<'volume_migrate'>;
      const volume = models.storage.getVolume(params.resource_id);
      if (!volume) {
        report(index, 'VOLUME_UNKNOWN', `the volume is not in the storage model (${params.resource_id})`);
        continue;
      }
      listOf(byVolume, volume.uuid).push(index);
      // The volume is copied by its server's hypervisor: for ordering, it is an action on the server too.
      for (const attachment of volume.attachments)
        if (model.getInstance(attachment.serverId)) listOf(byInstance, attachment.serverId).push(index);
      let to: string | null | undefined = params.destination_node;
      if (params.migration_type === 'retype' && params.destination_type != null) {
        const outcome = refuseVolumeRetype(
          models.storage,
          volumeTypes,
          working,
          volume,
          params.destination_type,
        );
        if ('rule' in outcome) report(index, outcome.rule, outcome.reason);
        else to ??= outcome.destination;
      } else if (to != null) {
        const refusal = refuseVolumeMigration(models.storage, volumeTypes, working, volume, to);
        if (refusal) report(index, refusal.rule, refusal.reason);
      }
      if (to != null && to !== volume.pool)
        volumeMoves.push({ index, from: volume.pool, to, sizeGb: volume.sizeGb });
    }
    applyAction(models, actionType, inputParameters as never);
  }

  // An action already wrong in the intended order is reported once, for that.
  const sequential = new Set(flagged);
  checkOrders(
    model,
    plan,
    parents,
    order,
    {
      moves,
      hostChanges,
      byInstance,
      groupMembers,
      initialUsage,
      volumeMoves,
      byVolume,
      initialRoomGb: (pool) => options.storage?.getPool(pool)?.virtualFreeGb ?? 0,
    },
    (index, rule, reason) => {
      if (!sequential.has(index)) report(index, rule, reason);
    },
  );
  return findings;
}

function hostChangeKind(actionType: string, state: string): HostChange['kind'] | undefined {
  if (actionType === 'change_node_power_state') return state === 'off' ? 'off' : 'on';
  if (state === 'disabled' || state === 'down') return 'disable';
  if (state === 'enabled' || state === 'up') return 'enable';
  return undefined;
}

function checkMove(
  model: ClusterModel,
  instance: Instance,
  to: string,
  kind: 'live' | 'cold',
  groupMembers: ReadonlyMap<string, string[]>,
): { rule: MoveRule; reason: string } | undefined {
  const byInstance = refuseInstanceMove(instance, kind);
  if (byInstance) return byInstance;
  if (instance.hostname === to)
    return { rule: 'SAME_HOST', reason: `the destination is the instance’s own host (${to})` };
  const source = instance.hostname === null ? undefined : model.getNode(instance.hostname);
  if (source?.inMaintenance)
    return {
      rule: 'HOST_IN_MAINTENANCE',
      reason: `the source or the destination is in maintenance (${source.hostname})`,
    };
  const node = model.getNode(to);
  if (!node) return { rule: 'DESTINATION_UNKNOWN', reason: `the destination is not in the model (${to})` };
  const group = instance.serverGroup;
  const memberHosts = group
    ? (groupMembers.get(group.uuid) ?? [])
        .filter((uuid) => uuid !== instance.uuid)
        .map((uuid) => model.getInstance(uuid)?.hostname ?? null)
    : [];
  return (
    refuseDestinationHost(node) ??
    refuseDestinationFor(model, instance, node) ??
    refuseCapacity(model, node, model.usage(to), instance) ??
    refuseServerGroup(instance, to, memberHosts)
  );
}

function checkOrders(
  model: ClusterModel,
  plan: readonly PlanAction[],
  parents: readonly number[][],
  order: readonly number[],
  facts: {
    moves: Move[];
    hostChanges: Map<string, HostChange[]>;
    byInstance: Map<string, number[]>;
    groupMembers: Map<string, string[]>;
    initialUsage: Map<string, HostUsage>;
    volumeMoves: VolumeMove[];
    byVolume: Map<string, number[]>;
    initialRoomGb: (pool: string) => number;
  },
  report: (index: number, rule: PlanRule, reason: string) => void,
): void {
  const movesInto = new Map<string, Move[]>();
  const movesOutOf = new Map<string, Move[]>();
  for (const move of facts.moves) {
    listOf(movesInto, move.to).push(move);
    listOf(movesOutOf, move.from).push(move);
  }
  const movesOf = new Map<string, Move[]>();
  for (const move of facts.moves) listOf(movesOf, move.instance).push(move);
  // Every pair whose order matters, answered at once.
  const queries: [number, number][] = [];
  for (const move of facts.moves) {
    const group = model.getInstance(move.instance)?.serverGroup;
    if (group?.policy !== 'anti-affinity') continue;
    for (const uuid of facts.groupMembers.get(group.uuid) ?? [])
      for (const other of movesOf.get(uuid) ?? [])
        if (other !== move) queries.push([other.index, move.index], [move.index, other.index]);
  }
  for (const [host, arrivals] of movesInto) {
    const departures = movesOutOf.get(host) ?? [];
    const changes = facts.hostChanges.get(host) ?? [];
    for (const move of arrivals) {
      for (const other of arrivals) if (other !== move) queries.push([move.index, other.index]);
      for (const departure of departures) queries.push([departure.index, move.index]);
      for (const change of changes) {
        queries.push([move.index, change.index], [change.index, move.index]);
        for (const other of changes) if (other !== change) queries.push([change.index, other.index]);
      }
    }
  }
  for (const [host, changes] of facts.hostChanges)
    for (const change of changes)
      if (change.kind === 'off')
        for (const departure of movesOutOf.get(host) ?? [])
          queries.push([departure.index, change.index], [change.index, departure.index]);
  for (const indexes of [...facts.byInstance.values(), ...facts.byVolume.values()])
    for (let a = 0; a < indexes.length; a++)
      for (let b = a + 1; b < indexes.length; b++)
        queries.push([indexes[a]!, indexes[b]!], [indexes[b]!, indexes[a]!]);
  const volumesInto = new Map<string, VolumeMove[]>();
  const volumesOutOf = new Map<string, VolumeMove[]>();
  for (const move of facts.volumeMoves) {
    listOf(volumesInto, move.to).push(move);
    if (move.from !== null) listOf(volumesOutOf, move.from).push(move);
  }
  for (const [pool, arrivals] of volumesInto)
    for (const move of arrivals) {
      for (const other of arrivals) if (other !== move) queries.push([move.index, other.index]);
      for (const departure of volumesOutOf.get(pool) ?? []) queries.push([departure.index, move.index]);
    }
  const isAncestor = ancestry(parents, order, queries);

  for (const [pool, arrivals] of volumesInto) {
    const roomGb = facts.initialRoomGb(pool);
    const departures = volumesOutOf.get(pool) ?? [];
    for (const move of arrivals) {
      let worstGb = move.sizeGb;
      for (const other of arrivals)
        if (other !== move && !isAncestor(move.index, other.index)) worstGb += other.sizeGb;
      for (const departure of departures)
        if (isAncestor(departure.index, move.index)) worstGb -= departure.sizeGb;
      if (worstGb > roomGb + 1e-9)
        report(
          move.index,
          'ORDER_POOL_CAPACITY',
          `${PLAN_RULES.ORDER_POOL_CAPACITY} (${pool}: ${worstGb} GB > ${roomGb} GB)`,
        );
    }
  }

  for (const indexes of facts.byVolume.values())
    for (let a = 0; a < indexes.length; a++)
      for (let b = a + 1; b < indexes.length; b++) {
        const [first, second] = [indexes[a]!, indexes[b]!];
        if (!isAncestor(first, second) && !isAncestor(second, first))
          report(
            second,
            'ORDER_VOLUME_OVERLAP',
            `${PLAN_RULES.ORDER_VOLUME_OVERLAP} (${plan[first]!.uuid} and ${plan[second]!.uuid})`,
          );
      }

  for (const [host, arrivals] of movesInto) {
    const node = model.getNode(host);
    if (!node) continue;
    const capacity = model.capacity(node);
    const departures = movesOutOf.get(host) ?? [];
    const changes = facts.hostChanges.get(host) ?? [];
    for (const move of arrivals) {
      const worst = { ...(facts.initialUsage.get(host) ?? { vcpus: 0, memoryMb: 0, diskGb: 0 }) };
      const add = (usage: HostUsage, sign: number) => {
        worst.vcpus += sign * usage.vcpus;
        worst.memoryMb += sign * usage.memoryMb;
        worst.diskGb += sign * usage.diskGb;
      };
      add(move.usage, 1);
      for (const other of arrivals)
        if (other !== move && !isAncestor(move.index, other.index)) add(other.usage, 1);
      for (const departure of departures)
        if (isAncestor(departure.index, move.index)) add(departure.usage, -1);
      const over =
        worst.vcpus > capacity.vcpus + 1e-9
          ? `${worst.vcpus} > ${capacity.vcpus} VCPU`
          : worst.memoryMb > capacity.memoryMb + 1e-9
            ? `${worst.memoryMb} > ${capacity.memoryMb} MB`
            : worst.diskGb > capacity.diskGb + 1e-9
              ? `${worst.diskGb} > ${capacity.diskGb} GB`
              : undefined;
      if (over) report(move.index, 'ORDER_CAPACITY', `${PLAN_RULES.ORDER_CAPACITY} (${host}: ${over})`);

      for (const change of changes) {
        if (change.kind !== 'disable' && change.kind !== 'off') continue;
        if (isAncestor(move.index, change.index)) continue;
        const undone = changes.some(
          (other) =>
            (other.kind === 'enable' || other.kind === 'on') &&
            isAncestor(change.index, other.index) &&
            isAncestor(other.index, move.index),
        );
        if (!undone)
          report(
            move.index,
            'ORDER_DESTINATION_DISABLED',
            `${PLAN_RULES.ORDER_DESTINATION_DISABLED} (${host}, by ${plan[change.index]!.uuid})`,
          );
      }

      const instance = model.getInstance(move.instance);
      if (instance?.serverGroup?.policy === 'anti-affinity') {
        // Where each other member may be when this move runs: after its last move that is an ancestor of this one
        // (or where it started), or at the end of any of its moves that may run meanwhile.
        const possiblyThere = (facts.groupMembers.get(instance.serverGroup.uuid) ?? []).filter((uuid) => {
          if (uuid === instance.uuid) return false;
          let settled = model.getInstance(uuid)?.hostname ?? null;
          let mayBeThere = false;
          for (const other of movesOf.get(uuid) ?? []) {
            if (isAncestor(other.index, move.index)) settled = other.to;
            else if (!isAncestor(move.index, other.index) && other.to === host) mayBeThere = true;
          }
          return mayBeThere || settled === host;
        });
        if (possiblyThere.length > 0)
          report(
            move.index,
            'ORDER_ANTI_AFFINITY',
            `${PLAN_RULES.ORDER_ANTI_AFFINITY} (${possiblyThere.join(', ')} on ${host})`,
          );
      }
    }
  }

  for (const [host, changes] of facts.hostChanges)
    for (const change of changes) {
      if (change.kind !== 'off') continue;
      for (const departure of movesOutOf.get(host) ?? [])
        if (!isAncestor(departure.index, change.index) && !isAncestor(change.index, departure.index))
          report(
            change.index,
            'ORDER_POWER_OFF',
            `${PLAN_RULES.ORDER_POWER_OFF} (${host}, ${plan[departure.index]!.uuid})`,
          );
    }

  for (const indexes of facts.byInstance.values())
    for (let a = 0; a < indexes.length; a++)
      for (let b = a + 1; b < indexes.length; b++) {
        const [first, second] = [indexes[a]!, indexes[b]!];
        if (!isAncestor(first, second) && !isAncestor(second, first))
          report(
            second,
            'ORDER_INSTANCE_OVERLAP',
            `${PLAN_RULES.ORDER_INSTANCE_OVERLAP} (${plan[first]!.uuid} and ${plan[second]!.uuid})`,
          );
      }
}

/** Kahn's algorithm, lowest index first among the ready actions; shorter than the plan when there is a cycle. */
function topologicalOrder(parents: readonly number[][]): number[] {
  const children: number[][] = parents.map(() => []);
  const waiting = parents.map((list) => list.length);
  parents.forEach((list, index) => {
    for (const parent of list) children[parent]!.push(index);
  });
  const ready = new MinHeap();
  waiting.forEach((count, index) => {
    if (count === 0) ready.push(index);
  });
  const order: number[] = [];
  while (ready.size > 0) {
    const index = ready.pop();
    order.push(index);
    for (const child of children[index]!) if (--waiting[child]! === 0) ready.push(child);
  }
  return order;
}

const BLOCK = 2048;

/**
 * Answers "is a an ancestor of b" for the given pairs. Ancestor sets are bitsets over one block of 2,048 actions (in
 * topological position) at a time, so memory stays at 256 bytes per action whatever the plan's size.
 */
function ancestry(
  parents: readonly number[][],
  order: readonly number[],
  queries: readonly [number, number][],
): (a: number, b: number) => boolean {
  const size = parents.length;
  const position = new Int32Array(size);
  order.forEach((index, at) => (position[index] = at));
  const answers = new Set<number>();
  const key = (a: number, b: number) => a * size + b;
  const byBlock = new Map<number, [number, number][]>();
  for (const [a, b] of queries) {
    if (position[a]! >= position[b]!) continue;
    listOf(byBlock, Math.floor(position[a]! / BLOCK)).push([a, b]);
  }
  const words = BLOCK / 32;
  for (const [block, blockQueries] of byBlock) {
    const start = block * BLOCK;
    const bits = new Uint32Array(size * words);
    for (let at = start; at < size; at++) {
      const node = order[at]!;
      const own = node * words;
      for (const parent of parents[node]!) {
        if (position[parent]! < start) continue;
        const from = parent * words;
        for (let word = 0; word < words; word++) bits[own + word]! |= bits[from + word]!;
      }
      if (at < start + BLOCK) bits[own + ((at - start) >>> 5)]! |= 1 << ((at - start) & 31);
    }
    for (const [a, b] of blockQueries) {
      const bit = position[a]! - start;
      if ((bits[b * words + (bit >>> 5)]! >>> (bit & 31)) & 1) answers.add(key(a, b));
    }
  }
  return (a, b) => answers.has(key(a, b));
}

class MinHeap {
  readonly #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(value: number): void {
    const items = this.#items;
    items.push(value);
    let at = items.length - 1;
    while (at > 0) {
      const up = (at - 1) >> 1;
      if (items[up]! <= value) break;
      items[at] = items[up]!;
      at = up;
    }
    items[at] = value;
  }

  pop(): number {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && items[right]! < items[left]! ? right : left;
        if (items[child]! >= last) break;
        items[at] = items[child]!;
        at = child;
      }
      items[at] = last;
    }
    return top;
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
