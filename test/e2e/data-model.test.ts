/**
 * The data model API of Steward running on its embedded defaults (simulated cloud over HTTP, in-process bus):
 * rows of the simulated hosts and instances, the 1.6 fields, audit scope, a live migration showing up, the
 * storage model reported in strategy state, and the on-demand refresh extension with its errors and policy.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
type Row = Record<string, unknown>;

describe('the data model of the embedded simulated cloud', () => {
  let server: TestServer;
  let clients: CloudClients;

  const api = async (
    path: string,
    init: { method?: string; version?: string; roles?: string; body?: unknown } = {},
  ) => {
    const response = await fetch(`${server.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        'OpenStack-API-Version': `infra-optim ${init.version ?? 'latest'}`,
        ...(init.roles !== undefined && { 'X-Roles': init.roles }),
        ...(init.body !== undefined && { 'Content-Type': 'application/json' }),
      },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    });
    return { status: response.status, body: (await response.json()) as Row };
  };
  const rows = async (query = '', version = 'latest') =>
    (await api(`/v1/data_model?data_model_type=compute${query}`, { version })).body.context as Row[];

  beforeAll(async () => {
    server = await startTestServer();
    const sim = server.steward.simulator!;
    clients = createCloudClients({
      auth: {
        authUrl: sim.credentials.authUrl,
        username: sim.credentials.username,
        password: sim.credentials.password,
        projectName: sim.credentials.projectName,
      },
    });
    await eventually(
      () => rows(),
      (list) => list.length === 120,
    );
  });

  afterAll(async () => {
    await clients?.close();
    await server?.stop();
  });

  it('lists every simulated host and instance, with the 1.6 fields only from 1.6', async () => {
    const latest = await rows();
    expect(new Set(latest.map((row) => row.node_hostname)).size).toBe(16);
    expect(latest[0]).toHaveProperty('server_flavor_extra_specs');
    expect(latest[0]).toHaveProperty('server_pinned_az');
    const at13 = await rows('', '1.3');
    expect(at13).toHaveLength(120);
    expect(at13[0]).not.toHaveProperty('server_flavor_extra_specs');
  });

  it('filters by the scope of an audit', async () => {
    const excluded = (await rows())[0]!.node_hostname as string;
    // As upstream, an audit's scope comes from its template.
    const template = await api('/v1/audit_templates', {
      method: 'POST',
      body: {
        name: 'all-but-one',
        goal: 'dummy',
        strategy: 'dummy',
        scope: [{ compute: [{ exclude: [{ compute_nodes: [{ name: excluded }] }] }] }],
      },
    });
    expect(template.status).toBe(201);
    const created = await api('/v1/audits', {
      method: 'POST',
      body: { audit_template_uuid: template.body.uuid, audit_type: 'ONESHOT' },
    });
    expect(created.status).toBe(201);
    const scoped = await rows(`&audit_uuid=${created.body.uuid as string}`);
    expect(scoped.length).toBeGreaterThan(0);
    expect(scoped.map((row) => row.node_hostname)).not.toContain(excluded);
  });

  it('shows a live migration done through the simulated Nova on the destination host', async () => {
    const before = await rows();
    const row = before.find(
      (candidate) => candidate.server_state === 'active' && (candidate.server_memory as number) <= 4096,
    )!;
    const source = row.node_hostname as string;
    const destination = before.find((candidate) => candidate.node_hostname !== source)!
      .node_hostname as string;
    await clients.compute.liveMigrate(row.server_uuid as string, {
      host: destination,
      blockMigration: 'auto',
    });
    const after = await eventually(
      () => rows(),
      (list) =>
        list.find((candidate) => candidate.server_uuid === row.server_uuid)?.node_hostname === destination,
      15_000,
    );
    expect(after).toHaveLength(120);
  });

  it('refreshes on demand and says when and how much it read', async () => {
    const first = await api('/v1/data_model/refresh', { method: 'POST' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ data_model_type: 'compute', compute_nodes: 16, instances: 120 });
    const second = await api('/v1/data_model/refresh', { method: 'POST' });
    expect(Date.parse(second.body.synced_at as string)).toBeGreaterThan(
      Date.parse(first.body.synced_at as string),
    );
  });

  it('reports the compute and the storage model available in strategy state, and still has no storage rows', async () => {
    const cdmOf = async () =>
      ((await api('/v1/strategies/dummy/state')).body as unknown as Row[]).find(
        (entry) => entry.type === 'CDM',
      )!;
    // The storage sync runs beside the compute one; it has finished by now, but wait rather than race it.
    const cdm = await eventually(cdmOf, (row) =>
      JSON.stringify(row.state).includes('"storage_model":"available"'),
    );
    expect(cdm.state).toEqual([
      { compute_model: 'available' },
      { storage_model: 'available' },
      { baremetal_model: 'not available' },
    ]);
    expect(cdm.comment).toMatch(/storage model synchronised at /);
    const storage = server.steward.storageModels!.current!;
    expect([storage.nodeCount, storage.poolCount]).toEqual([2, 4]);
    expect((await api('/v1/data_model?data_model_type=storage')).status).toBe(404);
  });

  it.each([
    ['an old microversion', { version: '1.2' }, '', 406, /data model/i],
    ['a reader without admin', { roles: 'reader' }, '', 403, /data_model:refresh/],
    ['another model type', {}, '?data_model_type=storage', 404, /storage data model could not be found/],
    ['an unknown query parameter', {}, '?force=1', 400, /force/],
  ])('answers %s with a Watcher error', async (_name, init, query, status, message) => {
    const response = await api(`/v1/data_model/refresh${query}`, { method: 'POST', ...init });
    expect(response.status).toBe(status);
    const fault = JSON.parse(response.body.error_message as string) as { faultstring: string };
    expect(fault.faultstring).toMatch(message);
  });

  it('is refreshed by `steward datamodel refresh`', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', '--endpoint', server.url, '-f', 'json', 'datamodel', 'refresh'],
      {
        timeout: 60_000,
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ compute_nodes: 16, instances: 120 });
  });
});
