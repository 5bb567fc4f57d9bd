/**
 * Elements of the cluster data model (mission section 7). Units are in the names; hosts are keyed by
 * hostname (what Nova's APIs and notifications use) and carry their compute node uuid too.
 */
export type NodeState = 'up' | 'down';
export type NodeStatus = 'enabled' | 'disabled';
/** The node's power, from the Bare Metal service (Ironic); `on` where the cloud has none to ask. */
export type NodePowerState = 'on' | 'off';

export interface ComputeNode {
  uuid: string;
  hostname: string;
  state: NodeState;
  status: NodeStatus;
  disabledReason: string | null;
  vcpus: number;
  vcpuReserved: number;
  vcpuRatio: number;
  memoryMb: number;
  memoryMbReserved: number;
  memoryRatio: number;
  diskGb: number;
  diskGbReserved: number;
  diskRatio: number;
  availabilityZone: string | null;
  /** Aggregate ids this host belongs to. */
  aggregates: number[];
  traits: string[];
  /** Nova-side maintenance (no moves in or out). */
  inMaintenance: boolean;
  /** Whether the machine is powered on (saving_energy reads it); a powered-off node's service is down too. */
  powerState: NodePowerState;
  /** The sync or notification time this state was read at; older events are ignored. */
  updatedAt?: Date;
}

/** A Nova host aggregate; an availability zone is an aggregate with `availabilityZone` set. */
export interface HostAggregate {
  id: number;
  name: string;
  availabilityZone: string | null;
  /** Hostnames (nova-compute service hosts). */
  hosts: string[];
  metadata: Record<string, string>;
  /** The sync or notification time this state was read at; older aggregate events are ignored. */
  updatedAt?: Date;
}

export type InstanceState =
  | 'active'
  | 'building'
  | 'paused'
  | 'suspended'
  | 'stopped'
  | 'shelved'
  | 'shelved_offloaded'
  | 'resized'
  | 'rescued'
  | 'error'
  | 'deleted'
  | 'soft-delete';

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  extraSpecs: Record<string, string>;
}

export interface Instance {
  uuid: string;
  name: string;
  state: InstanceState;
  /** Nova task state, e.g. 'migrating'; null when idle. */
  taskState: string | null;
  hostname: string | null;
  projectId: string;
  flavor: Flavor;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  locked: boolean;
  metadata: Record<string, string>;
  pinnedAvailabilityZone: string | null;
  schedulerHints: Record<string, unknown>;
  imageProperties: Record<string, unknown>;
  serverGroup: { uuid: string; policy: string } | null;
  /** When Nova created it (from the sync; an instance only notified about so far has none). */
  createdAt?: Date;
  /** Lifecycle operations Nova says are valid for it (`live_migratable`…), where Nova reports them. */
  capabilities?: Record<string, boolean>;
  /**
   * Metadata keys a member cannot change, with the role that set them (admin, manager), where Nova reports it:
   * an operator's decision (e.g. `lifecycle:live-migratable=false` set by admin) rather than the tenant's.
   */
  protectedMetadata?: Record<string, string>;
  /**
   * Set only in an audit's scoped copy: the scope excludes this instance (by uuid, project or metadata), so
   * strategies must neither move nor stop it. Upstream keeps such instances in the model (their resources still
   * count on the host) and flags them `watcher_exclude`; so does Steward.
   */
  watcherExclude?: boolean;
  /** The notification or sync time this state was read at; older events are ignored. */
  updatedAt: Date;
}

/**
 * A Cinder pool, named as Cinder's scheduler names it: `host@backend#pool`. Capacities are in GB, as Cinder reports
 * them (`total_capacity_gb`…); a thin pool without a bound reports `Infinity`.
 */
export interface StoragePool {
  name: string;
  totalCapacityGb: number;
  freeCapacityGb: number;
  allocatedCapacityGb: number;
  /** What the volumes on the pool were created with (`provisioned_capacity_gb`; thin pools may exceed the total). */
  provisionedCapacityGb: number;
  /**
   * What a new volume may still use: with thin provisioning `total × maxOverSubscriptionRatio − provisioned −
   * reserved`, otherwise `free − reserved` (Cinder's `calculate_virtual_free_capacity`).
   */
  virtualFreeGb: number;
  maxOverSubscriptionRatio: number;
  /** Volumes on the pool, as the driver reports `total_volumes` (else the sync counts them). */
  totalVolumes: number;
  /** Volume types whose `volume_backend_name` extra spec names this pool's backend. */
  volumeTypes: string[];
  /** The sync time this state was read at. */
  updatedAt?: Date;
}

/** A Cinder volume backend: a `cinder-volume` service, whose host is `host@backend`. */
export interface StorageNode {
  host: string;
  zone: string;
  status: 'enabled' | 'disabled';
  state: 'up' | 'down';
  disabledReason: string | null;
  /** Volume types that land on this backend (upstream's `volume_type` list). */
  volumeType: string[];
  /** The sync time this state was read at. */
  updatedAt?: Date;
}

export interface Volume {
  uuid: string;
  name: string;
  sizeGb: number;
  /** Cinder status: creating, available, attaching, in-use, migrating, retyping, deleting, error… */
  status: string;
  volumeType: string | null;
  /** The pool the volume lives in: Cinder's `os-vol-host-attr:host` (`host@backend#pool`); null before scheduling. */
  pool: string | null;
  attachments: { serverId: string }[];
  projectId: string;
  bootable: boolean;
  /** `os-vol-mig-status-attr:migstat`: migrating, success, error…; null when never moved. */
  migrationStatus: string | null;
  /** When Cinder created it (from the sync; a volume only notified about so far has none). */
  createdAt?: Date;
  /** The sync time this state was read at. */
  updatedAt?: Date;
}
