/**
 * The periodic full sync of the compute model: Nova says which hosts and servers exist and where, Placement says
 * what each host can hold (inventories with reserved and allocation ratios) and which traits it has. Nova's
 * 2.88+ hypervisor API no longer reports capacity, so Placement is the only source of it, as in Nova itself.
 */
import type {
  CloudPorts,
  ComputeService,
  Hypervisor,
  Inventory,
  Server,
  ServerGroup,
} from '../cloud/ports.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance, InstanceState, NodePowerState } from '../model/elements.js';

export interface ComputeSyncOptions {
  /** Placement calls in flight at once: one provider needs two calls, so 1,000 hosts are 2,000 requests. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Used as every element's `updatedAt` when the cloud gives none. */
  now?: Date;
}

export interface ComputeSyncResult {
  model: ClusterModel;
  /** Hosts left out, each with why (no Placement provider, no nova-compute service…). */
  skippedHosts: { hostname: string; reason: string }[];
  /** Servers left out: not placed on a known host, or deleted. */
  skippedServers: number;
}

const DEFAULT_CONCURRENCY = 32;

/** Nova vm_state → the model's instance state (Watcher's InstanceState uses the same words). */
const VM_STATES: Readonly<Record<string, InstanceState>> = {
  active: 'active',
  building: 'building',
  paused: 'paused',
  suspended: 'suspended',
  stopped: 'stopped',
  shelved: 'shelved',
  shelved_offloaded: 'shelved_offloaded',
  resized: 'resized',
  rescued: 'rescued',
  error: 'error',
  deleted: 'deleted',
  soft_deleted: 'soft-delete',
  'soft-delete': 'soft-delete',
};

export function instanceStateOf(vmState: string): InstanceState {
  return VM_STATES[vmState.toLowerCase()] ?? 'error';
}

/** Runs `work` over `items` with at most `limit` in flight; the first failure rejects and stops new work. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function inventoryOf(inventories: readonly Inventory[], resourceClass: string): Inventory | undefined {
  return inventories.find((inventory) => inventory.resourceClass === resourceClass);
}

/**
 * What a compute node's nova-compute service says of it, as a full sync and a targeted refresh both read it; the
 * hypervisor's own status and state stand in when the host has no service.
 */
function serviceFields(
  service: ComputeService | undefined,
  hypervisor?: Pick<Hypervisor, 'status' | 'state'>,
): Pick<ComputeNode, 'state' | 'status' | 'disabledReason' | 'inMaintenance'> {
  const down = (service?.state ?? hypervisor?.state) === 'down' || service?.forcedDown === true;
  return {
    state: down ? 'down' : 'up',
    status: (service?.status ?? hypervisor?.status) === 'disabled' ? 'disabled' : 'enabled',
    disabledReason: service?.disabledReason ?? null,
    // Upstream Nova has no maintenance flag on its API yet (a host under maintenance shows as a disabled service);
    // the simulated Nova reports one on the service, as the 2025.2 PTG's maintenance mode would.
    inMaintenance: service?.maintenance ?? false,
  };
}

export function toComputeNode(input: {
  hypervisor: Hypervisor;
  service: ComputeService | undefined;
  inventories: readonly Inventory[];
  traits: readonly string[];
  aggregates: readonly { id: number; availabilityZone: string | null; hosts: readonly string[] }[];
  /** From the Bare Metal service; `on` when the cloud has none or it does not know the node. */
  powerState?: NodePowerState;
  now: Date;
}): ComputeNode {
  const { hypervisor, service, inventories } = input;
  const hostname = hypervisor.serviceHost;
  const vcpu = inventoryOf(inventories, 'VCPU');
  const memory = inventoryOf(inventories, 'MEMORY_MB');
  const disk = inventoryOf(inventories, 'DISK_GB');
  const member = input.aggregates.filter((aggregate) => aggregate.hosts.includes(hostname));
  const zone =
    member.find((aggregate) => aggregate.availabilityZone !== null)?.availabilityZone ??
    service?.zone ??
    null;
  return {
    uuid: hypervisor.id,
    hostname,
    ...serviceFields(service, hypervisor),
    vcpus: vcpu?.total ?? 0,
    vcpuReserved: vcpu?.reserved ?? 0,
    vcpuRatio: vcpu?.allocationRatio ?? 1,
    memoryMb: memory?.total ?? 0,
    memoryMbReserved: memory?.reserved ?? 0,
    memoryRatio: memory?.allocationRatio ?? 1,
    diskGb: disk?.total ?? 0,
    diskGbReserved: disk?.reserved ?? 0,
    diskRatio: disk?.allocationRatio ?? 1,
    availabilityZone: zone,
    aggregates: member.map((aggregate) => aggregate.id),
    traits: [...input.traits].sort(),
    powerState: input.powerState ?? 'on',
    updatedAt: input.now,
  };
}

export function toInstance(
  server: Server,
  groupOf: ReadonlyMap<string, ServerGroup>,
  groups: ReadonlyMap<string, ServerGroup>,
): Instance {
  // Nova >=2.71 names the group on the server itself; older clouds only list members on the group.
  const named = server.serverGroups?.[0];
  const group = (named !== undefined ? groups.get(named) : undefined) ?? groupOf.get(server.uuid);
  const flavor = server.flavor;
  return {
    uuid: server.uuid,
    name: server.name,
    state: instanceStateOf(server.vmState),
    taskState: server.taskState,
    hostname: server.hostname,
    projectId: server.projectId,
    flavor: {
      id: flavor.name,
      name: flavor.name,
      vcpus: flavor.vcpus,
      memoryMb: flavor.memoryMb,
      diskGb: flavor.diskGb,
      extraSpecs: { ...flavor.extraSpecs },
    },
    vcpus: flavor.vcpus,
    memoryMb: flavor.memoryMb,
    // What Placement allocates as DISK_GB for a local-disk server: root + ephemeral + swap.
    diskGb: flavor.diskGb + flavor.ephemeralGb + Math.ceil(flavor.swapMb / 1024),
    locked: server.locked,
    metadata: { ...server.metadata },
    pinnedAvailabilityZone: server.pinnedAvailabilityZone,
    schedulerHints: { ...(server.schedulerHints ?? {}) },
    imageProperties: { ...(server.imageProperties ?? {}) },
    serverGroup: group ? { uuid: group.id, policy: group.policy } : null,
    createdAt: server.createdAt,
    ...(server.capabilities && { capabilities: { ...server.capabilities } }),
    ...(server.protectedMetadata && { protectedMetadata: { ...server.protectedMetadata } }),
    updatedAt: server.updatedAt,
  };
}

/** What a targeted refresh re-reads of a compute node; capacity, zone and aggregates wait for the next sync. */
export type ComputeNodeReading = Partial<
  Pick<ComputeNode, 'traits' | 'powerState' | 'state' | 'status' | 'disabledReason' | 'inMaintenance'>
>;

/**
 * Re-reads one compute node's state that actions change: its Placement traits and bare metal power state (no
 * notification carries either) and its nova-compute service. What the cloud does not report (no Bare Metal
 * service, no service on the host) is left out, so the model keeps what it knew.
 */
export async function readComputeNodeState(
  cloud: CloudPorts,
  node: { uuid: string; hostname: string },
): Promise<ComputeNodeReading> {
  const [traits, services, baremetalNodes] = await Promise.all([
    cloud.placement.getTraits(node.uuid),
    cloud.compute.listServices({ binary: 'nova-compute', host: node.hostname }),
    cloud.baremetal?.listNodes() ?? Promise.resolve([]),
  ]);
  const service = services.find((candidate) => candidate.host === node.hostname);
  // Matched as the full sync matches them: by `extra.compute_node_id`, else by a shared uuid.
  const powerState = baremetalNodes.find((b) => (b.computeNodeId ?? b.uuid) === node.uuid)?.powerState;
  return {
    traits: [...traits.traits].sort(),
    ...(powerState && { powerState }),
    ...(service && serviceFields(service)),
  };
}

/** Reads the whole compute side of the cloud into a fresh model. */
export async function collectComputeModel(
  cloud: CloudPorts,
  options: ComputeSyncOptions = {},
): Promise<ComputeSyncResult> {
  const { signal } = options;
  const now = options.now ?? new Date();
  const [hypervisors, services, aggregates, servers, serverGroups, baremetalNodes] = await Promise.all([
    cloud.compute.listHypervisors(),
    cloud.compute.listServices({ binary: 'nova-compute' }),
    cloud.compute.listAggregates(),
    cloud.compute.listServers({ allTenants: true }),
    cloud.compute.listServerGroups(),
    cloud.baremetal?.listNodes() ?? Promise.resolve([]),
  ]);
  signal?.throwIfAborted();
  // A bare metal node backs the compute node named in its `extra.compute_node_id`, or the one sharing its uuid.
  const powerOf = new Map<string, NodePowerState>();
  for (const node of baremetalNodes)
    if (node.powerState) powerOf.set(node.computeNodeId ?? node.uuid, node.powerState);

  const serviceByHost = new Map(services.map((service) => [service.host, service]));
  const groups = new Map(serverGroups.map((group) => [group.id, group]));
  const groupOf = new Map<string, ServerGroup>();
  for (const group of serverGroups) for (const member of group.members) groupOf.set(member, group);

  const model = new ClusterModel();
  const skippedHosts: ComputeSyncResult['skippedHosts'] = [];
  for (const aggregate of aggregates) {
    model.upsertAggregate({
      id: aggregate.id,
      name: aggregate.name,
      availabilityZone: aggregate.availabilityZone,
      hosts: [...aggregate.hosts],
      metadata: { ...aggregate.metadata },
    });
  }

  await forEachLimited(
    hypervisors,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    signal,
    async (hypervisor) => {
      const [inventories, traits] = await Promise.all([
        cloud.placement.getInventories(hypervisor.id),
        cloud.placement.getTraits(hypervisor.id),
      ]);
      if (inventories.inventories.length === 0) {
        skippedHosts.push({
          hostname: hypervisor.serviceHost,
          reason: `resource provider ${hypervisor.id} has no inventory`,
        });
        return;
      }
      model.upsertNode(
        toComputeNode({
          hypervisor,
          service: serviceByHost.get(hypervisor.serviceHost),
          inventories: inventories.inventories,
          traits: traits.traits,
          aggregates,
          ...(powerOf.has(hypervisor.id) && { powerState: powerOf.get(hypervisor.id) }),
          now,
        }),
      );
    },
  );

  let skippedServers = 0;
  for (const server of servers) {
    const instance = toInstance(server, groupOf, groups);
    if (instance.state === 'deleted' || instance.hostname === null || !model.getNode(instance.hostname)) {
      skippedServers++;
      continue;
    }
    model.upsertInstance(instance);
  }
  return { model, skippedHosts, skippedServers };
}
