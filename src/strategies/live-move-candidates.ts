/**
 * What the balancing strategies (workload_balance, workload_stabilization) read from the model before their kernels
 * run: for hosts and their instances, as typed arrays, where each instance is, its allocation, the allocation left on
 * each host, which instances may be live-migrated at all, and which need Nova's full check per destination. The
 * solution builder re-checks every move, so these are the cheap pre-checks that keep the kernels from proposing
 * moves it would refuse.
 */
import type { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance, InstanceState } from '../model/elements.js';
import { refuseInstanceMove } from './nova-rules.js';

export interface LiveMoveCandidates {
  /** The index (in `hosts`) of each instance's host; instances are numbered host by host. */
  readonly hostOf: Int32Array;
  /** I × 3: VCPU, MEMORY_MB and DISK_GB of each instance. */
  readonly allocation: Float64Array;
  /** H × 3: the VCPU, MEMORY_MB and DISK_GB allocation left on each host (Placement's rule). */
  readonly free: Float64Array;
  /** Instances in one of `states` that Nova would live-migrate (not excluded, locked, busy, pinned by metadata). */
  readonly movable: Uint8Array;
  /** Instances whose moves depend on more than allocation: zone, anti-affinity, traits, aggregates, tenancy. */
  readonly constrained: Uint8Array;
}

export function liveMoveCandidates(
  model: ClusterModel,
  hosts: readonly ComputeNode[],
  instancesOf: readonly (readonly Instance[])[],
  states: readonly InstanceState[],
): LiveMoveCandidates {
  const count = instancesOf.reduce((total, list) => total + list.length, 0);
  const hostOf = new Int32Array(count);
  const allocation = new Float64Array(count * 3);
  const free = new Float64Array(hosts.length * 3);
  const movable = new Uint8Array(count);
  const constrained = new Uint8Array(count);
  // Nova keeps an affinity group on one host: a member with company can only move with all of it.
  const affinityMembers = new Map<string, number>();
  for (const list of instancesOf)
    for (const instance of list)
      if (instance.serverGroup?.policy === 'affinity')
        affinityMembers.set(
          instance.serverGroup.uuid,
          (affinityMembers.get(instance.serverGroup.uuid) ?? 0) + 1,
        );
  const tenantIsolated = [...model.aggregates()].some((aggregate) =>
    Object.keys(aggregate.metadata).some((key) => key.startsWith('filter_tenant_id')),
  );
  let i = 0;
  hosts.forEach((node, h) => {
    const capacity = model.capacity(node);
    free[h * 3] = capacity.vcpus;
    free[h * 3 + 1] = capacity.memoryMb;
    free[h * 3 + 2] = capacity.diskGb;
    for (const instance of instancesOf[h]!) {
      hostOf[i] = h;
      allocation[i * 3] = instance.vcpus;
      allocation[i * 3 + 1] = instance.memoryMb;
      allocation[i * 3 + 2] = instance.diskGb;
      free[h * 3]! -= instance.vcpus;
      free[h * 3 + 1]! -= instance.memoryMb;
      free[h * 3 + 2]! -= instance.diskGb;
      const group = instance.serverGroup;
      movable[i] =
        states.includes(instance.state) &&
        refuseInstanceMove(instance, 'live') === undefined &&
        !(group?.policy === 'affinity' && affinityMembers.get(group.uuid)! > 1)
          ? 1
          : 0;
      constrained[i] =
        tenantIsolated ||
        instance.pinnedAvailabilityZone !== null ||
        group?.policy === 'anti-affinity' ||
        Object.keys(instance.flavor.extraSpecs).some(
          (key) => key.startsWith('trait:') || key.startsWith('aggregate_instance_extra_specs:'),
        )
          ? 1
          : 0;
      i++;
    }
  });
  return { hostOf, allocation, free, movable, constrained };
}
