/**
 * `ComputeApi` over Nova's REST API (v2.1 with microversions). Steward asks for 2.100 and settles for what Nova
 * offers down to 2.56, Watcher's own minimum: 2.47 embeds the flavor in servers, 2.53 identifies services and
 * hypervisors by uuid (the hypervisor uuid is its Placement provider), 2.56 lets a cold migration name its target,
 * 2.71 lists server groups, 2.96 pins the availability zone, 2.98 embeds image properties and 2.100 scheduler hints.
 * Hypervisor capacity is not read here: from 2.88 on Nova has none, and Placement is the source either way.
 */
import type {
  Aggregate,
  ComputeApi,
  ComputeService,
  Flavor,
  Hypervisor,
  ListServersOptions,
  Migration,
  Server,
  ServerGroup,
} from './ports.js';
import type { JsonRequester } from './http.js';
import type { KeystoneSession } from './keystone.js';
import {
  atLeast,
  formatMicroversion,
  negotiatedOnce,
  parseMicroversion,
  type Microversion,
} from './microversion.js';
import { createServiceClient, nextMarker, type QueryValue, type ServiceClient } from './service-client.js';
import type { WireReader } from './wire-reader.js';

export interface NovaClientOptions {
  session: KeystoneSession;
  http: JsonRequester;
  /** The newest microversion to ask for. Default `2.100`; Nova's maximum is used when it is older (never below 2.56). */
  microversion?: string;
  /** Servers, hypervisors and flavors per page. Default 1000, Nova's default `[api] max_limit`. */
  pageSize?: number;
}

const SERVICE = 'nova';
const MINIMUM: Microversion = [2, 56];
const MIGRATION_TYPES = ['live-migration', 'migration', 'resize', 'evacuation'] as const;

export function createNovaClient(options: NovaClientOptions): ComputeApi {
  const wanted = parseMicroversion(options.microversion ?? '2.100');
  const pageSize = options.pageSize ?? 1000;
  const client: ServiceClient = createServiceClient({
    service: SERVICE,
    serviceTypes: ['compute'],
    session: options.session,
    http: options.http,
    headers: async (_base, signal) => {
      const version = formatMicroversion(await microversion(signal));
      // Both spellings: the legacy header is what Nova before 2.27 and some proxies look at.
      return { 'openstack-api-version': `compute ${version}`, 'x-openstack-nova-api-version': version };
    },
  });

  const microversion = negotiatedOnce(() => ({
    client,
    wanted,
    minimum: MINIMUM,
    range: (root) => {
      const version = root.objectOrNull('version');
      const max = version?.stringOr('version', null);
      return version && max
        ? [parseMicroversion(version.stringOr('min_version', '2.1')), parseMicroversion(max)]
        : undefined;
    },
  }));

  /** Every item of a Nova list that pages with `limit`/`marker` and a `rel: next` link. */
  async function listAll<T>(
    path: string,
    key: string,
    query: Record<string, QueryValue>,
    map: (item: WireReader, version: Microversion) => T,
  ): Promise<T[]> {
    const version = await microversion();
    const items: T[] = [];
    let marker: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const answer = (
        await client.request({
          method: 'GET',
          path,
          call: `GET ${path}`,
          query: { ...query, limit: pageSize, marker },
        })
      ).read();
      const page = answer.objects(key);
      items.push(...page.map((item) => map(item, version)));
      marker = nextMarker(answer.objectsOrEmpty(`${key}_links`));
      // A marker seen before would loop forever on a misbehaving proxy; the list is complete as far as it goes.
      if (marker === undefined || page.length === 0 || seen.has(marker)) return items;
      seen.add(marker);
    }
  }

  async function action(uuid: string, name: string, body: unknown): Promise<void> {
    await client.request({
      method: 'POST',
      path: `/servers/${encodeURIComponent(uuid)}/action`,
      call: `POST /servers/{id}/action (${name})`,
      body: { [name]: body },
    });
  }

  const listFlavors = (): Promise<Flavor[]> =>
    listAll('/flavors/detail', 'flavors', { is_public: 'None' }, toFlavor);

  return {
    async getServer(uuid) {
      const version = await microversion();
      const answer = await client.find({
        method: 'GET',
        path: `/servers/${encodeURIComponent(uuid)}`,
        call: 'GET /servers/{id}',
      });
      return answer ? toServer(answer.read().object('server'), version) : undefined;
    },

    listServers(list: ListServersOptions = {}) {
      return listAll(
        '/servers/detail',
        'servers',
        {
          all_tenants: list.allTenants ? 'True' : undefined,
          host: list.host,
          'changes-since': list.changesSince?.toISOString(),
        },
        toServer,
      );
    },

    liveMigrate: (uuid, { host, blockMigration }) =>
      action(uuid, 'os-migrateLive', { host, block_migration: blockMigration }),
    migrate: (uuid, { host }) => action(uuid, 'migrate', host === null ? null : { host }),
    resize: (uuid, flavorRef) => action(uuid, 'resize', { flavorRef }),
    confirmResize: (uuid) => action(uuid, 'confirmResize', null),
    stop: (uuid) => action(uuid, 'os-stop', null),
    start: (uuid) => action(uuid, 'os-start', null),

    async listServerMigrations(uuid) {
      const path = `/servers/${encodeURIComponent(uuid)}/migrations`;
      const answer = (
        await client.request({ method: 'GET', path, call: 'GET /servers/{id}/migrations' })
      ).read();
      // This list only ever holds in-progress live migrations, so it carries no migration_type.
      return answer.objects('migrations').map((item) => toMigration(item, uuid));
    },

    async abortLiveMigration(uuid, migrationId) {
      await client.request({
        method: 'DELETE',
        path: `/servers/${encodeURIComponent(uuid)}/migrations/${migrationId}`,
        call: 'DELETE /servers/{id}/migrations/{migration_id}',
      });
    },

    async listServices(filter = {}) {
      const answer = (
        await client.request({
          method: 'GET',
          path: '/os-services',
          call: 'GET /os-services',
          query: { binary: filter.binary, host: filter.host },
        })
      ).read();
      return answer.objects('services').map(toService);
    },

    async setServiceStatus(serviceId, change) {
      const body =
        change.status === 'disabled' && change.disabledReason !== undefined
          ? { status: 'disabled', disabled_reason: change.disabledReason }
          : { status: change.status };
      const answer = await client.request({
        method: 'PUT',
        path: `/os-services/${encodeURIComponent(serviceId)}`,
        call: 'PUT /os-services/{id}',
        body,
      });
      return toService(answer.read().object('service'));
    },

    listHypervisors: () => listAll('/os-hypervisors/detail', 'hypervisors', {}, toHypervisor),

    listFlavors,

    async findFlavor(idOrName) {
      const version = await microversion();
      const answer = await client.find({
        method: 'GET',
        path: `/flavors/${encodeURIComponent(idOrName)}`,
        call: 'GET /flavors/{id}',
      });
      const flavor = answer
        ? toFlavor(answer.read().object('flavor'))
        : (await listFlavors()).find((f) => f.name === idOrName);
      if (!flavor || atLeast(version, 61)) return flavor;
      // Before 2.61 flavors carry no extra specs; they come from their own call.
      const specs = await client.request({
        method: 'GET',
        path: `/flavors/${encodeURIComponent(flavor.id)}/os-extra_specs`,
        call: 'GET /flavors/{id}/os-extra_specs',
      });
      return { ...flavor, extraSpecs: specs.read().stringRecord('extra_specs') };
    },

    async listAggregates() {
      const answer = (
        await client.request({ method: 'GET', path: '/os-aggregates', call: 'GET /os-aggregates' })
      ).read();
      return answer.objects('aggregates').map(toAggregate);
    },

    async listServerGroups() {
      const version = await microversion();
      const groups = new Map<string, ServerGroup>();
      // Server groups page by offset, not marker; a page with nothing new ends the walk (some proxies ignore offset).
      for (let offset = 0; ; offset += pageSize) {
        const answer = (
          await client.request({
            method: 'GET',
            path: '/os-server-groups',
            call: 'GET /os-server-groups',
            query: { all_projects: 'True', limit: pageSize, offset },
          })
        ).read();
        const page = answer.objects('server_groups').map((item) => toServerGroup(item, version));
        const fresh = page.filter((group) => !groups.has(group.id));
        for (const group of fresh) groups.set(group.id, group);
        if (page.length < pageSize || fresh.length === 0) return [...groups.values()];
      }
    },
  };
}

function toServer(r: WireReader, version: Microversion): Server {
  const flavor = r.object('flavor');
  const image = r.objectOrNull('image'); // "" for a server booted from a volume
  const server: Server = {
    uuid: r.string('id'),
    name: r.stringOr('name', ''),
    status: r.string('status'),
    vmState: r.stringOr('OS-EXT-STS:vm_state', ''),
    taskState: r.stringOr('OS-EXT-STS:task_state', null),
    powerState: r.numberOr('OS-EXT-STS:power_state', null),
    // The nova-compute service host (admin-only field), not the guest's OS-EXT-SRV-ATTR:hostname.
    hostname: r.stringOr('OS-EXT-SRV-ATTR:host', null),
    hypervisorHostname: r.stringOr('OS-EXT-SRV-ATTR:hypervisor_hostname', null),
    availabilityZone: r.stringOr('OS-EXT-AZ:availability_zone', null),
    projectId: r.string('tenant_id'),
    userId: r.stringOr('user_id', ''),
    flavor: {
      name: flavor.string('original_name'),
      vcpus: flavor.number('vcpus'),
      memoryMb: flavor.number('ram'),
      diskGb: flavor.numberOr('disk', 0),
      ephemeralGb: flavor.numberOr('ephemeral', 0),
      swapMb: flavor.numberOr('swap', 0),
      extraSpecs: flavor.stringRecord('extra_specs'),
    },
    imageId: image?.stringOr('id', null) ?? null,
    metadata: r.stringRecord('metadata'),
    locked: r.boolean('locked', false),
    pinnedAvailabilityZone: r.stringOr('pinned_availability_zone', null),
    updatedAt: r.date('updated'),
    createdAt: r.date('created'),
  };
  if (atLeast(version, 71)) server.serverGroups = r.strings('server_groups');
  if (atLeast(version, 98)) server.imageProperties = image?.record('properties') ?? {};
  if (atLeast(version, 100)) server.schedulerHints = r.record('scheduler_hints');
  if (r.has('capabilities'))
    server.capabilities = Object.fromEntries(
      Object.entries(r.record('capabilities')).filter(
        (e): e is [string, boolean] => typeof e[1] === 'boolean',
      ),
    );
  if (r.has('protected_metadata')) server.protectedMetadata = r.stringRecord('protected_metadata');
  return server;
}

function toMigration(r: WireReader, serverUuid: string): Migration {
  const type = r.stringOr('migration_type', 'live-migration');
  return {
    id: r.number('id'),
    uuid: r.stringOr('uuid', null),
    serverUuid: r.stringOr('server_uuid', null) ?? r.stringOr('instance_uuid', serverUuid),
    sourceCompute: r.stringOr('source_compute', null),
    destCompute: r.stringOr('dest_compute', null),
    status: r.string('status'),
    migrationType: MIGRATION_TYPES.find((t) => t === type) ?? 'migration',
    memoryTotalBytes: r.numberOr('memory_total_bytes', null),
    memoryProcessedBytes: r.numberOr('memory_processed_bytes', null),
    createdAt: r.date('created_at'),
    updatedAt: r.dateOrNull('updated_at'),
  };
}

function toService(r: WireReader): ComputeService {
  return {
    id: r.string('id'),
    binary: r.string('binary'),
    host: r.string('host'),
    zone: r.stringOr('zone', ''),
    status: r.string('status') === 'disabled' ? 'disabled' : 'enabled',
    state: r.string('state') === 'up' ? 'up' : 'down',
    disabledReason: r.stringOr('disabled_reason', null),
    forcedDown: r.boolean('forced_down', false),
    maintenance: r.boolean('maintenance', false),
    updatedAt: r.dateOrNull('updated_at'),
  };
}

function toHypervisor(r: WireReader): Hypervisor {
  const service = r.objectOrNull('service');
  return {
    id: r.string('id'),
    hypervisorHostname: r.string('hypervisor_hostname'),
    serviceHost: service?.stringOr('host', null) ?? r.string('hypervisor_hostname'),
    state: r.stringOr('state', 'down') === 'up' ? 'up' : 'down',
    status: r.stringOr('status', 'disabled') === 'enabled' ? 'enabled' : 'disabled',
    hypervisorType: r.stringOr('hypervisor_type', ''),
    hostIp: r.stringOr('host_ip', null),
  };
}

function toFlavor(r: WireReader): Flavor {
  return {
    id: r.string('id'),
    name: r.string('name'),
    vcpus: r.number('vcpus'),
    memoryMb: r.number('ram'),
    diskGb: r.numberOr('disk', 0),
    extraSpecs: r.stringRecord('extra_specs'),
  };
}

function toAggregate(r: WireReader): Aggregate {
  return {
    id: r.number('id'),
    name: r.string('name'),
    availabilityZone: r.stringOr('availability_zone', null),
    hosts: r.strings('hosts'),
    metadata: r.stringRecord('metadata'),
  };
}

function toServerGroup(r: WireReader, version: Microversion): ServerGroup {
  return {
    id: r.string('id'),
    name: r.stringOr('name', ''),
    policy: atLeast(version, 64) ? r.string('policy') : (r.strings('policies')[0] ?? ''),
    members: r.strings('members'),
  };
}
