/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any -- wire bodies are untyped JSON whose shape is what these tests assert */
/**
 * The simulated Nova's 2025.2 PTG features over HTTP, each of which the simulator before them lacked: a Neutron network
 * list with servers carrying ports and addresses, `GET /servers?network=` (id or name), instance capabilities in the
 * server's details, `instance.update` on state changes (Nova's `notify_on_state_change`), and maintenance mode and
 * metadata protection shown where Steward's collector reads them.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { DESTINATIONS } from '../../src/bus/bus.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createSimulatedCloud, type SimulatedCloud } from '../../src/simulator/index.js';
import { simulatedLogin } from '../helpers/simulated-keystone.js';

const T = 1795524300;
let cloud: SimulatedCloud;
let clock: ManualClock;
const tokens: Record<string, string> = {};
const messages: { event_type: string; publisher_id: string; payload: any }[] = [];

const login = async (name: string, password: string): Promise<{ token: string; body: any }> =>
  simulatedLogin(cloud.urls.identity, { name, password });

async function call(
  url: string,
  method = 'GET',
  body?: unknown,
  { user = 'admin', version = '2.100' } = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      'x-auth-token': tokens[user]!,
      'openstack-api-version': `compute ${version}`,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const nova = (path: string, method = 'GET', body?: unknown, options = {}) =>
  call(`${cloud.urls.compute}${path}`, method, body, options);
const flush = async (): Promise<void> => {
  for (let n = 0; n < 5; n++) await new Promise((r) => setImmediate(r));
};

beforeAll(async () => {
  clock = new ManualClock(new Date(T * 1000));
  const bus = new InProcessBus({ logger: silentLogger });
  await bus.subscribe(DESTINATIONS.novaNotifications, (m) => {
    messages.push(JSON.parse((m as { 'oslo.message': string })['oslo.message']));
    return Promise.resolve();
  });
  cloud = createSimulatedCloud({
    clock,
    bus,
    cluster: { scenarioFile: 'test/fixtures/scenarios/scenario-10x50-seed42.json' },
    notifyOnStateChange: 'vm_and_task_state',
  });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  tokens.admin = (await login('admin', 'admin')).token;
  tokens.demo = (await login('demo', 'demo')).token;
});
afterAll(async () => {
  await cloud.close();
});

describe('networks', () => {
  it('lists Neutron-shaped networks at the catalog’s network endpoint', async () => {
    const { body } = await login('admin', 'admin');
    const network = body.token.catalog.find((entry: any) => entry.type === 'network');
    expect(network.endpoints[0].url).toBe(cloud.urls.network);
    const listed = await call(`${cloud.urls.network}/v2.0/networks`);
    expect(listed.status).toBe(200);
    expect(listed.body.networks.map((n: any) => [n.name, n.shared, n.status])).toEqual([
      ['private', false, 'ACTIVE'],
      ['public', true, 'ACTIVE'],
    ]);
    const byName = await call(`${cloud.urls.network}/v2.0/networks?name=public`);
    expect(byName.body.networks).toHaveLength(1);
    const missing = await call(`${cloud.urls.network}/v2.0/networks/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.NeutronError.type).toBe('NetworkNotFound');
  });

  it('shows each server’s ports as addresses, and Neutron lists the same ports', async () => {
    const { body } = await nova('/servers/detail?all_tenants=1');
    const first = body.servers[0];
    expect(Object.keys(first.addresses)).toContain('private');
    expect(first.addresses.private[0]).toMatchObject({ version: 4, 'OS-EXT-IPS:type': 'fixed' });
    expect(first.addresses.private[0].addr).toMatch(/^10\.0\.\d+\.\d+$/);
    const ports = await call(`${cloud.urls.network}/v2.0/ports?device_id=${first.id}`);
    expect(ports.body.ports.map((p: any) => p.fixed_ips[0].ip_address).sort()).toEqual(
      Object.values(first.addresses)
        .flat()
        .map((a: any) => a.addr)
        .sort(),
    );
    const addresses = body.servers.flatMap((s: any) =>
      Object.values(s.addresses)
        .flat()
        .map((a: any) => a.addr),
    );
    expect(new Set(addresses).size).toBe(addresses.length);
  });

  it('filters the server list by network id or name; an unknown network matches no server', async () => {
    const all = (await nova('/servers/detail?all_tenants=1')).body.servers;
    const networks = (await call(`${cloud.urls.network}/v2.0/networks`)).body.networks;
    const publicNet = networks.find((n: any) => n.name === 'public');
    const onPublic = all.filter((s: any) => 'public' in s.addresses).map((s: any) => s.id);
    expect(onPublic.length).toBeGreaterThan(0);
    expect(onPublic.length).toBeLessThan(all.length);
    const byName = await nova('/servers?all_tenants=1&network=public');
    expect(byName.body.servers.map((s: any) => s.id)).toEqual(onPublic);
    const byId = await nova(`/servers/detail?all_tenants=1&network=${publicNet.id}`);
    expect(byId.body.servers.map((s: any) => s.id)).toEqual(onPublic);
    expect((await nova('/servers?all_tenants=1&network=private')).body.servers).toHaveLength(all.length);
    expect((await nova('/servers?all_tenants=1&network=no-such-net')).body.servers).toEqual([]);
  });

  it('boots a server onto the networks asked for, and the filter finds it there', async () => {
    const publicNet = (await call(`${cloud.urls.network}/v2.0/networks?name=public`)).body.networks[0];
    const created = await nova('/servers', 'POST', {
      server: { name: 'on-public', flavorRef: '1', networks: [{ uuid: publicNet.id }] },
    });
    expect(created.status).toBe(202);
    const id = created.body.server.id;
    const shown = (await nova(`/servers/${id}`)).body.server;
    expect(Object.keys(shown.addresses)).toEqual(['public']);
    const onPublic = (await nova('/servers?network=public')).body.servers.map((s: any) => s.id);
    expect(onPublic).toContain(id);
    const none = await nova('/servers', 'POST', {
      server: { name: 'no-nic', flavorRef: '1', networks: 'none' },
    });
    expect((await nova(`/servers/${none.body.server.id}`)).body.server.addresses).toEqual({});
    const bad = await nova('/servers', 'POST', {
      server: { name: 'bad-nic', flavorRef: '1', networks: [{ uuid: 'nope' }] },
    });
    expect(bad.status).toBe(400);
  });
});

describe('instance capabilities', () => {
  it('reports which lifecycle operations are valid from 2.100, refusing live migration to a PCI-passthrough guest', async () => {
    const [plain, passthrough] = [...cloud.state.instances.values()].filter((i) => i.vmState === 'active');
    passthrough!.flavor = {
      ...passthrough!.flavor,
      extraSpecs: { ...passthrough!.flavor.extraSpecs, 'pci_passthrough:alias': 'a1:1' },
    };
    const shown = (await nova(`/servers/${plain!.id}`)).body.server;
    expect(shown.capabilities).toEqual({
      live_migratable: true,
      cold_migratable: true,
      evacuatable: true,
      shelvable: true,
      pausable: true,
      suspendable: true,
      rescuable: true,
      snapshottable: true,
    });
    const pinned = (await nova(`/servers/${passthrough!.id}`)).body.server;
    expect(pinned.capabilities).toMatchObject({
      live_migratable: false,
      suspendable: false,
      cold_migratable: true,
    });
    expect(
      (await nova(`/servers/${plain!.id}`, 'GET', undefined, { version: '2.96' })).body.server,
    ).not.toHaveProperty('capabilities');
  });
});

describe('instance.update on state changes (notify_on_state_change = vm_and_task_state)', () => {
  const updates = () =>
    messages
      .filter((m) => m.event_type === 'instance.update')
      .map((m) => {
        const data = m.payload['nova_object.data'];
        const change = data.state_update['nova_object.data'];
        return [
          m.publisher_id.split(':')[0],
          change.old_state,
          change.state,
          change.old_task_state,
          change.new_task_state,
        ];
      });

  it('sends one for each vm_state and task_state change of a stop and a start, with the sample’s fields', async () => {
    const active = [...cloud.state.instances.values()].find((i) => i.vmState === 'active' && i.host)!;
    messages.length = 0;
    expect((await nova(`/servers/${active.id}/action`, 'POST', { 'os-stop': null })).status).toBe(202);
    expect((await nova(`/servers/${active.id}/action`, 'POST', { 'os-start': null })).status).toBe(202);
    await flush();
    expect(updates()).toEqual([
      ['nova-api', 'active', 'active', null, 'powering-off'],
      ['nova-compute', 'active', 'stopped', 'powering-off', null],
      ['nova-api', 'stopped', 'stopped', null, 'powering-on'],
      ['nova-compute', 'stopped', 'active', 'powering-on', null],
    ]);
    const sample = JSON.parse(readFileSync('test/fixtures/nova-notifications/instance-update.json', 'utf8'));
    const sent = messages.find((m) => m.event_type === 'instance.update')!.payload;
    expect(sent['nova_object.name']).toBe(sample.payload['nova_object.name']);
    expect(sent['nova_object.version']).toBe(sample.payload['nova_object.version']);
    expect(Object.keys(sent['nova_object.data']).sort()).toEqual(
      expect.arrayContaining(['state_update', 'audit_period', 'old_display_name', 'uuid', 'host', 'state']),
    );
  });

  it('sends them through a live migration: migrating while it moves, idle on the destination', async () => {
    const active = [...cloud.state.instances.values()].find((i) => i.vmState === 'active' && i.host)!;
    messages.length = 0;
    expect(
      (await nova(`/servers/${active.id}/action`, 'POST', { 'os-migrateLive': { host: null } })).status,
    ).toBe(202);
    await clock.advance(600_000);
    await cloud.settle();
    await flush();
    expect(updates()).toEqual([
      ['nova-conductor', 'active', 'active', null, 'migrating'],
      ['nova-compute', 'active', 'active', 'migrating', null],
    ]);
    const last = messages.filter((m) => m.event_type === 'instance.update').at(-1)!;
    expect(last.payload['nova_object.data'].host).toBe(active.host);
  });
});

describe('maintenance mode and metadata protection, where a collector reads them', () => {
  it('shows a host in maintenance on its compute service, set and cleared over os-services', async () => {
    const host = cloud.state.hosts[1]!;
    const services = async () =>
      (await nova(`/os-services?binary=nova-compute&host=${host.hostname}`)).body.services[0];
    expect((await services()).maintenance).toBe(false);
    const set = await nova(`/os-services/${host.serviceId}`, 'PUT', { maintenance: true });
    expect(set.status).toBe(200);
    expect((await services()).maintenance).toBe(true);
    const guest = [...cloud.state.instances.values()].find(
      (i) => i.host === host.hostname && i.vmState === 'active',
    )!;
    const refused = await nova(`/servers/${guest.id}/action`, 'POST', { migrate: null });
    expect(refused.status).toBe(409);
    expect(refused.body.conflictingRequest.message).toContain('in maintenance');
    await nova(`/os-services/${host.serviceId}`, 'PUT', { maintenance: false });
    expect((await services()).maintenance).toBe(false);
  });

  it('lists the metadata keys a member may not change with the role that set them', async () => {
    const guest = [...cloud.state.instances.values()].find((i) => i.vmState === 'active')!;
    await nova(`/servers/${guest.id}/metadata`, 'POST', {
      metadata: { 'lifecycle:live-migratable': 'false' },
    });
    const shown = (await nova(`/servers/${guest.id}`)).body.server;
    expect(shown.protected_metadata).toEqual({ 'lifecycle:live-migratable': 'admin' });
    const removed = await nova(
      `/servers/${guest.id}/metadata/lifecycle:live-migratable`,
      'DELETE',
      undefined,
      {
        user: 'demo',
      },
    );
    expect(removed.status).toBe(403);
  });
});
