/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any -- wire bodies are untyped JSON whose shape is what these tests assert */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/lib/clock.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { DESTINATIONS } from '../../src/bus/bus.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createSimulatedCloud, type AutoSettle, type SimulatedCloud } from '../../src/simulator/index.js';
import { assignTraces } from '../../src/simulator/planetlab.js';
import { simulatedLogin } from '../helpers/simulated-keystone.js';

const NOVA = '/work/shared/data/nova/api';
const sample = (p: string): Record<string, unknown> =>
  JSON.parse(readFileSync(`${NOVA}/${p}`, 'utf8')) as Record<string, unknown>;
// Scenario metrics are the values at the scenario's instant; the simulator's flat scenario load keeps them constant.
const T = 1795524300;

let cloud: SimulatedCloud;
let clock: ManualClock;
let token: string;
let memberToken: string;
const events: { event_type: string; publisher_id: string; host: unknown }[] = [];

async function call(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', 'x-auth-token': token, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}
const nova = (
  method: string,
  path: string,
  body?: unknown,
  version = '2.100',
  headers: Record<string, string> = {},
) =>
  call(method, `${cloud.urls.compute}${path}`, body, {
    'openstack-api-version': `compute ${version}`,
    ...headers,
  });
const prom = async (q: string, time = T) =>
  (await call('GET', `${cloud.urls.prometheus}/api/v1/query?query=${encodeURIComponent(q)}&time=${time}`))
    .body;
const login = async (name: string, password: string) =>
  call('POST', `${cloud.urls.identity}/auth/tokens`, {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name, domain: { name: 'Default' }, password } },
      },
    },
  });

beforeAll(async () => {
  clock = new ManualClock(new Date(T * 1000));
  const bus = new InProcessBus({ logger: silentLogger });
  await bus.subscribe(DESTINATIONS.novaNotifications, (m) => {
    const msg = JSON.parse((m as { 'oslo.message': string })['oslo.message']) as {
      event_type: string;
      publisher_id: string;
      payload: { 'nova_object.data': { host: unknown } };
    };
    events.push({
      event_type: msg.event_type,
      publisher_id: msg.publisher_id,
      host: msg.payload['nova_object.data'].host,
    });
    return Promise.resolve();
  });
  cloud = createSimulatedCloud({
    clock,
    bus,
    cluster: { scenarioFile: 'test/fixtures/scenarios/scenario-10x50-seed42.json' },
    migrationBandwidthMbPerS: 1024,
  });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  const res = await login('admin', 'admin');
  token = res.headers.get('x-subject-token') as string;
  memberToken = (await login('demo', 'demo')).headers.get('x-subject-token') as string;
});
afterAll(async () => {
  await cloud.close();
});

const keysOf = (o: unknown): string[] => Object.keys(o as object).sort();

describe('simulated Keystone', () => {
  it('issues a token whose catalog points every service at the simulator', async () => {
    const res = await login('admin', 'admin');
    expect(res.status).toBe(201);
    expect(res.headers.get('x-subject-token')).toBeTruthy();
    const catalog = res.body.token.catalog as { type: string; endpoints: { url: string }[] }[];
    expect(Object.fromEntries(catalog.map((c) => [c.type, c.endpoints[0]!.url]))).toMatchObject({
      compute: cloud.urls.compute,
      placement: cloud.urls.placement,
      prometheus: cloud.urls.prometheus,
    });
    expect(res.body.token.roles.map((r: { name: string }) => r.name)).toContain('admin');
  });

  it('lists a service added while it runs (Steward as infra-optim) in the catalog of later tokens', async () => {
    const types = async () =>
      ((await login('admin', 'admin')).body.token.catalog as { type: string }[]).map((c) => c.type);
    expect(await types()).not.toContain('infra-optim');
    cloud.addCatalogService({ type: 'infra-optim', name: 'watcher', url: 'http://127.0.0.1:9322' });
    const catalog = (await login('admin', 'admin')).body.token.catalog as {
      type: string;
      name: string;
      endpoints: { interface: string; url: string }[];
    }[];
    const watcher = catalog.find((c) => c.type === 'infra-optim');
    expect(watcher?.name).toBe('watcher');
    expect(watcher?.endpoints.map((e) => [e.interface, e.url])).toEqual([
      ['public', 'http://127.0.0.1:9322'],
      ['internal', 'http://127.0.0.1:9322'],
      ['admin', 'http://127.0.0.1:9322'],
    ]);
  });

  it.each([
    ['a wrong password', { methods: ['password'], password: { user: { name: 'admin', password: 'nope' } } }],
    ['an unknown token', { methods: ['token'], token: { id: 'gAAAAnothing' } }],
  ])('answers 401 to %s', async (_n, identity) => {
    expect((await call('POST', `${cloud.urls.identity}/auth/tokens`, { auth: { identity } })).status).toBe(
      401,
    );
  });

  it('validates a token with X-Subject-Token', async () => {
    const res = await call('GET', `${cloud.urls.identity}/auth/tokens`, undefined, {
      'x-subject-token': token,
    });
    expect(res.status).toBe(200);
    expect(res.body.token.user.name).toBe('admin');
  });
});

describe('simulated Nova shapes', () => {
  it('serves servers/detail with every field of the 2.100 sample plus the admin host fields', async () => {
    const res = await nova('GET', '/servers/detail?all_tenants=1&limit=5');
    expect(res.status).toBe(200);
    const want = keysOf((sample('servers/v2.100/servers-details-resp.json').servers as unknown[])[0]);
    expect(keysOf(res.body.servers[0])).toEqual(
      expect.arrayContaining([...want, 'OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:hypervisor_hostname']),
    );
    expect(keysOf(res.body.servers[0].flavor)).toEqual(
      keysOf((sample('servers/v2.100/server-get-resp.json').server as { flavor: unknown }).flavor),
    );
    expect(res.body.servers).toHaveLength(5);
    expect(res.body.servers_links[0].href).toContain(`marker=${res.body.servers[4].id}`);
  });

  it('pages servers with limit and marker without overlap until the end', async () => {
    const seen: string[] = [];
    let marker = '';
    for (;;) {
      const res = await nova(
        'GET',
        `/servers/detail?all_tenants=1&limit=7${marker ? `&marker=${marker}` : ''}`,
      );
      seen.push(...res.body.servers.map((s: { id: string }) => s.id));
      if (!res.body.servers_links) break;
      marker = seen[seen.length - 1]!;
    }
    expect(new Set(seen).size).toBe(50);
  });

  it('filters servers by host', async () => {
    const res = await nova('GET', '/servers/detail?all_tenants=1&host=compute-00000');
    expect(res.body.servers.length).toBeGreaterThan(0);
    expect(
      res.body.servers.every((s: Record<string, unknown>) => s['OS-EXT-SRV-ATTR:host'] === 'compute-00000'),
    ).toBe(true);
  });

  it('serves os-hypervisors/detail in the 2.88 shape', async () => {
    const res = await nova('GET', '/os-hypervisors/detail', undefined, '2.88');
    const want = (sample('os-hypervisors/v2.88/hypervisors-detail-resp.json').hypervisors as unknown[])[0];
    expect(keysOf(res.body.hypervisors[0])).toEqual(keysOf(want));
    expect(res.body.hypervisors[0].id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the older hypervisor shape with cpu and memory below 2.88', async () => {
    const res = await nova('GET', '/os-hypervisors/detail', undefined, '2.53');
    expect(res.body.hypervisors[0]).toMatchObject({ vcpus: 48, memory_mb: 196608 });
  });

  // The openstack client's `hypervisor show` parses this line with exactly this pattern (hypervisor.py).
  const UPTIME = /\s*(.+)\sup\s+(.+),\s+(.+)\susers?,\s+load average:\s(.+)/;

  it('serves os-hypervisors/{id}/uptime below 2.88 (what `openstack hypervisor show` asks) and folds it into show at 2.88', async () => {
    const [first] = (await nova('GET', '/os-hypervisors', undefined, '2.1')).body.hypervisors;
    const uptime = await nova('GET', `/os-hypervisors/${first.id}/uptime`, undefined, '2.1');
    expect(uptime.status).toBe(200);
    expect(uptime.body.hypervisor).toMatchObject({ id: first.id, state: 'up', status: 'enabled' });
    const [, , , , loads] = UPTIME.exec(uptime.body.hypervisor.uptime) ?? [];
    // Load averages are busy cores: positive on a host running instances, never above its cores.
    const load = (loads ?? '').split(', ').map(Number);
    expect(load).toHaveLength(3);
    expect(load.every((value) => value > 0 && value <= 48)).toBe(true);

    const [latest] = (await nova('GET', '/os-hypervisors', undefined, '2.88')).body.hypervisors;
    expect((await nova('GET', `/os-hypervisors/${latest.id}/uptime`, undefined, '2.88')).status).toBe(404);
    const shown = await nova('GET', `/os-hypervisors/${latest.id}`, undefined, '2.88');
    expect(shown.body.hypervisor.uptime).toMatch(UPTIME);
  });

  it('answers 400 for the uptime of a host whose compute service is down, as Nova does', async () => {
    const [service] = (await nova('GET', '/os-services', undefined, '2.53')).body.services;
    const [hypervisor] = (await nova('GET', '/os-hypervisors', undefined, '2.53')).body.hypervisors;
    await nova('PUT', `/os-services/${service.id}`, { forced_down: true }, '2.53');
    try {
      const res = await nova('GET', `/os-hypervisors/${hypervisor.id}/uptime`, undefined, '2.53');
      expect(res.status).toBe(400);
      expect(res.body.badRequest.message).toBe(
        `Compute service of ${hypervisor.hypervisor_hostname} is unavailable at this time.`,
      );
    } finally {
      await nova('PUT', `/os-services/${service.id}`, { forced_down: false }, '2.53');
    }
  });

  it.each([
    ['os-services', 'services'],
    ['os-aggregates', 'aggregates'],
    ['os-availability-zone/detail', 'availabilityZoneInfo'],
    ['flavors/detail', 'flavors'],
    ['os-server-groups', 'server_groups'],
    ['os-migrations', 'migrations'],
  ])('serves %s', async (path, key) => {
    const res = await nova('GET', `/${path}`);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body[key])).toBe(true);
  });

  it('answers 404 itemNotFound for an unknown server', async () => {
    const res = await nova('GET', '/servers/00000000-0000-0000-0000-000000000000');
    expect(res.status).toBe(404);
    expect(res.body.itemNotFound.code).toBe(404);
  });
});

describe('simulated Glance and server images', () => {
  it.each([
    ['2.96', 'servers/v2.96/server-get-resp.json'],
    ['2.100', 'servers/v2.100/server-get-resp.json'],
  ])('shows a server image as Nova does at %s (properties from 2.98)', async (version, file) => {
    const id = [...cloud.state.instances.keys()][0]!;
    const res = await nova('GET', `/servers/${id}`, undefined, version);
    const want = (sample(file).server as { image: Record<string, unknown> }).image;
    expect(keysOf(res.body.server.image)).toEqual(keysOf(want));
    const image = cloud.state.images.find((i) => i.id === res.body.server.image.id)!;
    if ('properties' in want) expect(res.body.server.image.properties).toEqual(image.properties);
  });

  it('lists and shows images with their custom properties as top-level keys, behind a token', async () => {
    const glance = cloud.urls.image;
    expect((await call('GET', glance)).status).toBe(300);
    const list = await call('GET', `${glance}/v2/images`);
    expect(list.status).toBe(200);
    expect(list.body.images.map((i: { name: string }) => i.name)).toEqual([
      'cirros-0.6.2-x86_64-disk',
      'ubuntu-22.04-server-cloudimg-amd64',
    ]);
    expect(list.body.images[1]).toMatchObject({
      status: 'active',
      visibility: 'public',
      disk_format: 'qcow2',
      os_distro: 'ubuntu',
      hw_machine_type: 'q35',
    });
    const one = await call('GET', `${glance}/v2/images/${list.body.images[0].id}`);
    expect(one.body).toMatchObject({ id: list.body.images[0].id, os_distro: 'cirros' });
    const page = await call('GET', `${glance}/v2/images?limit=1`);
    expect(page.body).toMatchObject({
      images: [{ name: 'cirros-0.6.2-x86_64-disk' }],
      next: `/v2/images?marker=${list.body.images[0].id}&limit=1`,
    });
    expect(
      (
        await fetch(`${glance}/v2/images/00000000-0000-0000-0000-000000000000`, {
          headers: { 'x-auth-token': token },
        })
      ).status,
    ).toBe(404);
    expect((await fetch(`${glance}/v2/images`)).status).toBe(401);
  });

  it('boots a server from the image its imageRef names', async () => {
    const ubuntu = cloud.state.images[1]!;
    const created = await nova('POST', '/servers', {
      server: { name: 'from-image', flavorRef: '1', imageRef: ubuntu.id },
    });
    expect(created.status).toBe(202);
    expect((await nova('GET', `/servers/${created.body.server.id}`)).body.server.image.id).toBe(ubuntu.id);
    await nova('DELETE', `/servers/${created.body.server.id}`);
  });
});

describe('simulated Prometheus', () => {
  it.each([
    [
      'upstream Watcher host cpu',
      "100 - (avg by (fqdn)(rate(node_cpu_seconds_total{mode='idle',fqdn='compute-00000'}[300s])) * 100)",
      { fqdn: 'compute-00000' },
      37.573,
    ],
    [
      'upstream Watcher host ram KB',
      "(node_memory_MemTotal_bytes{fqdn='compute-00000'} - avg_over_time(node_memory_MemAvailable_bytes{fqdn='compute-00000'}[300s])) / 1024",
      { fqdn: 'compute-00000', instance: 'compute-00000:9100', job: 'node' },
      38158028.8,
    ],
    [
      'upstream Watcher instance ram',
      "avg_over_time(ceilometer_memory_usage{resource='084fce35-db18-5086-9b08-7723a5368aa3'}[300s])",
      { resource: '084fce35-db18-5086-9b08-7723a5368aa3' },
      1610.9,
    ],
    [
      'upstream Watcher instance cpu',
      "clamp_max((avg by (resource)(rate(ceilometer_cpu{resource='084fce35-db18-5086-9b08-7723a5368aa3'}[300s]))/10e+8) *(100/2), 100)",
      { resource: '084fce35-db18-5086-9b08-7723a5368aa3' },
      2.45,
    ],
  ])('answers the %s query with the scenario value', async (_n, q, labels, value) => {
    const body = await prom(q);
    expect(body.status).toBe('success');
    expect(body.data.result).toHaveLength(1);
    expect(body.data.result[0].metric).toMatchObject(labels);
    expect(Number(body.data.result[0].value[1])).toBeCloseTo(value, 3);
  });

  it('serves a 7-day range at 1 h steps', async () => {
    const q = encodeURIComponent(
      "100 - (avg by (fqdn)(rate(node_cpu_seconds_total{mode='idle',fqdn='compute-00003'}[3600s])) * 100)",
    );
    const res = await call(
      'GET',
      `${cloud.urls.prometheus}/api/v1/query_range?query=${q}&start=${T - 7 * 86400}&end=${T}&step=3600`,
    );
    expect(res.body.data.resultType).toBe('matrix');
    expect(res.body.data.result[0].values).toHaveLength(7 * 24 + 1);
  });

  it('lists active targets carrying the host label', async () => {
    const res = await call('GET', `${cloud.urls.prometheus}/api/v1/targets?state=active`);
    expect(res.body.data.activeTargets).toHaveLength(10);
    expect(res.body.data.activeTargets[0].labels.fqdn).toBe('compute-00000');
  });

  const promApi = async (path: string) => call('GET', `${cloud.urls.prometheus}/api/v1/${path}`);
  const allSeries = async (): Promise<Record<string, string>[]> =>
    (await promApi(`series?match[]=${encodeURIComponent('{__name__=~".+"}')}`)).body.data;

  it('lists every label its series carry, including the filesystem, NIC, per-vCPU and block-device ones', async () => {
    const carried = [...new Set((await allSeries()).flatMap((labels) => Object.keys(labels)))].sort();
    const listed = (await promApi('labels')).body.data as string[];
    expect(listed).toEqual(carried);
    expect(listed).toEqual(
      expect.arrayContaining([
        '__name__',
        'fqdn',
        'cpu',
        'mode',
        'device',
        'fstype',
        'mountpoint',
        'domain',
        'uuid',
        'instance_name',
        'vcpu',
        'target_device',
        'resource',
        'project',
      ]),
    );
  });

  it('lists the values of each label as its series carry them', async () => {
    const series = await allSeries();
    for (const name of (await promApi('labels')).body.data as string[]) {
      const expected = [
        ...new Set(series.map((labels) => labels[name]).filter((v): v is string => !!v)),
      ].sort();
      expect({ name, values: (await promApi(`label/${encodeURIComponent(name)}/values`)).body.data }).toEqual(
        { name, values: expected },
      );
    }
  });

  it('narrows labels, label values and series to the match[] selectors', async () => {
    const fs = encodeURIComponent("node_filesystem_avail_bytes{fqdn='compute-00000'}");
    expect((await promApi(`series?match[]=${fs}`)).body.data).toEqual([
      {
        __name__: 'node_filesystem_avail_bytes',
        fqdn: 'compute-00000',
        instance: 'compute-00000:9100',
        job: 'node',
        device: '/dev/sda1',
        fstype: 'ext4',
        mountpoint: '/',
      },
      {
        __name__: 'node_filesystem_avail_bytes',
        fqdn: 'compute-00000',
        instance: 'compute-00000:9100',
        job: 'node',
        device: 'tmpfs',
        fstype: 'tmpfs',
        mountpoint: '/run',
      },
    ]);
    expect((await promApi(`label/mountpoint/values?match[]=${fs}`)).body.data).toEqual(['/', '/run']);
    const vcpuLabels = (await promApi('labels?match[]=libvirt_domain_vcpu_delay_seconds_total')).body
      .data as string[];
    expect(vcpuLabels).toContain('vcpu');
    expect(vcpuLabels).not.toContain('cpu');
  });

  it.each([
    ['series without match[]', 'series'],
    [
      'a match[] that is not a series selector',
      `labels?match[]=${encodeURIComponent('rate(ceilometer_cpu[5m])')}`,
    ],
  ])('answers %s with a Prometheus bad_data error', async (_name, path) => {
    const res = await promApi(path);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });

  it('answers unsupported syntax with a Prometheus bad_data error', async () => {
    const res = await call(
      'GET',
      `${cloud.urls.prometheus}/api/v1/query?query=${encodeURIComponent('histogram_quantile(0.9, x)')}`,
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });
});

describe('simulated moves', () => {
  it('live-migrates over simulated time with progress and Nova notifications in order naming the right hosts', async () => {
    const list = await nova('GET', '/servers/detail?all_tenants=1&host=compute-00000');
    const server = list.body.servers.find((s: { status: string }) => s.status === 'ACTIVE') as {
      id: string;
      flavor: { ram: number };
    };
    events.length = 0;
    const start = await nova('POST', `/servers/${server.id}/action`, {
      'os-migrateLive': { host: 'compute-00001', block_migration: 'auto' },
    });
    expect(start.status).toBe(202);
    expect((await nova('GET', `/servers/${server.id}`)).body.server.status).toBe('MIGRATING');
    await clock.advance(Math.floor((server.flavor.ram / 1024) * 500));
    const progress = await nova('GET', `/servers/${server.id}/migrations`);
    expect(progress.body.migrations[0].memory_processed_bytes).toBeGreaterThan(0);
    expect(progress.body.migrations[0].memory_remaining_bytes).toBeGreaterThan(0);
    await clock.advance(Math.ceil((server.flavor.ram / 1024) * 1000));
    const after = await nova('GET', `/servers/${server.id}`);
    expect(after.body.server['OS-EXT-SRV-ATTR:host']).toBe('compute-00001');
    expect(after.body.server.status).toBe('ACTIVE');
    await new Promise((r) => setImmediate(r));
    expect(events.map((e) => [e.event_type, e.publisher_id, e.host])).toEqual([
      ['instance.live_migration_pre.start', 'nova-compute:compute-00001', 'compute-00000'],
      ['instance.live_migration_pre.end', 'nova-compute:compute-00001', 'compute-00000'],
      ['instance.live_migration_post.start', 'nova-compute:compute-00000', 'compute-00000'],
      ['instance.live_migration_post_dest.start', 'nova-compute:compute-00001', 'compute-00000'],
      ['instance.live_migration_post_dest.end', 'nova-compute:compute-00001', 'compute-00001'],
      ['instance.live_migration_post.end', 'nova-compute:compute-00000', 'compute-00000'],
    ]);
    const migrations = await nova('GET', `/os-migrations?instance_uuid=${server.id}`);
    expect(migrations.body.migrations[0]).toMatchObject({
      status: 'completed',
      migration_type: 'live-migration',
      source_compute: 'compute-00000',
      dest_compute: 'compute-00001',
    });
  });

  it('records each server action, refused ones with message Error, newest first; a stopped guest stays stopped after its cold move', async () => {
    const server = (await nova('GET', '/servers/detail?all_tenants=1&host=compute-00003')).body.servers.find(
      (s: { status: string }) => s.status === 'ACTIVE',
    ) as { id: string };
    expect((await nova('POST', `/servers/${server.id}/action`, { 'os-stop': null })).status).toBe(202);
    expect((await nova('POST', `/servers/${server.id}/action`, { 'os-stop': null })).status).toBe(409);
    expect(
      (await nova('POST', `/servers/${server.id}/action`, { migrate: { host: 'compute-00004' } })).status,
    ).toBe(202);
    const listed = await nova('GET', `/servers/${server.id}/os-instance-actions`);
    expect(
      listed.body.instanceActions.map((a: any) => [a.action, a.message, a.instance_uuid === server.id]),
    ).toEqual([
      ['migrate', null, true],
      ['stop', 'Error', true],
      ['stop', null, true],
    ]);
    expect(Object.keys(listed.body.instanceActions[0]).sort()).toEqual([
      'action',
      'instance_uuid',
      'message',
      'project_id',
      'request_id',
      'start_time',
      'updated_at',
      'user_id',
    ]);
    const refused = listed.body.instanceActions[1];
    const shown = await nova('GET', `/servers/${server.id}/os-instance-actions/${refused.request_id}`);
    expect(shown.body.instanceAction).toMatchObject({ action: 'stop', message: 'Error' });
    expect(shown.body.instanceAction.events).toMatchObject([{ event: 'compute_stop', result: 'Error' }]);
    expect((await nova('GET', `/servers/${server.id}/os-instance-actions/req-none`)).status).toBe(404);
    // A guest shut off when it moved stays shut off once the move is confirmed, as in Nova.
    await clock.advance(120_000);
    expect((await nova('GET', `/servers/${server.id}`)).body.server.status).toBe('VERIFY_RESIZE');
    expect((await nova('POST', `/servers/${server.id}/action`, { confirmResize: null })).status).toBe(202);
    const confirmed = (await nova('GET', `/servers/${server.id}`)).body.server;
    expect([confirmed.status, confirmed['OS-EXT-SRV-ATTR:host']]).toEqual(['SHUTOFF', 'compute-00004']);
  });

  it('lets the scheduler pick a destination when none is given', async () => {
    const server = (await nova('GET', '/servers/detail?all_tenants=1&host=compute-00002')).body
      .servers[0] as { id: string };
    expect(
      (
        await nova('POST', `/servers/${server.id}/action`, {
          'os-migrateLive': { host: null, block_migration: 'auto' },
        })
      ).status,
    ).toBe(202);
    await clock.advance(60_000);
    const after = await nova('GET', `/servers/${server.id}`);
    expect(after.body.server['OS-EXT-SRV-ATTR:host']).not.toBe('compute-00002');
  });

  it.each([
    [
      'a locked server',
      (id: string) => {
        cloud.state.instances.get(id)!.locked = true;
        return Promise.resolve();
      },
      'compute-00004',
      409,
      'conflictingRequest',
    ],
    [
      'a stopped server',
      async (id: string) => {
        await nova('POST', `/servers/${id}/action`, { 'os-stop': null });
      },
      'compute-00004',
      409,
      'conflictingRequest',
    ],
    [
      'a disabled target',
      () => {
        cloud.state.hostsByName.get('compute-00005')!.status = 'disabled';
        return Promise.resolve();
      },
      'compute-00005',
      400,
      'badRequest',
    ],
    [
      'a forced-down target',
      () => {
        cloud.state.hostsByName.get('compute-00006')!.forcedDown = true;
        return Promise.resolve();
      },
      'compute-00006',
      400,
      'badRequest',
    ],
    [
      'a target in maintenance',
      () => {
        cloud.state.hostsByName.get('compute-00007')!.inMaintenance = true;
        return Promise.resolve();
      },
      'compute-00007',
      409,
      'conflictingRequest',
    ],
    [
      'a target without capacity',
      () => {
        cloud.state.hostsByName.get('compute-00008')!.memoryMb = 1024;
        return Promise.resolve();
      },
      'compute-00008',
      400,
      'badRequest',
    ],
    ['an unknown target', () => Promise.resolve(), 'compute-99999', 400, 'badRequest'],
  ])('refuses to live-migrate %s', async (_n, arrange, dest, status, key) => {
    const candidates = [...cloud.state.instances.values()].filter(
      (i) =>
        i.host !== dest && i.host !== 'compute-00000' && i.vmState === 'active' && !i.locked && !i.taskState,
    );
    const inst = candidates[0]!;
    await arrange(inst.id);
    const res = await nova('POST', `/servers/${inst.id}/action`, {
      'os-migrateLive': { host: dest, block_migration: 'auto' },
    });
    expect(res.status).toBe(status);
    expect(res.body[key].code).toBe(status);
  });

  it('cold-migrates into VERIFY_RESIZE and confirms', async () => {
    const inst = [...cloud.state.instances.values()].find(
      (i) => i.host === 'compute-00009' && i.vmState === 'active',
    )!;
    expect((await nova('POST', `/servers/${inst.id}/action`, { migrate: null })).status).toBe(202);
    await clock.advance(60_000);
    expect((await nova('GET', `/servers/${inst.id}`)).body.server.status).toBe('VERIFY_RESIZE');
    expect((await nova('POST', `/servers/${inst.id}/action`, { confirmResize: null })).status).toBe(202);
    expect((await nova('GET', `/servers/${inst.id}`)).body.server.status).toBe('ACTIVE');
  });
});

describe('simulated moves with autoSettle on the system clock', () => {
  it.each<[string, AutoSettle]>([
    ["'exact'", 'exact'],
    ['{ intervalMs: 20 }', { intervalMs: 20 }],
  ])('completes a live migration posted over HTTP with no further request (%s)', async (_n, autoSettle) => {
    const bus = new InProcessBus({ logger: silentLogger });
    let markDone = (): void => undefined;
    const done = new Promise<void>((resolve) => (markDone = resolve));
    await bus.subscribe(DESTINATIONS.novaNotifications, (m) => {
      if (
        (m as { 'oslo.message': string })['oslo.message'].includes('"instance.live_migration_post_dest.end"')
      )
        markDone();
      return Promise.resolve();
    });
    // 2 GiB of guest memory at 20 GiB/s: the move takes 100 ms of real time.
    const flavor = { id: '2', name: 'm1.small', vcpus: 1, ramMb: 2048, diskGb: 20, extraSpecs: {} };
    const live = createSimulatedCloud({
      clock: systemClock,
      bus,
      cluster: { hosts: 2, instances: 4, seed: 3, flavors: [flavor] },
      migrationBandwidthMbPerS: 20_480,
      autoSettle,
    });
    await live.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { token } = await simulatedLogin(live.urls.identity, { name: 'admin', password: 'admin' });
      const inst = [...live.state.instances.values()].find((i) => i.host)!;
      const target = live.state.hosts.find((h) => h.hostname !== inst.host)!.hostname;
      const started = Date.now();
      const res = await fetch(`${live.urls.compute}/servers/${inst.id}/action`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-token': token },
        body: JSON.stringify({ 'os-migrateLive': { host: target, block_migration: 'auto' } }),
      });
      expect(res.status).toBe(202);
      expect(inst.taskState).toBe('migrating');
      await Promise.race([
        done,
        new Promise((_r, reject) =>
          setTimeout(() => reject(new Error('no post_dest.end within 2 s')), 2_000),
        ),
      ]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(inst).toMatchObject({ host: target, taskState: null });
      expect(live.state.migrations.at(-1)).toMatchObject({ status: 'completed', destHost: target });
    } finally {
      await live.close();
      await bus.close();
    }
  });
});

describe('servers booted into a PlanetLab cloud', () => {
  it('follow the next trace of the seeded assignment', async () => {
    const traced = createSimulatedCloud({
      clock: new ManualClock(new Date(T * 1000)),
      cluster: {
        hosts: 2,
        instances: 4,
        seed: 9,
        loadPattern: 'planetlab',
        planetlab: { path: 'test/fixtures/planetlab/20110303' },
      },
    });
    await traced.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { token } = await simulatedLogin(traced.urls.identity, { name: 'admin', password: 'admin' });
      const res = await fetch(`${traced.urls.compute}/servers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-token': token },
        body: JSON.stringify({ server: { name: 'booted', flavorRef: '1' } }),
      });
      expect(res.status).toBe(202);
      const { server } = (await res.json()) as { server: { id: string } };
      expect(traced.state.instances.get(server.id)).toMatchObject({
        vmState: 'active',
        cpuAmp: 0,
        trace: { index: assignTraces(5, 3, 9)[4] },
      });
    } finally {
      await traced.close();
    }
  });
});

describe('servers booted while hosts are powered off', () => {
  it('never land on a powered-off host, and fail with NoValidHost when every host is off', async () => {
    const powerClock = new ManualClock(new Date(T * 1000));
    const dark = createSimulatedCloud({ clock: powerClock, cluster: { hosts: 3, instances: 0, seed: 5 } });
    await dark.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { token } = await simulatedLogin(dark.urls.identity, { name: 'admin', password: 'admin' });
      const headers = {
        'content-type': 'application/json',
        'x-auth-token': token,
        'openstack-api-version': 'compute 2.100',
      };
      const powerOff = async (hostnames: string[]) => {
        for (const hostname of hostnames) {
          const res = await fetch(`${dark.urls.baremetal}/v1/nodes/${hostname}/states/power`, {
            method: 'PUT',
            headers,
            body: JSON.stringify({ target: 'power off' }),
          });
          expect(res.status, hostname).toBe(202);
        }
        await powerClock.advance(60_000);
        await dark.settle();
        for (const hostname of hostnames)
          expect(dark.state.hostsByName.get(hostname)?.powerState).toBe('off');
      };
      const boot = async (name: string) => {
        const res = await fetch(`${dark.urls.compute}/servers`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ server: { name, flavorRef: '1' } }),
        });
        expect(res.status).toBe(202);
        const { server } = (await res.json()) as { server: { id: string } };
        const shown = await fetch(`${dark.urls.compute}/servers/${server.id}`, { headers });
        return ((await shown.json()) as { server: Record<string, any> }).server;
      };
      const [off, ...on] = dark.state.hosts.map((h) => h.hostname);
      await powerOff([off!]);
      // The weighers spread new servers over the emptiest hosts, so the powered-off (empty) host would be chosen.
      const booted: Record<string, any>[] = [];
      for (let n = 0; n < 6; n++) booted.push(await boot(`while-${off}-is-off-${n}`));
      expect(booted.every((server) => server.status === 'ACTIVE')).toBe(true);
      expect([...new Set(booted.map((server) => server['OS-EXT-SRV-ATTR:host']))].sort()).toEqual(
        [...on].sort(),
      );

      // Every host off: the simulated Ironic refuses to power off a host with servers, so delete them first.
      for (const server of booted)
        expect(
          (await fetch(`${dark.urls.compute}/servers/${server.id}`, { method: 'DELETE', headers })).status,
        ).toBe(204);
      await powerOff(on);
      const stranded = await boot('nowhere-to-go');
      expect(stranded).toMatchObject({
        status: 'ERROR',
        'OS-EXT-SRV-ATTR:host': null,
        fault: { code: 500, message: 'No valid host was found. There are not enough hosts available.' },
      });
    } finally {
      await dark.close();
    }
  });
});

describe('simulated services, Placement and metadata', () => {
  it('creates a server on a scheduled host and deletes it, with create and delete notifications', async () => {
    events.length = 0;
    const created = await nova('POST', '/servers', {
      server: { name: 'new-vm', flavorRef: '3', imageRef: 'x', networks: 'none' },
    });
    expect(created.status).toBe(202);
    const shown = (await nova('GET', `/servers/${created.body.server.id}`)).body.server;
    expect(shown.status).toBe('ACTIVE');
    expect(shown['OS-EXT-SRV-ATTR:host']).toMatch(/^compute-/);
    expect((await nova('DELETE', `/servers/${created.body.server.id}`)).status).toBe(204);
    expect((await nova('GET', `/servers/${created.body.server.id}`)).status).toBe(404);
    await new Promise((r) => setImmediate(r));
    expect(events.map((e) => e.event_type)).toEqual([
      'instance.create.start',
      'instance.create.end',
      'instance.delete.start',
      'instance.shutdown.start',
      'instance.shutdown.end',
      'instance.delete.end',
    ]);
  });

  it('disables a compute service with a reason at 2.53 and Placement reports COMPUTE_STATUS_DISABLED', async () => {
    const services = (await nova('GET', '/os-services?binary=nova-compute')).body.services as {
      id: string;
      host: string;
    }[];
    const svc = services.find((s) => s.host === 'compute-00002')!;
    const res = await nova(
      'PUT',
      `/os-services/${svc.id}`,
      { status: 'disabled', disabled_reason: 'steward maintenance' },
      '2.53',
    );
    expect(res.body.service).toMatchObject({ status: 'disabled', disabled_reason: 'steward maintenance' });
    const rp = cloud.state.hostsByName.get('compute-00002')!.id;
    const traits = await call('GET', `${cloud.urls.placement}/resource_providers/${rp}/traits`);
    expect(traits.body.traits).toContain('COMPUTE_STATUS_DISABLED');
  });

  it('serves inventories with allocation ratios and usages per provider', async () => {
    const rp = cloud.state.hosts[0]!.id;
    const inv = await call('GET', `${cloud.urls.placement}/resource_providers/${rp}/inventories`);
    expect(keysOf(inv.body.inventories.VCPU)).toEqual([
      'allocation_ratio',
      'max_unit',
      'min_unit',
      'reserved',
      'step_size',
      'total',
    ]);
    const usages = await call('GET', `${cloud.urls.placement}/resource_providers/${rp}/usages`);
    expect(keysOf(usages.body.usages)).toEqual(['DISK_GB', 'MEMORY_MB', 'VCPU']);
  });

  it('rejects a trait update with a stale generation with Placement 409 concurrent_update', async () => {
    const rp = cloud.state.hosts[1]!.id;
    for (const name of ['CUSTOM_A', 'CUSTOM_B'])
      expect((await call('PUT', `${cloud.urls.placement}/traits/${name}`)).status).toBe(201);
    const current = (await call('GET', `${cloud.urls.placement}/resource_providers/${rp}/traits`)).body;
    const ok = await call('PUT', `${cloud.urls.placement}/resource_providers/${rp}/traits`, {
      resource_provider_generation: current.resource_provider_generation,
      traits: ['CUSTOM_A'],
    });
    expect(ok.status).toBe(200);
    const stale = await call('PUT', `${cloud.urls.placement}/resource_providers/${rp}/traits`, {
      resource_provider_generation: current.resource_provider_generation,
      traits: ['CUSTOM_B'],
    });
    expect(stale.status).toBe(409);
    expect(stale.body.errors[0]).toMatchObject({
      status: 409,
      title: 'Conflict',
      code: 'placement.concurrent_update',
    });
  });

  it('forbids a member from removing metadata an admin set, and lets the admin remove it', async () => {
    const inst = [...cloud.state.instances.values()][10]!;
    inst.projectId = 'p';
    expect(
      (await nova('POST', `/servers/${inst.id}/metadata`, { metadata: { 'watcher.exclude': 'true' } }))
        .status,
    ).toBe(200);
    const member = await nova('DELETE', `/servers/${inst.id}/metadata/watcher.exclude`, undefined, '2.100', {
      'x-auth-token': memberToken,
    });
    expect(member.status).toBe(403);
    expect((await nova('DELETE', `/servers/${inst.id}/metadata/watcher.exclude`)).status).toBe(204);
  });

  it('counts an instance’s L3 cache from the os-start that started it, not before', async () => {
    const inst = [...cloud.state.instances.values()].find((i) => i.vmState === 'active' && i.cpuMean > 0)!;
    const cache = async (time: number) =>
      Number((await prom(`ceilometer_cpu_l3_cache{resource='${inst.id}'}`, time)).data.result[0].value[1]);
    expect((await nova('POST', `/servers/${inst.id}/action`, { 'os-stop': null })).status).toBe(202);
    await clock.advance(10_000);
    expect((await nova('POST', `/servers/${inst.id}/action`, { 'os-start': null })).status).toBe(202);
    const started = clock.now().getTime() / 1000;
    await clock.advance(1_000);
    expect(await cache(started - 5)).toBe(0);
    expect(await cache(started)).toBeGreaterThan(0);
  });

  it('serves each host’s IPMI power and temperatures, named as Ceilometer names its meters', async () => {
    const body = await prom(
      "ceilometer_hardware_ipmi_node_outlet_temperature{fqdn='compute-00001'}",
      clock.now().getTime() / 1000,
    );
    expect(body.data.result).toHaveLength(1);
    expect(body.data.result[0].metric).toMatchObject({ fqdn: 'compute-00001', resource: 'compute-00001' });
    const outlet = Number(body.data.result[0].value[1]);
    // At least the 22 °C inlet, at most the heating of a host at full power (450 W, 45 CFM).
    expect(outlet).toBeGreaterThan(22);
    expect(outlet).toBeLessThanOrEqual(22 + (1.76 * 450) / 45);
  });
});

describe('simulated Cinder', () => {
  const cinder = (method: string, path: string, body?: unknown) =>
    call(method, `${cloud.urls.volume}/${'p'.repeat(32)}${path}`, body);

  it('lists pools with capacities when detail=true', async () => {
    const res = await cinder('GET', '/scheduler-stats/get_pools?detail=true');
    expect(res.body.pools).toHaveLength(4);
    expect(res.body.pools[0].capabilities).toMatchObject({
      volume_backend_name: 'lvm',
      total_capacity_gb: expect.any(Number),
      free_capacity_gb: expect.any(Number),
    });
  });

  it('migrates a volume to another pool over simulated time', async () => {
    const volume = (await cinder('GET', '/volumes/detail?all_tenants=1')).body.volumes[0] as Record<
      string,
      any
    >;
    const target =
      volume['os-vol-host-attr:host'] === 'cinder-volume-0@lvm#pool-a'
        ? 'cinder-volume-0@lvm#pool-b'
        : 'cinder-volume-0@lvm#pool-a';
    expect(
      (
        await cinder('POST', `/volumes/${volume.id}/action`, {
          'os-migrate_volume': { host: target, force_host_copy: false },
        })
      ).status,
    ).toBe(202);
    expect((await cinder('GET', `/volumes/${volume.id}`)).body.volume['os-vol-mig-status-attr:migstat']).toBe(
      'migrating',
    );
    await clock.advance(volume.size * 1000 + 1000);
    expect((await cinder('GET', `/volumes/${volume.id}`)).body.volume).toMatchObject({
      'os-vol-host-attr:host': target,
      'os-vol-mig-status-attr:migstat': 'success',
    });
  });

  it.each([
    [
      'a retype across backends without on-demand migration',
      { 'os-retype': { new_type: 'ssd', migration_policy: 'never' } },
      400,
      'badRequest',
    ],
    ['a retype to an unknown type', { 'os-retype': { new_type: 'gold' } }, 404, 'itemNotFound'],
    ['a migration to an unknown pool', { 'os-migrate_volume': { host: 'nowhere@x#y' } }, 400, 'badRequest'],
  ])('refuses %s', async (_n, action, status, key) => {
    const volume = (await cinder('GET', '/volumes/detail?all_tenants=1')).body.volumes.find(
      (v: Record<string, string>) => v.volume_type === 'lvmdriver-1' && v.status === 'in-use',
    ) as { id: string };
    const res = await cinder('POST', `/volumes/${volume.id}/action`, action);
    expect(res.status).toBe(status);
    expect(res.body[key].code).toBe(status);
  });

  it('retypes across backends with on-demand migration', async () => {
    const volume = (await cinder('GET', '/volumes/detail?all_tenants=1')).body.volumes.find(
      (v: Record<string, string>) => v.volume_type === 'lvmdriver-1' && v.status === 'in-use',
    ) as { id: string; size: number };
    expect(
      (
        await cinder('POST', `/volumes/${volume.id}/action`, {
          'os-retype': { new_type: 'ssd', migration_policy: 'on-demand' },
        })
      ).status,
    ).toBe(202);
    expect((await cinder('GET', `/volumes/${volume.id}`)).body.volume.status).toBe('retyping');
    await clock.advance(volume.size * 1000 + 1000);
    expect((await cinder('GET', `/volumes/${volume.id}`)).body.volume).toMatchObject({
      volume_type: 'ssd',
      status: 'in-use',
    });
  });
});
