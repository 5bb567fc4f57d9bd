/* eslint-disable @typescript-eslint/no-unsafe-assignment -- expect.any() and expect.stringContaining() matchers are typed any */
/**
 * The real OpenStack clients against the simulated cloud over loopback HTTP, through Keystone: every ComputeApi,
 * PlacementApi and BlockStorageApi method, paging, moves over simulated time, errors, generation conflicts and
 * token renewal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCloudClients,
  type CloudClients,
  type CloudClientsOptions,
} from '../../src/cloud/openstack.js';
import type { BlockStorageApi, Server } from '../../src/cloud/ports.js';
import { isStewardError, type StewardError } from '../../src/errors.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createSimulatedCloud, type SimulatedCloud } from '../../src/simulator/index.js';

let clock: ManualClock;
let cloud: SimulatedCloud;
let metrics: Metrics;
let clients: CloudClients;
let volumes: BlockStorageApi;

const PAGE = 5;

function passwordAuth(): CloudClientsOptions['auth'] {
  const c = cloud.credentials;
  return {
    authUrl: c.authUrl,
    username: c.username,
    password: c.password,
    projectName: c.projectName,
    userDomainName: c.userDomainName,
    projectDomainName: c.projectDomainName,
    interface: 'internal',
    region: 'RegionOne',
  };
}

const fast = { timeoutMs: 5_000, retries: 1, backoffMs: 1 } as const;

async function count(m: Metrics, service: string, outcome = 'ok'): Promise<number> {
  const values = (await m.upstreamRequests.get()).values;
  return values.find((v) => v.labels.service === service && v.labels.outcome === outcome)?.value ?? 0;
}

async function failure(promise: Promise<unknown>): Promise<StewardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isStewardError(error)) throw new Error(`expected a StewardError, got ${String(error)}`);
  return error;
}

/** Lets simulated time pass and the simulator finish the moves that are due. */
async function pass(ms: number): Promise<void> {
  await clock.advance(ms);
  await cloud.settle();
}

const idle = async (): Promise<Server[]> =>
  (await clients.compute.listServers({ allTenants: true })).filter(
    (s) => s.status === 'ACTIVE' && s.taskState === null && s.hostname !== null,
  );

beforeAll(async () => {
  clock = new ManualClock();
  cloud = createSimulatedCloud({ clock, cluster: { hosts: 4, instances: 12, seed: 1 } });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  metrics = createMetrics({ defaultMetrics: false });
  clients = createCloudClients({ auth: passwordAuth(), clock, metrics, pageSize: PAGE, ...fast });
  if (!clients.blockStorage) throw new Error('Cinder should be offered with Keystone');
  volumes = clients.blockStorage;
});
afterAll(async () => {
  await clients.close();
  await cloud.close();
});

describe('Keystone session', () => {
  it('finds every service in the catalog by type, interface and region', async () => {
    await expect(clients.session.endpoint('compute')).resolves.toBe(cloud.urls.compute);
    await expect(clients.session.endpoint('placement')).resolves.toBe(cloud.urls.placement);
    await expect(clients.session.endpoint(['block-storage', 'volumev3'])).resolves.toMatch(
      new RegExp(`^${cloud.urls.volume}/[0-9a-f]{32}$`),
    );
    expect(await clients.session.token()).toMatch(/^gAAAA/);
  });

  it('names what the catalog lacks when a region has no such endpoint', async () => {
    const elsewhere = createCloudClients({
      auth: { ...passwordAuth(), region: 'RegionTwo' },
      clock,
      ...fast,
    });
    const error = await failure(elsewhere.compute.listHypervisors());
    expect(error.message).toMatch(
      /^keystone catalog lookup failed: the service catalog has no compute endpoint with interface internal in region RegionTwo; it offers .*compute \(public, internal, admin\)/,
    );
    expect(error.retryable).toBe(false);
  });

  it("fails with Keystone's 401 on wrong credentials", async () => {
    const wrong = createCloudClients({ auth: { ...passwordAuth(), password: 'nope' }, clock, ...fast });
    const error = await failure(wrong.compute.listServices());
    expect(error.message).toBe(
      'keystone POST /auth/tokens failed with HTTP 401: The request you have made requires authentication.',
    );
  });

  it('authenticates again once the cached token has expired on the simulated clock', async () => {
    await clients.compute.listServices();
    const before = await count(metrics, 'keystone');
    await clients.compute.listServices();
    expect(await count(metrics, 'keystone')).toBe(before);
    await pass(3_600_000);
    await expect(clients.compute.listServices()).resolves.toHaveLength(4);
    expect(await count(metrics, 'keystone')).toBe(before + 1);
  });

  it('renews the token once when a service answers 401 to a token it still believes valid', async () => {
    // The session's clock stands still while the cloud's moves on: the skew makes the cached token stale.
    const own = createMetrics({ defaultMetrics: false });
    const skewed = createCloudClients({
      auth: passwordAuth(),
      clock: new ManualClock(clock.now()),
      metrics: own,
      ...fast,
    });
    await skewed.compute.listServices();
    await pass(2 * 3_600_000);
    await expect(skewed.compute.listServices()).resolves.toHaveLength(4);
    expect(await count(own, 'keystone')).toBe(2);
    expect(await count(own, 'nova', 'client_error')).toBe(1);
  });

  it('works without Keystone against fixed endpoints and a given token', async () => {
    const token = await clients.session.token();
    const fixed = createCloudClients({
      auth: {
        endpoints: { compute: cloud.urls.compute, placement: cloud.urls.placement },
        ...(token ? { token } : {}),
      },
      ...fast,
    });
    expect(fixed.blockStorage).toBeUndefined();
    expect((await fixed.compute.listHypervisors()).map((h) => h.id).sort()).toEqual(
      cloud.state.hosts.map((h) => h.id).sort(),
    );
    expect(await fixed.placement.listResourceProviders()).toHaveLength(4);
  });
});

describe('Nova', () => {
  it('lists every server across pages of the configured size', async () => {
    const before = await count(metrics, 'nova');
    const servers = await clients.compute.listServers({ allTenants: true });
    expect(await count(metrics, 'nova')).toBe(before + Math.ceil(12 / PAGE));
    expect(servers.map((s) => s.uuid).sort()).toEqual([...cloud.state.instances.keys()].sort());
    const first = servers[0] as Server;
    const sim = cloud.state.instances.get(first.uuid);
    expect(first).toMatchObject({
      hostname: sim?.host,
      hypervisorHostname: sim?.host,
      projectId: sim?.projectId,
      flavor: {
        name: sim?.flavor.name,
        vcpus: sim?.flavor.vcpus,
        memoryMb: sim?.flavor.ramMb,
        diskGb: sim?.flavor.diskGb,
        ephemeralGb: 0,
        swapMb: 0,
      },
      schedulerHints: {},
      imageProperties: {},
      serverGroups: expect.any(Array),
      locked: false,
    });
    expect(first.updatedAt).toBeInstanceOf(Date);
  });

  it('filters servers by host and by changes-since', async () => {
    const host = cloud.state.hosts[0]?.hostname as string;
    const onHost = await clients.compute.listServers({ allTenants: true, host });
    expect(onHost.length).toBeGreaterThan(0);
    expect(onHost.every((s) => s.hostname === host)).toBe(true);
    expect(
      await clients.compute.listServers({
        allTenants: true,
        changesSince: new Date(clock.now().getTime() + 60_000),
      }),
    ).toEqual([]);
  });

  it('gets one server, and undefined for one that does not exist', async () => {
    const [uuid] = cloud.state.instances.keys();
    expect((await clients.compute.getServer(uuid as string))?.uuid).toBe(uuid);
    expect(await clients.compute.getServer('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('asks for an older microversion when told, and then leaves out the newer fields', async () => {
    const older = createCloudClients({
      auth: passwordAuth(),
      clock,
      microversions: { compute: '2.90' },
      ...fast,
    });
    const [server] = await older.compute.listServers({ allTenants: true });
    expect(server).toBeDefined();
    expect(server?.schedulerHints).toBeUndefined();
    expect(server?.imageProperties).toBeUndefined();
    expect(server?.serverGroups).toEqual(expect.any(Array));
  });

  it('lists hypervisors across pages with the uuid Placement knows them by', async () => {
    const small = createCloudClients({ auth: passwordAuth(), clock, pageSize: 3, ...fast });
    const hypervisors = await small.compute.listHypervisors();
    expect(hypervisors).toHaveLength(4);
    const providers = await clients.placement.listResourceProviders();
    expect(hypervisors.map((h) => h.id).sort()).toEqual(providers.map((p) => p.uuid).sort());
    expect(hypervisors[0]).toMatchObject({
      state: 'up',
      status: 'enabled',
      hypervisorType: 'QEMU',
      serviceHost: hypervisors[0]?.hypervisorHostname,
      hostIp: expect.any(String),
    });
  });

  it('disables and enables a compute service, and Placement shows COMPUTE_STATUS_DISABLED meanwhile', async () => {
    const [service] = await clients.compute.listServices({
      binary: 'nova-compute',
      host: cloud.state.hosts[1]?.hostname,
    });
    if (!service) throw new Error('no service');
    const disabled = await clients.compute.setServiceStatus(service.id, {
      status: 'disabled',
      disabledReason: 'watcher_maintaining',
    });
    expect(disabled).toMatchObject({
      id: service.id,
      status: 'disabled',
      disabledReason: 'watcher_maintaining',
      state: 'up',
      forcedDown: false,
    });
    const provider = cloud.state.hosts[1]?.id as string;
    expect((await clients.placement.getTraits(provider)).traits).toContain('COMPUTE_STATUS_DISABLED');
    expect(await clients.compute.setServiceStatus(service.id, { status: 'enabled' })).toMatchObject({
      status: 'enabled',
      disabledReason: null,
    });
    expect((await clients.placement.getTraits(provider)).traits).not.toContain('COMPUTE_STATUS_DISABLED');
  });

  it('lists flavors and finds one by id or by name', async () => {
    const flavors = await clients.compute.listFlavors();
    expect(flavors.map((f) => f.name)).toEqual(['m1.tiny', 'm1.small', 'm1.medium', 'm1.large', 'm1.xlarge']);
    expect(await clients.compute.findFlavor('3')).toMatchObject({
      id: '3',
      name: 'm1.medium',
      vcpus: 2,
      memoryMb: 4096,
      diskGb: 40,
      extraSpecs: {},
    });
    expect((await clients.compute.findFlavor('m1.large'))?.id).toBe('4');
    expect(await clients.compute.findFlavor('m9.huge')).toBeUndefined();
  });

  it('lists aggregates and server groups as the simulator holds them', async () => {
    expect((await clients.compute.listAggregates()).map((a) => a.id)).toEqual(
      cloud.state.aggregates.map((a) => a.id),
    );
    expect((await clients.compute.listServerGroups()).map((g) => g.id)).toEqual(
      cloud.state.serverGroups.map((g) => g.id),
    );
  });

  it('live-migrates a server, which lands on another host once its simulated time has passed', async () => {
    const [server] = await idle();
    if (!server) throw new Error('no idle server');
    await clients.compute.liveMigrate(server.uuid, { host: null, blockMigration: 'auto' });
    expect(await clients.compute.getServer(server.uuid)).toMatchObject({
      status: 'MIGRATING',
      taskState: 'migrating',
    });
    const [migration] = await clients.compute.listServerMigrations(server.uuid);
    expect(migration).toMatchObject({
      serverUuid: server.uuid,
      sourceCompute: server.hostname,
      status: 'running',
      migrationType: 'live-migration',
      memoryTotalBytes: server.flavor.memoryMb * 1024 * 1024,
    });
    await pass(15 * 60_000);
    const moved = await clients.compute.getServer(server.uuid);
    expect(moved).toMatchObject({ status: 'ACTIVE', taskState: null, hostname: migration?.destCompute });
    expect(moved?.hostname).not.toBe(server.hostname);
  });

  it('surfaces a 409 as a StewardError naming nova and the action', async () => {
    const [server] = await idle();
    if (!server) throw new Error('no idle server');
    await clients.compute.liveMigrate(server.uuid, { host: null, blockMigration: 'auto' });
    const error = await failure(
      clients.compute.liveMigrate(server.uuid, { host: null, blockMigration: 'auto' }),
    );
    expect(error.message).toMatch(
      /^nova POST \/servers\/\{id\}\/action \(os-migrateLive\) failed with HTTP 409: Cannot '.+' instance .+ while it is in task_state migrating$/,
    );
    expect(error.kind).toBe('upstream');
    expect(error.retryable).toBe(false);
    expect(error.extra.details).toMatchObject({ service: 'nova', status: 409 });
    // Clean up: abort it, which is the last live-migration call.
    const [migration] = await clients.compute.listServerMigrations(server.uuid);
    await clients.compute.abortLiveMigration(server.uuid, migration?.id as number);
    expect(await clients.compute.getServer(server.uuid)).toMatchObject({
      status: 'ACTIVE',
      taskState: null,
      hostname: server.hostname,
    });
    expect(await clients.compute.listServerMigrations(server.uuid)).toEqual([]);
  });

  it('cold-migrates to a named host and confirms the resize', async () => {
    const [server] = await idle();
    if (!server) throw new Error('no idle server');
    const target = cloud.state.hosts.find((h) => h.hostname !== server.hostname)?.hostname as string;
    await clients.compute.migrate(server.uuid, { host: target });
    await pass(15 * 60_000);
    expect(await clients.compute.getServer(server.uuid)).toMatchObject({
      status: 'VERIFY_RESIZE',
      hostname: target,
    });
    await clients.compute.confirmResize(server.uuid);
    expect(await clients.compute.getServer(server.uuid)).toMatchObject({
      status: 'ACTIVE',
      hostname: target,
    });
  });

  it('resizes to another flavor', async () => {
    const servers = await idle();
    const server =
      servers.find((s) => s.flavor.name === 'm1.tiny' || s.flavor.name === 'm1.small') ?? servers[0];
    if (!server) throw new Error('no idle server');
    const flavorRef = server.flavor.name === 'm1.medium' ? '2' : '3';
    await clients.compute.resize(server.uuid, flavorRef);
    await pass(15 * 60_000);
    await clients.compute.confirmResize(server.uuid);
    expect((await clients.compute.getServer(server.uuid))?.flavor.name).toBe(
      flavorRef === '3' ? 'm1.medium' : 'm1.small',
    );
  });

  it('stops and starts a server', async () => {
    const [server] = await idle();
    if (!server) throw new Error('no idle server');
    await clients.compute.stop(server.uuid);
    expect(await clients.compute.getServer(server.uuid)).toMatchObject({
      status: 'SHUTOFF',
      vmState: 'stopped',
      powerState: 4,
    });
    await clients.compute.start(server.uuid);
    expect(await clients.compute.getServer(server.uuid)).toMatchObject({ status: 'ACTIVE', powerState: 1 });
  });
});

describe('Placement', () => {
  it('reads inventories, usages and allocations that agree with the instances on the host', async () => {
    const host = cloud.state.hosts[2];
    if (!host) throw new Error('no host');
    const { inventories, generation } = await clients.placement.getInventories(host.id);
    expect(generation).toBe(host.generation);
    expect(inventories.map((i) => i.resourceClass).sort()).toEqual(['DISK_GB', 'MEMORY_MB', 'VCPU']);
    expect(inventories.find((i) => i.resourceClass === 'VCPU')).toMatchObject({
      total: host.vcpus,
      reserved: host.vcpuReserved,
      allocationRatio: host.vcpuRatio,
      minUnit: 1,
      maxUnit: host.vcpus,
      stepSize: 1,
    });
    const onHost = [...cloud.state.instances.values()].filter((i) => i.host === host.hostname);
    const usages = await clients.placement.getUsages(host.id);
    expect(usages.VCPU).toBe(onHost.reduce((sum, i) => sum + i.flavor.vcpus, 0));
    const allocations = await clients.placement.getAllocations(host.id);
    expect(Object.keys(allocations).sort()).toEqual(onHost.map((i) => i.id).sort());
  });

  it('re-reads and re-applies a trait change that met a newer generation', async () => {
    const host = cloud.state.hosts[3];
    if (!host) throw new Error('no host');
    await clients.placement.ensureTrait('CUSTOM_STEWARD_MAINTENANCE');
    const seen: number[] = [];
    const traits = await clients.placement.setTraits(host.id, (current) => {
      seen.push(host.generation);
      // Another writer (nova-compute) bumps the generation between our read and our write, once.
      if (seen.length === 1) host.generation++;
      return [...current, 'CUSTOM_STEWARD_MAINTENANCE'];
    });
    expect(seen).toHaveLength(2);
    expect(traits).toContain('CUSTOM_STEWARD_MAINTENANCE');
    expect((await clients.placement.getTraits(host.id)).traits).toContain('CUSTOM_STEWARD_MAINTENANCE');
    const removed = await clients.placement.setTraits(host.id, (current) =>
      current.filter((t) => t !== 'CUSTOM_STEWARD_MAINTENANCE'),
    );
    expect(removed).not.toContain('CUSTOM_STEWARD_MAINTENANCE');
  });

  it('gives up after a bounded number of generation conflicts with placement.concurrent_update', async () => {
    const host = cloud.state.hosts[3];
    if (!host) throw new Error('no host');
    let calls = 0;
    const error = await failure(
      clients.placement.setTraits(host.id, (current) => {
        calls++;
        host.generation++;
        return [...current, 'CUSTOM_NEVER'];
      }),
    );
    expect(calls).toBe(5);
    expect(error.message).toMatch(
      /^placement PUT \/resource_providers\/\{uuid\}\/traits failed with HTTP 409: .*generation.* \(placement\.concurrent_update\)$/,
    );
  });

  it('does not write when the change leaves the traits as they are', async () => {
    const host = cloud.state.hosts[0];
    if (!host) throw new Error('no host');
    const generation = host.generation;
    await clients.placement.setTraits(host.id, (current) => [...current].reverse());
    expect(host.generation).toBe(generation);
  });
});

describe('Cinder', () => {
  it('lists pools with capacities and the volume types that land on them', async () => {
    const pools = await volumes.listPools();
    expect(pools.map((p) => p.name).sort()).toEqual(cloud.state.pools.map((p) => p.name).sort());
    expect(pools.find((p) => p.name === 'cinder-volume-1@ssd#pool-c')).toMatchObject({
      backendName: 'ssd',
      maxOverSubscriptionRatio: 20,
      volumeTypes: ['ssd'],
      totalCapacityGb: expect.any(Number),
      reservedPercentage: 0,
      thinProvisioning: true,
    });
    for (const pool of pools) {
      const inPool = cloud.state.volumes.filter((v) => v.pool === pool.name);
      expect(pool.totalVolumes).toBe(inPool.length);
      expect(pool.provisionedCapacityGb).toBe(inPool.reduce((sum, v) => sum + v.sizeGb, 0));
    }
    expect((await volumes.listVolumeTypes()).map((t) => [t.name, t.backendName]).sort()).toEqual([
      ['lvmdriver-1', 'lvm'],
      ['ssd', 'ssd'],
    ]);
  });

  it('lists the cinder-volume services, one per backend, with zone and state', async () => {
    const services = await volumes.listServices({ binary: 'cinder-volume' });
    expect(services.map((service) => service.host).sort()).toEqual([
      'cinder-volume-0@lvm',
      'cinder-volume-1@ssd',
    ]);
    expect(services[0]).toEqual({
      binary: 'cinder-volume',
      host: expect.any(String),
      zone: 'nova',
      status: 'enabled',
      state: 'up',
      disabledReason: null,
      updatedAt: clock.now(),
    });
    expect((await volumes.listServices()).map((service) => service.binary).sort()).toEqual([
      'cinder-scheduler',
      'cinder-volume',
      'cinder-volume',
    ]);
  });

  it('lists volumes with their backend host and attachments, and gets one', async () => {
    const listed = await volumes.listVolumes();
    expect(listed.map((v) => v.uuid).sort()).toEqual(cloud.state.volumes.map((v) => v.id).sort());
    const first = listed[0];
    if (!first) throw new Error('no volume');
    expect(first).toMatchObject({
      status: 'in-use',
      bootable: false,
      host: expect.stringContaining('#pool-'),
      attachments: [{ serverId: expect.any(String), device: '/dev/vdb' }],
    });
    expect(await volumes.getVolume(first.uuid)).toEqual(first);
    expect(await volumes.getVolume('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('migrates a volume to another pool and retypes another across backends', async () => {
    const [volume, other] = (await volumes.listVolumes()).filter((v) => v.volumeType === 'lvmdriver-1');
    if (!volume || !other) throw new Error('not enough lvm volumes');
    const target =
      volume.host === 'cinder-volume-0@lvm#pool-a'
        ? 'cinder-volume-0@lvm#pool-b'
        : 'cinder-volume-0@lvm#pool-a';
    await volumes.migrateVolume(volume.uuid, target);
    expect((await volumes.getVolume(volume.uuid))?.migrationStatus).toBe('migrating');
    await volumes.retypeVolume(other.uuid, 'ssd', 'on-demand');
    expect((await volumes.getVolume(other.uuid))?.status).toBe('retyping');
    await pass(15 * 60_000);
    expect(await volumes.getVolume(volume.uuid)).toMatchObject({ host: target, migrationStatus: 'success' });
    expect(await volumes.getVolume(other.uuid)).toMatchObject({ volumeType: 'ssd', status: 'in-use' });
    const error = await failure(volumes.retypeVolume(volume.uuid, 'gold', 'never'));
    expect(error.message).toBe(
      'cinder POST /volumes/{id}/action (os-retype) failed with HTTP 404: Volume type gold could not be found.',
    );
  });
});

describe('Ironic node power and Placement custom traits', () => {
  const baremetal = () => {
    if (!clients.baremetal) throw new Error('Ironic should be offered with Keystone');
    return clients.baremetal;
  };

  it('lists one bare metal node per compute host, powered on, backing the compute node of the same uuid', async () => {
    const nodes = await baremetal().listNodes();
    expect(nodes.map((n) => n.name).sort()).toEqual(cloud.state.hosts.map((h) => h.hostname).sort());
    for (const node of nodes)
      expect(node).toMatchObject({ powerState: 'on', targetPowerState: null, computeNodeId: node.uuid });
    expect(await baremetal().getNode('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('refuses to power off a node whose compute host still holds instances, naming them', async () => {
    const host = cloud.state.hosts.find((h) =>
      [...cloud.state.instances.values()].some((i) => i.host === h.hostname),
    )!;
    const error = await failure(baremetal().setPowerState(host.id, 'off'));
    expect(error.message).toMatch(
      /^ironic PUT \/v1\/nodes\/\{node\}\/states\/power failed with HTTP 409: Node .* hosts \d+ instance\(s\) of compute host/,
    );
    expect((await baremetal().getNode(host.id))?.powerState).toBe('on');
  });

  it('powers an empty node off over simulated time; Nova then shows it down and will not move anything onto it', async () => {
    const host = cloud.state.hosts[3]!;
    for (const i of cloud.state.instances.values()) if (i.host === host.hostname) i.host = null;
    await baremetal().setPowerState(host.hostname, 'off');
    expect(await baremetal().getNode(host.id)).toMatchObject({ powerState: 'on', targetPowerState: 'off' });
    const again = await failure(baremetal().setPowerState(host.id, 'on'));
    expect(again.message).toMatch(/HTTP 409: Node .* is locked/);
    await pass(60_000);
    expect(await baremetal().getNode(host.id)).toMatchObject({ powerState: 'off', targetPowerState: null });
    const hypervisor = (await clients.compute.listHypervisors()).find((h) => h.id === host.id);
    expect(hypervisor?.state).toBe('down');
    const [service] = await clients.compute.listServices({ binary: 'nova-compute', host: host.hostname });
    expect(service?.state).toBe('down');
    const [server] = await idle();
    const refused = await failure(
      clients.compute.liveMigrate(server!.uuid, { host: host.hostname, blockMigration: 'auto' }),
    );
    expect(refused.message).toMatch(/powered off/);
    await baremetal().setPowerState(host.id, 'on');
    await pass(60_000);
    expect((await clients.compute.listHypervisors()).find((h) => h.id === host.id)?.state).toBe('up');
  });

  it('creates a custom trait once, refuses an unknown one on a provider, and lists it', async () => {
    const host = cloud.state.hosts[2]!;
    const unknown = await failure(clients.placement.setTraits(host.id, (t) => [...t, 'CUSTOM_NOT_CREATED']));
    expect(unknown.message).toMatch(/HTTP 400: No such trait\(s\): CUSTOM_NOT_CREATED/);
    await clients.placement.ensureTrait('CUSTOM_STEWARD_GOLD');
    await clients.placement.ensureTrait('CUSTOM_STEWARD_GOLD');
    expect(await clients.placement.setTraits(host.id, (t) => [...t, 'CUSTOM_STEWARD_GOLD'])).toContain(
      'CUSTOM_STEWARD_GOLD',
    );
    const invalid = await failure(clients.placement.ensureTrait('GOLD'));
    expect(invalid.message).toMatch(/HTTP 400: The trait is invalid/);
  });
});
