/**
 * `BlockStorageApi` over Cinder's v3 API at microversion 3.0, which has everything Steward reads: pools with
 * capabilities (`scheduler-stats/get_pools?detail=true`), volumes with their backend host (admin fields
 * `os-vol-host-attr:host`, `os-vol-mig-status-attr:migstat`), types, services (`os-services`), and the
 * `os-migrate_volume` / `os-retype` actions. The catalog's endpoint already ends in the project id (`/volume/v3/{project_id}`).
 */
import type { JsonRequester } from './http.js';
import type { KeystoneSession } from './keystone.js';
import type { BlockStorageApi, StoragePoolInfo, StorageService, VolumeInfo } from './ports.js';
import { createServiceClient, nextMarker, type ServiceClient } from './service-client.js';
import type { WireReader } from './wire-reader.js';

export interface CinderClientOptions {
  session: KeystoneSession;
  http: JsonRequester;
  /** Volumes per page. Default 1000, Cinder's default `osapi_max_limit`. */
  pageSize?: number;
}

const SERVICE = 'cinder';
/** devstack registers `volumev3`; the service-types authority's name is `block-storage`. */
const SERVICE_TYPES = ['block-storage', 'volumev3', 'volume'] as const;

export function createCinderClient(options: CinderClientOptions): BlockStorageApi {
  const pageSize = options.pageSize ?? 1000;
  const client: ServiceClient = createServiceClient({
    service: SERVICE,
    serviceTypes: SERVICE_TYPES,
    session: options.session,
    http: options.http,
    headers: () => Promise.resolve({ 'openstack-api-version': 'volume 3.0' }),
  });

  async function listVolumeTypes(): Promise<{ id: string; name: string; backendName: string | null }[]> {
    // is_public=None: an admin sees private types too, which volumes may use.
    const answer = (
      await client.request({
        method: 'GET',
        path: '/types',
        call: 'GET /types',
        query: { is_public: 'None' },
      })
    ).read();
    return answer.objects('volume_types').map((r) => ({
      id: r.string('id'),
      name: r.string('name'),
      backendName: r.objectOrNull('extra_specs')?.stringOr('volume_backend_name', null) ?? null,
    }));
  }

  async function action(uuid: string, name: string, body: unknown): Promise<void> {
    await client.request({
      method: 'POST',
      path: `/volumes/${encodeURIComponent(uuid)}/action`,
      call: `POST /volumes/{id}/action (${name})`,
      body: { [name]: body },
    });
  }

  return {
    async listPools() {
      const [answer, types] = await Promise.all([
        client.request({
          method: 'GET',
          path: '/scheduler-stats/get_pools',
          call: 'GET /scheduler-stats/get_pools',
          query: { detail: 'true' },
        }),
        listVolumeTypes(),
      ]);
      return answer
        .read()
        .objects('pools')
        .map((pool): StoragePoolInfo => {
          const capabilities = pool.object('capabilities');
          const backendName = capabilities.stringOr('volume_backend_name', null);
          return {
            name: pool.string('name'),
            backendName,
            totalCapacityGb: capacityGb(capabilities, 'total_capacity_gb'),
            freeCapacityGb: capacityGb(capabilities, 'free_capacity_gb'),
            allocatedCapacityGb: capacityGb(capabilities, 'allocated_capacity_gb'),
            maxOverSubscriptionRatio: ratio(capabilities),
            provisionedCapacityGb:
              capabilities.raw('provisioned_capacity_gb') === undefined
                ? capacityGb(capabilities, 'allocated_capacity_gb')
                : capacityGb(capabilities, 'provisioned_capacity_gb'),
            reservedPercentage: capacityGb(capabilities, 'reserved_percentage'),
            thinProvisioning: flag(capabilities, 'thin_provisioning_support'),
            totalVolumes: capabilities.numberOr('total_volumes', null),
            // Pools do not list their types; a type lands on a pool through its volume_backend_name extra spec.
            volumeTypes: types
              .filter((type) => backendName !== null && type.backendName === backendName)
              .map((type) => type.name),
          };
        });
    },

    async listVolumes() {
      const volumes: VolumeInfo[] = [];
      let marker: string | undefined;
      for (;;) {
        const answer = (
          await client.request({
            method: 'GET',
            path: '/volumes/detail',
            call: 'GET /volumes/detail',
            query: { all_tenants: 'True', limit: pageSize, marker },
          })
        ).read();
        const page = answer.objects('volumes');
        volumes.push(...page.map(toVolume));
        const next = nextMarker(answer.objectsOrEmpty('volumes_links'));
        if (next === undefined || next === marker || page.length === 0) return volumes;
        marker = next;
      }
    },

    async getVolume(uuid) {
      const answer = await client.find({
        method: 'GET',
        path: `/volumes/${encodeURIComponent(uuid)}`,
        call: 'GET /volumes/{id}',
      });
      return answer ? toVolume(answer.read().object('volume')) : undefined;
    },

    listVolumeTypes,

    async listServices(options = {}) {
      const answer = (
        await client.request({
          method: 'GET',
          path: '/os-services',
          call: 'GET /os-services',
          query: { binary: options.binary },
        })
      ).read();
      return answer.objects('services').map((r): StorageService => ({
        binary: r.string('binary'),
        host: r.string('host'),
        zone: r.stringOr('zone', ''),
        status: r.string('status') === 'disabled' ? 'disabled' : 'enabled',
        state: r.string('state') === 'down' ? 'down' : 'up',
        disabledReason: r.stringOr('disabled_reason', null),
        updatedAt: r.dateOrNull('updated_at'),
      }));
    },

    // force_host_copy false lets the backend move the data itself when it can; lock_volume false keeps the volume usable.
    migrateVolume: (uuid, host) =>
      action(uuid, 'os-migrate_volume', { host, force_host_copy: false, lock_volume: false }),
    retypeVolume: (uuid, volumeType, migrationPolicy) =>
      action(uuid, 'os-retype', { new_type: volumeType, migration_policy: migrationPolicy }),
  };
}

function toVolume(r: WireReader): VolumeInfo {
  return {
    uuid: r.string('id'),
    name: r.stringOr('name', ''),
    sizeGb: r.number('size'),
    status: r.string('status'),
    volumeType: r.stringOr('volume_type', null),
    host: r.stringOr('os-vol-host-attr:host', null),
    projectId: r.stringOr('os-vol-tenant-attr:tenant_id', ''),
    bootable: r.boolean('bootable', false),
    attachments: r
      .objectsOrEmpty('attachments')
      .map((a) => ({ serverId: a.string('server_id'), device: a.stringOr('device', null) })),
    migrationStatus: r.stringOr('os-vol-mig-status-attr:migstat', null),
    ...(r.has('created_at') && { createdAt: r.date('created_at') }),
  };
}

/** Drivers report capacities as numbers, numeric strings, "infinite" (thin pools without a bound) or "unknown". */
function capacityGb(capabilities: WireReader, key: string): number {
  const value = capabilities.raw(key);
  if (value === 'infinite') return Number.POSITIVE_INFINITY;
  if (value === 'unknown' || value === undefined || value === null) return 0;
  return capabilities.number(key);
}

/** `max_over_subscription_ratio` is a number, a numeric string, or "auto" (Cinder derives it; 1 is the safe reading). */
function ratio(capabilities: WireReader): number {
  const value = capabilities.raw('max_over_subscription_ratio');
  if (value === 'auto' || value === undefined || value === null) return 1;
  return capabilities.number('max_over_subscription_ratio');
}

/** Capability flags come as booleans or as the strings drivers put in their stats ("True", "false"). */
function flag(capabilities: WireReader, key: string): boolean {
  const value = capabilities.raw(key);
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}
