import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { AmqpBus } from '../../src/bus/amqp-bus.js';
import { DESTINATIONS } from '../../src/bus/bus.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createTempVhost, type TempVhost } from '../helpers/rabbitmq.js';
import { startSimulator } from '../helpers/simulator-process.js';

async function login(
  env: Record<string, string>,
): Promise<{ token: string; catalog: { type: string; endpoints: { url: string }[] }[] }> {
  const res = await fetch(`${env.OS_AUTH_URL}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: env.OS_USERNAME,
              domain: { name: env.OS_USER_DOMAIN_NAME },
              password: env.OS_PASSWORD,
            },
          },
        },
        scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: env.OS_PROJECT_DOMAIN_NAME } } },
      },
    }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { token: { catalog: { type: string; endpoints: { url: string }[] }[] } };
  return { token: res.headers.get('x-subject-token') ?? '', catalog: body.token.catalog };
}

/** The real python3-openstackclient, given the credentials as options and no OS_* from the environment. */
async function openstack(env: Record<string, string>, args: string[]): Promise<unknown> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  const { stdout } = await promisify(execFile)(
    '/usr/bin/openstack',
    [
      '--os-auth-url',
      env.OS_AUTH_URL ?? '',
      '--os-username',
      'admin',
      '--os-password',
      'admin',
      '--os-project-name',
      'admin',
      '--os-user-domain-name',
      'Default',
      '--os-project-domain-name',
      'Default',
      '--os-identity-api-version',
      '3',
      ...args,
      '-f',
      'json',
    ],
    { env: clean, timeout: 60_000 },
  );
  return JSON.parse(stdout) as unknown;
}

const endpoint = (catalog: { type: string; endpoints: { url: string }[] }[], type: string): string =>
  catalog.find((c) => c.type === type)?.endpoints[0]?.url ?? '';

describe('node src/main.ts simulator', () => {
  it('prints the real port and openstack credentials, serves Keystone, Nova and PlanetLab-driven metrics, and exits 0 on SIGTERM', async () => {
    const sim = await startSimulator([
      '--port',
      '0',
      '--hosts',
      '3',
      '--instances',
      '12',
      '--seed',
      '7',
      '--planetlab',
      'test/fixtures/planetlab/20110303',
      '--start',
      '2026-01-01T00:00:00Z',
      '--speed',
      '60',
    ]);
    expect(sim.env).toMatchObject({
      OS_USERNAME: 'admin',
      OS_PASSWORD: 'admin',
      OS_PROJECT_NAME: 'admin',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_IDENTITY_API_VERSION: '3',
    });
    const port = Number(/^http:\/\/127\.0\.0\.1:(\d+)\/identity\/v3$/.exec(sim.env.OS_AUTH_URL ?? '')?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(sim.stdout()).toContain(`Prometheus:             http://127.0.0.1:${port}/prometheus`);

    const { token, catalog } = await login(sim.env);
    const headers = { 'x-auth-token': token, 'openstack-api-version': 'compute 2.88' };
    const hypervisors = (await (
      await fetch(`${endpoint(catalog, 'compute')}/os-hypervisors/detail`, { headers })
    ).json()) as { hypervisors: { hypervisor_hostname: string; state: string }[] };
    expect(hypervisors.hypervisors.map((h) => h.hypervisor_hostname)).toEqual([
      'compute-00000',
      'compute-00001',
      'compute-00002',
    ]);
    expect(hypervisors.hypervisors.every((h) => h.state === 'up')).toBe(true);

    // Every placed instance's CPU rate is one of the fixture's percentages × its vCPUs, i.e. follows a trace.
    const q = encodeURIComponent(
      'rate(libvirt_domain_info_cpu_time_seconds_total[5m]) / libvirt_domain_info_virtual_cpus',
    );
    const prom = (await (
      await fetch(
        `${endpoint(catalog, 'prometheus')}/api/v1/query?query=${q}&time=${Date.UTC(2026, 0, 1) / 1000 + 3600}`,
        { headers },
      )
    ).json()) as { data: { result: { value: [number, string] }[] } };
    expect(prom.data.result.length).toBeGreaterThan(0);
    for (const r of prom.data.result)
      expect(Number(r.value[1]) * 100).toBeCloseTo(Math.round(Number(r.value[1]) * 100), 6);

    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  }, 120_000);

  it('serves the real openstack client: server list and show with image names from the simulated Glance, hypervisor list', async () => {
    const sim = await startSimulator(['--port', '0', '--hosts', '2', '--instances', '5', '--seed', '7']);
    try {
      const servers = (await openstack(sim.env, ['server', 'list'])) as {
        ID: string;
        Name: string;
        Status: string;
        Image: string;
        Flavor: string;
      }[];
      expect(servers.map((s) => s.Name).sort()).toEqual([
        'vm-000000',
        'vm-000001',
        'vm-000002',
        'vm-000003',
        'vm-000004',
      ]);
      expect(servers.every((s) => s.Status === 'ACTIVE' && /^m1\./.test(s.Flavor))).toBe(true);
      // Names, not ids: the client resolved each server's image.id through GET /image/v2/images.
      expect(new Set(servers.map((s) => s.Image))).toEqual(
        new Set(['cirros-0.6.2-x86_64-disk', 'ubuntu-22.04-server-cloudimg-amd64']),
      );

      const shown = (await openstack(sim.env, ['server', 'show', 'vm-000002'])) as Record<string, unknown>;
      expect(shown).toMatchObject({ name: 'vm-000002', status: 'ACTIVE' });
      expect(shown.image).toMatch(/^ubuntu-22\.04-server-cloudimg-amd64 \([0-9a-f-]{36}\)$/);

      const hypervisors = (await openstack(sim.env, ['hypervisor', 'list'])) as {
        'Hypervisor Hostname': string;
        State: string;
      }[];
      expect(hypervisors.map((h) => [h['Hypervisor Hostname'], h.State])).toEqual([
        ['compute-00000', 'up'],
        ['compute-00001', 'up'],
      ]);
    } finally {
      sim.child.kill('SIGTERM');
    }
    expect(await sim.exited).toBe(0);
  }, 120_000);

  it('completes a live migration on its own, at its simulated completion time, with no request in between', async () => {
    // ≤ 16 GiB of guest memory at 100 GiB/s: every move is over within 160 ms.
    const sim = await startSimulator([
      '--port',
      '0',
      '--hosts',
      '2',
      '--instances',
      '4',
      '--seed',
      '7',
      '--bandwidth',
      '102400',
    ]);
    try {
      const { token, catalog } = await login(sim.env);
      const headers = {
        'x-auth-token': token,
        'content-type': 'application/json',
        'openstack-api-version': 'compute 2.100',
      };
      const compute = endpoint(catalog, 'compute');
      const { servers } = (await (
        await fetch(`${compute}/servers/detail?host=compute-00000`, { headers })
      ).json()) as { servers: { id: string }[] };
      const id = servers[0]?.id ?? '';
      const res = await fetch(`${compute}/servers/${id}/action`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ 'os-migrateLive': { host: 'compute-00001', block_migration: 'auto' } }),
      });
      expect(res.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const askedMs = Date.now();
      const { migrations } = (await (
        await fetch(`${compute}/os-migrations?instance_uuid=${id}`, { headers })
      ).json()) as { migrations: { status: string; updated_at: string }[] };
      expect(migrations[0]?.status).toBe('completed');
      // Settled by the simulator itself (updated_at is whole seconds), not by this request 2.5 s later.
      expect(Date.parse(migrations[0]?.updated_at ?? '')).toBeLessThan(askedMs - 1_000);
    } finally {
      sim.child.kill('SIGTERM');
    }
    expect(await sim.exited).toBe(0);
  }, 120_000);

  it('reports every bad option at once and exits 2 without listening', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'simulator', '--port', '70000', '--hosts', '0', '--speed', '0'],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /--port must be an integer from 0 to 65535.*--hosts must be an integer at least 1.*--speed must be a positive number/,
    );
  }, 60_000);

  describe('with --bus amqp://', () => {
    let vhost: TempVhost | undefined;
    afterAll(async () => vhost?.drop());

    it('publishes Nova notifications to RabbitMQ', async () => {
      vhost = await createTempVhost();
      const sim = await startSimulator(['--port', '0', '--hosts', '2', '--bus', vhost.url]);
      const listener = await AmqpBus.connect({ url: vhost.url, logger: silentLogger });
      try {
        let markCreated = (): void => undefined;
        const created = new Promise<void>((resolve) => (markCreated = resolve));
        // subscribe() resolves once the queue is bound, so nothing the simulator publishes after it is missed.
        await listener.subscribe(DESTINATIONS.novaNotifications, (message) => {
          if (JSON.stringify(message).includes('instance.create.end')) markCreated();
          return Promise.resolve();
        });
        const { token, catalog } = await login(sim.env);
        const res = await fetch(`${endpoint(catalog, 'compute')}/servers`, {
          method: 'POST',
          headers: { 'x-auth-token': token, 'content-type': 'application/json' },
          body: JSON.stringify({ server: { name: 'e2e-bus', flavorRef: '1' } }),
        });
        expect(res.status).toBe(202);
        await created;
      } finally {
        await listener.close();
        sim.child.kill('SIGINT');
      }
      expect(await sim.exited).toBe(0);
    }, 120_000);
  });
});
