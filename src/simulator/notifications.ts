/**
 * Nova versioned notifications in the oslo.messaging 2.0 envelope (and, through `Notifier.emitCinder`, Cinder's
 * unversioned ones, built in cinder-notifications.ts). Payload types, versions and fields are those of
 * Nova's samples (doc/notification_samples); test/integration/simulator-notifications.test.ts checks each event the
 * simulator sends against the sample of the same event_type.
 */
import { randomUUID } from 'node:crypto';
import { DESTINATIONS, type Bus, type Destination } from '../bus/bus.js';
import type { SimFlavor, SimHost, SimImage, SimInstance } from './cluster.js';
import { silentLogger, type Logger } from '../observability/logger.js';

/** CONF.host of the simulated nova-api and nova-conductor services (the samples' `fake-mini`). */
export const CONTROL_HOST = 'controller';

const POWER: Record<number, string> = {
  0: 'pending',
  1: 'running',
  3: 'paused',
  4: 'shutdown',
  6: 'crashed',
  7: 'suspended',
};

const novaObject = (
  name: string,
  version: string,
  data: Record<string, unknown>,
): Record<string, unknown> => ({
  'nova_object.name': name,
  'nova_object.namespace': 'nova',
  'nova_object.version': version,
  'nova_object.data': data,
});

const flavorPayload = (f: SimFlavor): Record<string, unknown> =>
  novaObject('FlavorPayload', '1.4', {
    flavorid: f.id,
    name: f.name,
    memory_mb: f.ramMb,
    vcpus: f.vcpus,
    root_gb: f.diskGb,
    ephemeral_gb: 0,
    swap: 0,
    rxtx_factor: 1.0,
    vcpu_weight: 0,
    disabled: false,
    is_public: true,
    extra_specs: { ...f.extraSpecs },
    description: null,
    projects: null,
  });

/** What the emitting service's copy of the instance says, where it differs from the simulator's current state. */
export interface InstanceView {
  /** The compute host the payload names (null while unscheduled); the node is the same name in the simulator. */
  host: string | null;
  availabilityZone?: string | null;
  state?: string;
  taskState?: string | null;
  powerState?: number;
  flavor?: SimFlavor;
  launched?: boolean;
  deletedAt?: string | null;
  requestId?: string;
}

/** InstancePayload (the base of every instance notification), without the fields its subclasses add. */
function instanceData(i: SimInstance, view: InstanceView): Record<string, unknown> {
  return {
    architecture: 'x86_64',
    availability_zone: view.availabilityZone ?? null,
    block_devices: [],
    created_at: i.created,
    deleted_at: view.deletedAt ?? null,
    display_name: i.name,
    display_description: i.name,
    host: view.host,
    host_name: i.name,
    ip_addresses: [],
    kernel_id: '',
    key_name: null,
    launched_at: view.launched === false ? null : i.created,
    image_uuid: i.imageId,
    metadata: { ...i.metadata },
    locked: i.locked,
    node: view.host,
    os_type: null,
    progress: 0,
    ramdisk_id: '',
    reservation_id: `r-${i.id.slice(0, 8)}`,
    state: view.state ?? i.vmState,
    task_state: view.taskState === undefined ? i.taskState : view.taskState,
    power_state: POWER[view.powerState ?? i.powerState] ?? 'nostate',
    tenant_id: i.projectId,
    terminated_at: view.deletedAt ?? null,
    auto_disk_config: 'MANUAL',
    flavor: flavorPayload(view.flavor ?? i.flavor),
    updated_at: i.updated,
    user_id: i.userId,
    uuid: i.id,
    request_id: view.requestId ?? `req-${randomUUID()}`,
    action_initiator_user: 'admin',
    action_initiator_project: i.projectId,
    locked_reason: null,
    shares: [],
  };
}

/** InstanceActionPayload 1.9: most instance.<action>.start/end events (live migration, delete, power, resize…). */
export function instanceActionPayload(i: SimInstance, view: InstanceView): Record<string, unknown> {
  return novaObject('InstanceActionPayload', '1.9', { ...instanceData(i, view), fault: null });
}

/** InstanceCreatePayload 1.13: instance.create.start/end/error. */
export function instanceCreatePayload(i: SimInstance, view: InstanceView): Record<string, unknown> {
  return novaObject('InstanceCreatePayload', '1.13', {
    ...instanceData(i, view),
    fault: null,
    instance_name: `instance-${i.id.slice(0, 8)}`,
    keypairs: [],
    tags: [],
    trusted_image_certificates: null,
  });
}

/** InstanceActionResizePrepPayload 1.4: instance.resize_prep.start/end, with the flavor asked for in `new_flavor`. */
export function resizePrepPayload(
  i: SimInstance,
  view: InstanceView,
  newFlavor: SimFlavor,
): Record<string, unknown> {
  return novaObject('InstanceActionResizePrepPayload', '1.4', {
    ...instanceData(i, view),
    fault: null,
    new_flavor: flavorPayload(newFlavor),
  });
}

/** InstanceUpdatePayload 2.1: instance.update, with Nova's default audit period (the current month up to now). */
export function instanceUpdatePayload(
  i: SimInstance,
  view: InstanceView,
  change: { now: Date; oldState?: string; oldTaskState?: string | null; oldDisplayName?: string | null },
): Record<string, unknown> {
  const data = instanceData(i, view);
  const monthStart = new Date(Date.UTC(change.now.getUTCFullYear(), change.now.getUTCMonth(), 1));
  const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');
  return novaObject('InstanceUpdatePayload', '2.1', {
    ...data,
    audit_period: novaObject('AuditPeriodPayload', '1.0', {
      audit_period_beginning: isoSeconds(monthStart),
      audit_period_ending: isoSeconds(change.now),
    }),
    old_display_name: change.oldDisplayName ?? null,
    state_update: novaObject('InstanceStateUpdatePayload', '1.0', {
      old_state: change.oldState ?? data.state,
      state: data.state,
      old_task_state: change.oldTaskState === undefined ? data.task_state : change.oldTaskState,
      new_task_state: data.task_state,
    }),
    tags: [],
  });
}

/** Glance's `architecture` is Nova's `hw_architecture`; the other custom properties already have Nova's names. */
const imageProps = (image: SimImage): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(image.properties).map(([k, v]) => [k === 'architecture' ? 'hw_architecture' : k, v]),
  );

/** Nova's NoValidHost message: the boot's fault, the build error notification, a move the scheduler cannot place. */
export const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';

/**
 * ComputeTaskPayload 1.0: compute_task.build_instances.error, which the conductor sends (priority ERROR) when the
 * scheduler finds no host for a boot. Nova sends no instance.create.* then: the instance never reaches a compute.
 */
export function buildErrorPayload(
  i: SimInstance,
  image: SimImage,
  availabilityZone: string | null,
): Record<string, unknown> {
  return novaObject('ComputeTaskPayload', '1.0', {
    instance_uuid: i.id,
    state: i.vmState,
    reason: novaObject('ExceptionPayload', '1.1', {
      function_name: '_schedule_instances',
      module_name: 'nova.conductor.manager',
      exception: 'NoValidHost',
      exception_message: NO_VALID_HOST,
      traceback: `Traceback (most recent call last):\n  File "nova/conductor/manager.py", line 1654, in schedule_and_build_instances\nnova.exception.NoValidHost: ${NO_VALID_HOST}\n`,
    }),
    request_spec: novaObject('RequestSpecPayload', '1.1', {
      availability_zone: availabilityZone,
      flavor: flavorPayload(i.flavor),
      ignore_hosts: null,
      image: novaObject('ImageMetaPayload', '1.0', {
        checksum: null,
        container_format: image.containerFormat,
        created_at: image.created,
        direct_url: null,
        disk_format: image.diskFormat,
        id: image.id,
        min_disk: image.minDiskGb,
        min_ram: image.minRamMb,
        name: image.name,
        owner: null,
        properties: novaObject('ImageMetaPropsPayload', '1.19', imageProps(image)),
        protected: false,
        size: image.sizeBytes,
        status: 'active',
        tags: [],
        updated_at: image.created,
        virtual_size: image.virtualSizeBytes,
        visibility: 'public',
      }),
      instance_uuid: i.id,
      num_instances: 1,
      numa_topology: null,
      pci_requests: novaObject('InstancePCIRequestsPayload', '1.0', { instance_uuid: i.id, requests: [] }),
      project_id: i.projectId,
      scheduler_hints: i.serverGroup ? { group: [i.serverGroup] } : {},
      security_groups: ['default'],
      force_hosts: null,
      force_nodes: null,
      instance_group: null,
      requested_destination: null,
      retry: null,
      user_id: i.userId,
    }),
  });
}

/** ServiceStatusPayload 1.1: service.update (sent by the service itself, so the publisher is nova-compute:<host>). */
export function servicePayload(h: SimHost, nowIso: string): Record<string, unknown> {
  return novaObject('ServiceStatusPayload', '1.1', {
    availability_zone: null,
    binary: 'nova-compute',
    disabled: h.status === 'disabled',
    disabled_reason: h.disabledReason,
    forced_down: h.forcedDown,
    host: h.hostname,
    last_seen_up: nowIso,
    report_count: 1,
    topic: 'compute',
    uuid: h.serviceId,
    version: 66,
  });
}

/** Python's str() of a naive UTC datetime, as oslo.messaging writes `timestamp`: no zone, no fraction at 0 µs. */
export function osloTimestamp(d: Date): string {
  const [day, time] = d.toISOString().replace('Z', '').split('T') as [string, string];
  const [hms, ms = '000'] = time.split('.');
  return ms === '000' ? `${day} ${hms}` : `${day} ${hms}.${ms}000`;
}

export type NotificationSource = 'nova-compute' | 'nova-api' | 'nova-conductor';

export class Notifier {
  constructor(
    private readonly bus: Bus | undefined,
    private readonly now: () => Date,
    private readonly logger: Logger = silentLogger,
  ) {}

  async emit(
    eventType: string,
    publisherHost: string,
    payload: Record<string, unknown>,
    publisher: NotificationSource = 'nova-compute',
    priority: 'INFO' | 'ERROR' = 'INFO',
  ): Promise<void> {
    const data = payload['nova_object.data'] as Record<string, unknown> | undefined;
    const destination: Destination =
      priority === 'INFO'
        ? DESTINATIONS.novaNotifications
        : { ...DESTINATIONS.novaNotifications, routingKey: 'versioned_notifications.error' };
    await this.#publish(destination, {
      publisherId: `${publisher}:${publisherHost}`,
      eventType,
      priority,
      payload,
      requestId: typeof data?.request_id === 'string' ? data.request_id : undefined,
    });
  }

  /**
   * A Cinder unversioned notification (INFO) on `DESTINATIONS.cinderNotifications`; `publisherId` is whole, as
   * Cinder's `rpc.get_notifier(<service>, <host>)` makes it: `volume.<host@backend>`, `capacity.<scheduler host>`.
   */
  async emitCinder(eventType: string, publisherId: string, payload: Record<string, unknown>): Promise<void> {
    await this.#publish(DESTINATIONS.cinderNotifications, {
      publisherId,
      eventType,
      priority: 'INFO',
      payload,
    });
  }

  async #publish(
    destination: Destination,
    m: {
      publisherId: string;
      eventType: string;
      priority: string;
      payload: Record<string, unknown>;
      requestId?: string | undefined;
    },
  ): Promise<void> {
    if (!this.bus) return;
    const message = {
      message_id: randomUUID(),
      publisher_id: m.publisherId,
      event_type: m.eventType,
      priority: m.priority,
      payload: m.payload,
      timestamp: osloTimestamp(this.now()),
      // What the messagingv2 driver adds: a de-duplication id and the request context flattened as _context_<key>.
      _unique_id: randomUUID().replaceAll('-', ''),
      _context_request_id: m.requestId ?? `req-${randomUUID()}`,
    };
    try {
      await this.bus.publish(destination, { 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) });
    } catch (error) {
      // As oslo.messaging's notifier: a notification that cannot be sent is logged and lost, and the operation that
      // sent it goes on (a half-finished migration would leave the simulated Nova inconsistent).
      this.logger.warn({ err: error, eventType: m.eventType }, 'notification not sent; dropped');
    }
  }
}
