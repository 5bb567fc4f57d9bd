/** Nova versioned notifications in the oslo.messaging 2.0 envelope, payload fields as in Nova's samples. */
import { randomUUID } from 'node:crypto';
import { DESTINATIONS, type Bus } from '../bus/bus.js';
import type { SimHost, SimInstance } from './cluster.js';

const POWER: Record<number, string> = { 0: 'pending', 1: 'running', 3: 'paused', 4: 'shutdown', 6: 'crashed', 7: 'suspended' };

export function instancePayload(i: SimInstance, host: string | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'nova_object.name': 'InstanceActionPayload', 'nova_object.namespace': 'nova', 'nova_object.version': '1.9',
    'nova_object.data': {
      architecture: 'x86_64', availability_zone: 'nova', block_devices: [], created_at: i.created, deleted_at: null,
      display_name: i.name, display_description: i.name, host, host_name: i.name, ip_addresses: [], kernel_id: '', key_name: null,
      launched_at: i.created, image_uuid: i.imageId, metadata: { ...i.metadata }, locked: i.locked, node: host,
      os_type: null, progress: 0, ramdisk_id: '', reservation_id: `r-${i.id.slice(0, 8)}`, state: i.vmState, task_state: i.taskState,
      power_state: POWER[i.powerState] ?? 'nostate', tenant_id: i.projectId, terminated_at: null, auto_disk_config: 'MANUAL',
      flavor: {
        'nova_object.name': 'FlavorPayload', 'nova_object.namespace': 'nova', 'nova_object.version': '1.4',
        'nova_object.data': { flavorid: i.flavor.id, name: i.flavor.name, memory_mb: i.flavor.ramMb, vcpus: i.flavor.vcpus, root_gb: i.flavor.diskGb, ephemeral_gb: 0, swap: 0, rxtx_factor: 1.0, vcpu_weight: 0, disabled: false, is_public: true, extra_specs: { ...i.flavor.extraSpecs }, description: null, projects: null },
      },
      updated_at: i.updated, user_id: i.userId, uuid: i.id, request_id: `req-${randomUUID()}`, action_initiator_user: 'admin',
      action_initiator_project: i.projectId, locked_reason: null, shares: [], fault: null, ...extra,
    },
  };
}

export function servicePayload(h: SimHost, nowIso: string): Record<string, unknown> {
  return {
    'nova_object.name': 'ServiceStatusPayload', 'nova_object.namespace': 'nova', 'nova_object.version': '1.1',
    'nova_object.data': { availability_zone: null, binary: 'nova-compute', disabled: h.status === 'disabled', disabled_reason: h.disabledReason, forced_down: h.forcedDown, host: h.hostname, last_seen_up: nowIso, report_count: 1, topic: 'compute', uuid: h.serviceId, version: 66 },
  };
}

export class Notifier {
  constructor(private readonly bus: Bus | undefined, private readonly now: () => Date) {}

  async emit(eventType: string, publisherHost: string, payload: Record<string, unknown>, publisher = 'nova-compute'): Promise<void> {
    if (!this.bus) return;
    const message = { event_type: eventType, payload, priority: 'INFO', publisher_id: `${publisher}:${publisherHost}`, message_id: randomUUID(), timestamp: this.now().toISOString().replace('T', ' ').replace('Z', '') };
    await this.bus.publish(DESTINATIONS.novaNotifications, { 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) });
  }
}
