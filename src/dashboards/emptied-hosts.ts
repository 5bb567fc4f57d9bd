/**
 * "The hosts an action plan would empty": replay the plan's migrations on a copy of the compute model and list the
 * hosts that held instances before and hold none after (the candidates to power off or put in maintenance).
 */
import type { ClusterModel } from '../model/cluster-model.js';

export interface PlannedMove {
  actionType: string;
  inputParameters: Readonly<Record<string, unknown>>;
}

export interface EmptiedHosts {
  hosts: { hostname: string; instancesMovedOut: number }[];
  /** Migrations left to Nova's scheduler: they leave their source, but where they land is not known yet. */
  unplacedMoves: number;
}

const MOVES = new Set(['migrate']);

export function hostsEmptiedBy(model: ClusterModel, moves: readonly PlannedMove[]): EmptiedHosts {
  const after = model.clone();
  const movedOut = new Map<string, number>();
  let unplacedMoves = 0;
  for (const move of moves) {
    if (!MOVES.has(move.actionType)) continue;
    const uuid = move.inputParameters.resource_id;
    const destination = move.inputParameters.destination_node;
    if (typeof uuid !== 'string') continue;
    const instance = after.getInstance(uuid);
    if (!instance?.hostname) continue;
    movedOut.set(instance.hostname, (movedOut.get(instance.hostname) ?? 0) + 1);
    if (typeof destination === 'string' && after.getNode(destination)) after.moveInstance(uuid, destination);
    else {
      unplacedMoves += 1;
      after.removeInstance(uuid);
    }
  }
  const hosts: EmptiedHosts['hosts'] = [];
  for (const node of model.nodes()) {
    if (model.instancesOn(node.hostname).length > 0 && after.instancesOn(node.hostname).length === 0)
      hosts.push({ hostname: node.hostname, instancesMovedOut: movedOut.get(node.hostname) ?? 0 });
  }
  return { hosts: hosts.sort((a, b) => a.hostname.localeCompare(b.hostname)), unplacedMoves };
}
