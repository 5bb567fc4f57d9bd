/**
 * The cloud ports: what the applier's actions and the collectors need from OpenStack, in Steward's own words.
 * The real clients (keystone.ts, nova.ts, placement.ts, cinder.ts) implement them over HTTP — against a real
 * cloud or the simulated one, unchanged. Every method throws a StewardError from `upstream()` naming the service
 * and the call, with `retryable` set for connection errors and 5xx.
 */

export interface ServerFlavor {
  /** Nova ≥2.47 embeds the flavor by name (`original_name`); the id is not always known. */
  name: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  ephemeralGb: number;
  swapMb: number;
  extraSpecs: Record<string, string>;
}

export interface Server {
  uuid: string;
  name: string;
  /** Nova API status: ACTIVE, SHUTOFF, MIGRATING, RESIZE, VERIFY_RESIZE, ERROR, … */
  status: string;
  vmState: string;
  taskState: string | null;
  powerState: number | null;
  hostname: string | null;
  hypervisorHostname: string | null;
  availabilityZone: string | null;
  projectId: string;
  userId: string;
  flavor: ServerFlavor;
  imageId: string | null;
  metadata: Record<string, string>;
  locked: boolean;
  pinnedAvailabilityZone: string | null;
  updatedAt: Date;
  createdAt: Date;
  /** Hints the server was created with (Nova ≥2.100, e.g. `{ group: uuid }`); absent below that. */
  schedulerHints?: Record<string, unknown>;
  /** Image properties embedded by Nova ≥2.98; absent below that or for a server booted from a volume. */
  imageProperties?: Record<string, unknown>;
  /** Server group uuids (Nova ≥2.71; at most one). */
  serverGroups?: string[];
  /**
   * Which lifecycle operations Nova says are valid for it (`live_migratable`, `cold_migratable`…), where Nova reports
   * them (2025.2 PTG instance capabilities; the simulated Nova does); absent otherwise.
   */
  capabilities?: Record<string, boolean>;
  /** Metadata keys set by a role above member, with that role (2025.2 PTG metadata protection); absent where unknown. */
  protectedMetadata?: Record<string, string>;
}

export interface ComputeService {
  id: string;
  binary: string;
  host: string;
  zone: string;
  status: 'enabled' | 'disabled';
  state: 'up' | 'down';
  disabledReason: string | null;
  forcedDown: boolean;
  /** In maintenance: Nova refuses every move into or out of the host (a simulated-Nova extension; false elsewhere). */
  maintenance: boolean;
  updatedAt: Date | null;
}

export interface Hypervisor {
  /** The compute node uuid (Nova ≥2.53), which is also its Placement resource provider uuid. */
  id: string;
  hypervisorHostname: string;
  /** The nova-compute service host name: what servers' `OS-EXT-SRV-ATTR:host` refers to. */
  serviceHost: string;
  state: 'up' | 'down';
  status: 'enabled' | 'disabled';
  hypervisorType: string;
  hostIp: string | null;
}

export interface Migration {
  id: number;
  uuid: string | null;
  serverUuid: string;
  sourceCompute: string | null;
  destCompute: string | null;
  status: string;
  migrationType: 'live-migration' | 'migration' | 'resize' | 'evacuation';
  memoryTotalBytes: number | null;
  memoryProcessedBytes: number | null;
  createdAt: Date;
  updatedAt: Date | null;
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  extraSpecs: Record<string, string>;
}

export interface Aggregate {
  id: number;
  name: string;
  availabilityZone: string | null;
  hosts: string[];
  metadata: Record<string, string>;
}

export interface ServerGroup {
  id: string;
  name: string;
  policy: string;
  members: string[];
}

export interface ListServersOptions {
  host?: string;
  allTenants?: boolean;
  /** Only servers changed since (Nova `changes-since`). */
  changesSince?: Date;
}

export interface ComputeApi {
  getServer(uuid: string): Promise<Server | undefined>;
  listServers(options?: ListServersOptions): Promise<Server[]>;
  /** `host` null lets the scheduler pick. */
  liveMigrate(
    uuid: string,
    options: { host: string | null; blockMigration: 'auto' | boolean },
  ): Promise<void>;
  migrate(uuid: string, options: { host: string | null }): Promise<void>;
  resize(uuid: string, flavorRef: string): Promise<void>;
  confirmResize(uuid: string): Promise<void>;
  stop(uuid: string): Promise<void>;
  start(uuid: string): Promise<void>;
  listServerMigrations(uuid: string): Promise<Migration[]>;
  abortLiveMigration(uuid: string, migrationId: number): Promise<void>;
  listServices(options?: { binary?: string; host?: string }): Promise<ComputeService[]>;
  setServiceStatus(
    serviceId: string,
    change: { status: 'enabled' | 'disabled'; disabledReason?: string },
  ): Promise<ComputeService>;
  listHypervisors(): Promise<Hypervisor[]>;
  listFlavors(): Promise<Flavor[]>;
  /** By id or name. */
  findFlavor(idOrName: string): Promise<Flavor | undefined>;
  listAggregates(): Promise<Aggregate[]>;
  listServerGroups(): Promise<ServerGroup[]>;
}

export interface Inventory {
  resourceClass: string;
  total: number;
  reserved: number;
  allocationRatio: number;
  minUnit: number;
  maxUnit: number;
  stepSize: number;
}

export interface ResourceProvider {
  uuid: string;
  name: string;
  generation: number;
}

export interface PlacementApi {
  listResourceProviders(): Promise<ResourceProvider[]>;
  getInventories(providerUuid: string): Promise<{ generation: number; inventories: Inventory[] }>;
  getUsages(providerUuid: string): Promise<Record<string, number>>;
  getTraits(providerUuid: string): Promise<{ generation: number; traits: string[] }>;
  /**
   * Replaces the provider's traits at `generation`; a stale generation is retried by re-reading, a bounded number
   * of times, because other writers (nova-compute) bump it too.
   */
  setTraits(providerUuid: string, mutate: (current: readonly string[]) => string[]): Promise<string[]>;
  /** Creates a `CUSTOM_*` trait if it does not exist yet (`PUT /traits/{name}`); a provider can only carry known traits. */
  ensureTrait(name: string): Promise<void>;
  /** Resources each consumer (instance or migration uuid) holds on the provider: consumer → resource class → amount. */
  getAllocations?(providerUuid: string): Promise<Record<string, Record<string, number>>>;
}

export interface StoragePoolInfo {
  name: string;
  backendName: string | null;
  totalCapacityGb: number;
  freeCapacityGb: number;
  allocatedCapacityGb: number;
  maxOverSubscriptionRatio: number;
  /** `provisioned_capacity_gb`; drivers that do not report it get `allocatedCapacityGb`. */
  provisionedCapacityGb: number;
  /** `reserved_percentage` of the total kept free (0–100). */
  reservedPercentage: number;
  /** Whether volumes are thin-provisioned here (`thin_provisioning_support`). */
  thinProvisioning: boolean;
  /** `total_volumes`, when the driver reports it (LVM does). */
  totalVolumes: number | null;
  volumeTypes: string[];
}

/** A Cinder service (`os-services`); a `cinder-volume` service's host is a backend, `host@backend`. */
export interface StorageService {
  binary: string;
  host: string;
  zone: string;
  status: 'enabled' | 'disabled';
  state: 'up' | 'down';
  disabledReason: string | null;
  updatedAt: Date | null;
}

export interface VolumeInfo {
  uuid: string;
  name: string;
  sizeGb: number;
  status: string;
  volumeType: string | null;
  host: string | null;
  projectId: string;
  bootable: boolean;
  attachments: { serverId: string; device: string | null }[];
  migrationStatus: string | null;
  createdAt?: Date;
}

export interface BlockStorageApi {
  listPools(): Promise<StoragePoolInfo[]>;
  listVolumes(): Promise<VolumeInfo[]>;
  getVolume(uuid: string): Promise<VolumeInfo | undefined>;
  listVolumeTypes(): Promise<{ id: string; name: string; backendName: string | null }[]>;
  listServices(options?: { binary?: string }): Promise<StorageService[]>;
  migrateVolume(uuid: string, host: string): Promise<void>;
  retypeVolume(uuid: string, volumeType: string, migrationPolicy: 'never' | 'on-demand'): Promise<void>;
}

export type PowerState = 'on' | 'off';

/** An Ironic bare metal node, as far as its power goes. */
export interface BaremetalNode {
  uuid: string;
  name: string | null;
  /** `power on` / `power off`; null while Ironic does not know. */
  powerState: PowerState | null;
  /** The state a power change in progress is heading for, or null when none runs. */
  targetPowerState: PowerState | null;
  /** The Nova compute node this node backs (`extra.compute_node_id`, as upstream Watcher reads it), if known. */
  computeNodeId: string | null;
  maintenance: boolean;
}

/** Node power through the Bare Metal service (Ironic), which upstream's `change_node_power_state` uses. */
export interface BaremetalApi {
  listNodes(): Promise<BaremetalNode[]>;
  /** By uuid or name; undefined when Ironic has no such node. */
  getNode(idOrName: string): Promise<BaremetalNode | undefined>;
  /** Starts a power change (`PUT /v1/nodes/{node}/states/power`); Ironic finishes it asynchronously. */
  setPowerState(idOrName: string, state: PowerState): Promise<void>;
}

/** What an action's context carries: the cloud as ports, nothing concrete. */
export interface CloudPorts {
  compute: ComputeApi;
  placement: PlacementApi;
  blockStorage?: BlockStorageApi;
  /** Present when the cloud has a Bare Metal service (the simulated cloud has one). */
  baremetal?: BaremetalApi;
}
