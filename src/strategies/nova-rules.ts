/**
 * What Nova and Placement would refuse, as pure checks over a cluster model. The solution builder asks them before
 * it plans a move, and the plan validator asks them again when it replays a stored plan, so both agree by
 * construction. Each refusal names its rule (a stable code) and says why in one operator-facing sentence.
 *
 * The rules follow Nova's scheduler filters and API checks for a move with a requested destination:
 * - the instance: locked (403 unless admin-forced; Watcher never forces), a task in progress, a VM state the move
 *   does not accept (live: ACTIVE/PAUSED; cold: ACTIVE/STOPPED), `lifecycle:live-migratable=false` /
 *   `lifecycle:cold-migratable=false` metadata (2025.2; the refusal names the role that protected the key, when one
 *   above member set it), the instance's capabilities as Nova reports them (2025.2 PTG: `live_migratable`,
 *   `cold_migratable` false), excluded by the audit scope; a stop likewise needs an
 *   ACTIVE, idle, unlocked instance (`refuseStop`);
 * - the destination: unknown, the source itself, its nova-compute disabled or down, in maintenance (and a source in
 *   maintenance: no moves out either), outside the instance's pinned availability zone (AvailabilityZoneFilter);
 * - placement: VCPU, MEMORY_MB and DISK_GB allocation within `(total − reserved) × allocation_ratio`;
 * - the flavor: `trait:X=required|forbidden` against the destination's traits, and
 *   `aggregate_instance_extra_specs:key=value` against the metadata of the destination's aggregates
 *   (AggregateInstanceExtraSpecsFilter); aggregates with `filter_tenant_id` take only their projects
 *   (AggregateMultiTenancyIsolation);
 * - server groups: `affinity` keeps every member on one host, `anti-affinity` never puts two on one host (the soft
 *   policies only weigh, so they never refuse).
 */
import type { ClusterModel, HostUsage } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';

export const MOVE_RULES = {
  INSTANCE_UNKNOWN: 'the instance is not in the audit’s model',
  INSTANCE_EXCLUDED: 'the audit scope excludes the instance',
  INSTANCE_LOCKED: 'the instance is locked',
  INSTANCE_BUSY: 'the instance has a task in progress',
  INSTANCE_STATE: 'the instance’s state does not allow this kind of move',
  NOT_LIVE_MIGRATABLE: 'the instance’s metadata forbids live migration (lifecycle:live-migratable=false)',
  NOT_COLD_MIGRATABLE: 'the instance’s metadata forbids cold migration (lifecycle:cold-migratable=false)',
  LIVE_MIGRATION_UNSUPPORTED:
    'Nova reports the instance cannot be live-migrated (capabilities.live_migratable=false)',
  COLD_MIGRATION_UNSUPPORTED:
    'Nova reports the instance cannot be cold-migrated (capabilities.cold_migratable=false)',
  SAME_HOST: 'the destination is the instance’s own host',
  DESTINATION_UNKNOWN: 'the destination is not in the audit’s model',
  DESTINATION_DISABLED: 'the destination’s nova-compute service is disabled',
  DESTINATION_DOWN: 'the destination’s nova-compute service is down',
  DESTINATION_POWERED_OFF: 'the destination is powered off',
  HOST_IN_MAINTENANCE: 'the source or the destination is in maintenance',
  AVAILABILITY_ZONE: 'the destination is outside the instance’s pinned availability zone',
  VCPU_CAPACITY: 'the destination has no VCPU allocation left for the instance',
  MEMORY_CAPACITY: 'the destination has no MEMORY_MB allocation left for the instance',
  DISK_CAPACITY: 'the destination has no DISK_GB allocation left for the instance',
  REQUIRED_TRAIT: 'the destination lacks a trait the flavor requires',
  FORBIDDEN_TRAIT: 'the destination has a trait the flavor forbids',
  AGGREGATE_EXTRA_SPECS: 'no aggregate of the destination matches the flavor’s aggregate extra specs',
  TENANT_ISOLATION: 'the destination’s aggregate is reserved for other projects',
  AFFINITY: 'the destination does not hold the other members of the instance’s affinity group',
  ANTI_AFFINITY: 'the destination already holds a member of the instance’s anti-affinity group',
} as const;

export type MoveRule = keyof typeof MOVE_RULES;

export interface Refusal {
  readonly rule: MoveRule;
  readonly reason: string;
}

export type MoveKind = 'live' | 'cold';

const refuse = (rule: MoveRule, detail: string): Refusal => ({
  rule,
  reason: `${MOVE_RULES[rule]} (${detail})`,
});

/** VM states each kind of move accepts (Nova's `check_instance_state` on live_migrate and migrate). */
const MOVABLE_STATES: Readonly<Record<MoveKind, ReadonlySet<string>>> = {
  live: new Set(['active', 'paused']),
  cold: new Set(['active', 'stopped']),
};

/** Whether a host may receive new instances at all (status, state, maintenance, power). */
export function refuseDestinationHost(node: ComputeNode): Refusal | undefined {
  if (node.status === 'disabled')
    return refuse('DESTINATION_DISABLED', `${node.hostname}: ${node.disabledReason ?? 'no reason given'}`);
  if (node.powerState === 'off') return refuse('DESTINATION_POWERED_OFF', node.hostname);
  if (node.state === 'down') return refuse('DESTINATION_DOWN', node.hostname);
  if (node.inMaintenance) return refuse('HOST_IN_MAINTENANCE', node.hostname);
  return undefined;
}

/** The instance-side rules: whether this instance may be moved this way at all, wherever to. */
export function refuseInstanceMove(instance: Instance, kind: MoveKind): Refusal | undefined {
  const name = `${instance.name} ${instance.uuid}`;
  if (instance.watcherExclude === true) return refuse('INSTANCE_EXCLUDED', name);
  if (instance.locked) return refuse('INSTANCE_LOCKED', name);
  if (instance.taskState !== null) return refuse('INSTANCE_BUSY', `${name}: ${instance.taskState}`);
  if (!MOVABLE_STATES[kind].has(instance.state))
    return refuse(
      'INSTANCE_STATE',
      `${name} is ${instance.state}; a ${kind} migration needs ${[...MOVABLE_STATES[kind]].join(' or ')}`,
    );
  const lifecycleKey = kind === 'live' ? 'lifecycle:live-migratable' : 'lifecycle:cold-migratable';
  if (isFalse(instance.metadata[lifecycleKey])) {
    const protectedBy = instance.protectedMetadata?.[lifecycleKey];
    return refuse(
      kind === 'live' ? 'NOT_LIVE_MIGRATABLE' : 'NOT_COLD_MIGRATABLE',
      protectedBy ? `${name}; set by ${protectedBy}, protected from the project’s members` : name,
    );
  }
  const capability = kind === 'live' ? 'live_migratable' : 'cold_migratable';
  if (instance.capabilities?.[capability] === false)
    return refuse(kind === 'live' ? 'LIVE_MIGRATION_UNSUPPORTED' : 'COLD_MIGRATION_UNSUPPORTED', name);
  return undefined;
}

/**
 * Whether Nova would stop this instance now (`os-stop`: vm_state ACTIVE, no task in progress, not locked). Nova also
 * stops RESCUED and ERROR instances; Steward's model and the applier only stop running ones, so those stay refused.
 */
export function refuseStop(instance: Instance): Refusal | undefined {
  const name = `${instance.name} ${instance.uuid}`;
  if (instance.watcherExclude === true) return refuse('INSTANCE_EXCLUDED', name);
  if (instance.locked) return refuse('INSTANCE_LOCKED', name);
  if (instance.taskState !== null) return refuse('INSTANCE_BUSY', `${name}: ${instance.taskState}`);
  if (instance.state !== 'active')
    return refuse('INSTANCE_STATE', `${name} is ${instance.state}; a stop needs active`);
  return undefined;
}

const isFalse = (value: string | undefined): boolean =>
  value !== undefined && ['false', '0', 'no', 'off'].includes(value.trim().toLowerCase());

/** The static destination rules for an instance: zone, traits, aggregates, tenancy (no capacity, no groups). */
export function refuseDestinationFor(
  model: ClusterModel,
  instance: Instance,
  node: ComputeNode,
): Refusal | undefined {
  const pinned = instance.pinnedAvailabilityZone;
  if (pinned !== null && node.availabilityZone !== pinned)
    return refuse(
      'AVAILABILITY_ZONE',
      `${instance.name} is pinned to ${pinned}, ${node.hostname} is in ${node.availabilityZone ?? 'no zone'}`,
    );
  const specs = instance.flavor.extraSpecs;
  let aggregateSpecs: [string, string][] | undefined;
  for (const key in specs) {
    const value = specs[key]!;
    if (key.startsWith('trait:')) {
      const trait = key.slice('trait:'.length);
      const has = node.traits.includes(trait);
      if (value === 'required' && !has)
        return refuse(
          'REQUIRED_TRAIT',
          `${instance.flavor.name} requires ${trait}, ${node.hostname} lacks it`,
        );
      if (value === 'forbidden' && has)
        return refuse('FORBIDDEN_TRAIT', `${instance.flavor.name} forbids ${trait}, ${node.hostname} has it`);
    } else if (key.startsWith('aggregate_instance_extra_specs:')) {
      (aggregateSpecs ??= []).push([key.slice('aggregate_instance_extra_specs:'.length), value]);
    }
  }
  let tenantIsolated = false;
  let tenantAllowed = false;
  const unmatched = new Set(aggregateSpecs?.map(([key]) => key));
  for (const id of node.aggregates) {
    const aggregate = model.getAggregate(id);
    if (!aggregate) continue;
    const tenants = Object.entries(aggregate.metadata).filter(([key]) => key.startsWith('filter_tenant_id'));
    if (tenants.length > 0) {
      tenantIsolated = true;
      if (
        tenants.some(([, value]) =>
          value
            .split(',')
            .map((part) => part.trim())
            .includes(instance.projectId),
        )
      )
        tenantAllowed = true;
    }
    for (const [key, value] of aggregateSpecs ?? []) {
      const offered = aggregate.metadata[key];
      if (
        offered !== undefined &&
        offered
          .split(',')
          .map((part) => part.trim())
          .includes(value)
      )
        unmatched.delete(key);
    }
  }
  if (unmatched.size > 0)
    return refuse(
      'AGGREGATE_EXTRA_SPECS',
      `${node.hostname} offers no aggregate with ${[...unmatched].join(', ')}`,
    );
  if (tenantIsolated && !tenantAllowed)
    return refuse('TENANT_ISOLATION', `${node.hostname} does not accept project ${instance.projectId}`);
  return undefined;
}

/** Placement's allocation rule for one more instance on a host whose allocations are `used`. */
export function refuseCapacity(
  model: ClusterModel,
  node: ComputeNode,
  used: HostUsage,
  demand: HostUsage,
): Refusal | undefined {
  const capacity = model.capacity(node);
  if (used.vcpus + demand.vcpus > capacity.vcpus + 1e-9)
    return refuse(
      'VCPU_CAPACITY',
      `${node.hostname}: ${used.vcpus} + ${demand.vcpus} > ${capacity.vcpus} VCPU`,
    );
  if (used.memoryMb + demand.memoryMb > capacity.memoryMb + 1e-9)
    return refuse(
      'MEMORY_CAPACITY',
      `${node.hostname}: ${used.memoryMb} + ${demand.memoryMb} > ${capacity.memoryMb} MB`,
    );
  if (used.diskGb + demand.diskGb > capacity.diskGb + 1e-9)
    return refuse(
      'DISK_CAPACITY',
      `${node.hostname}: ${used.diskGb} + ${demand.diskGb} > ${capacity.diskGb} GB`,
    );
  return undefined;
}

/**
 * Server-group rules given where the other members are. `memberHosts` lists the hosts of the other members of the
 * instance's group (duplicates allowed); for anti-affinity they are every host a member may be on at that point.
 */
export function refuseServerGroup(
  instance: Instance,
  destination: string,
  memberHosts: Iterable<string | null>,
): Refusal | undefined {
  const policy = instance.serverGroup?.policy;
  if (policy === 'affinity') {
    for (const host of memberHosts)
      if (host !== null && host !== destination)
        return refuse(
          'AFFINITY',
          `${instance.name}'s group ${instance.serverGroup!.uuid} has a member on ${host}`,
        );
  } else if (policy === 'anti-affinity') {
    for (const host of memberHosts)
      if (host === destination)
        return refuse(
          'ANTI_AFFINITY',
          `${instance.name}'s group ${instance.serverGroup!.uuid} has a member on ${destination}`,
        );
  }
  return undefined;
}
