/**
 * Tenant isolation of the utilisation dashboards (issue 19): a tenant that tries to reach another project's
 * series — through query parameters, another project's instance uuids, headers, PromQL label tricks in parameters,
 * or range tricks — gets its own project's data only, or a refusal (403 for another project or instance; 400 for
 * a parameter the API does not have or a malformed value, before any query runs). Run against the embedded
 * simulated cloud, whose Prometheus labels every instance series with its project, twice: with real tokens from
 * the machine's Keystone, and in noauth mode with upstream's X-Project-Id header. The same attacks
 * (test/helpers/tenant-isolation.ts) also run against a real Prometheus, whose query log is checked too, in
 * dashboards-isolation-prometheus.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeystoneFixture,
  isKeystoneUp,
  KEYSTONE_URL,
  type KeystoneFixture,
} from '../helpers/keystone.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectOnly, tenantRequests, type TenantView } from '../helpers/tenant-isolation.js';

const available = await isKeystoneUp();
if (!available && process.env.CI === 'true')
  throw new Error(
    `no Keystone at ${KEYSTONE_URL}: run scripts/install-system-deps.sh and scripts/ensure-services.sh`,
  );

/** The simulated cloud's instances by project: the instances of `project` and of every other one. */
function instancesOf(server: TestServer, project: string) {
  const all = [...server.steward.simulator!.state.instances.values()].filter((instance) => instance.host);
  return {
    own: all.filter((instance) => instance.projectId === project).map((instance) => instance.id),
    foreign: all.filter((instance) => instance.projectId !== project).map((instance) => instance.id),
  };
}

describe.skipIf(!available)('tenant dashboard isolation with real Keystone tokens', () => {
  let keystone: KeystoneFixture;
  let server: TestServer;
  const tokens: Record<'admin' | 'member' | 'reader' | 'other', string> = {} as never;
  const projects: Record<'admin' | 'other', string> = {} as never;

  const projectOf = async (token: string): Promise<string> => {
    const response = await fetch(`${KEYSTONE_URL}/auth/tokens?nocatalog`, {
      headers: { 'X-Auth-Token': token, 'X-Subject-Token': token },
    });
    return ((await response.json()) as { token: { project: { id: string } } }).token.project.id;
  };

  beforeAll(async () => {
    keystone = await createKeystoneFixture();
    for (const caller of ['admin', 'member', 'reader', 'other'] as const)
      tokens[caller] = await keystone.issueToken(keystone.users[caller]);
    projects.admin = await projectOf(tokens.member);
    projects.other = await projectOf(tokens.other);
    server = await startTestServer({
      'api.auth': 'keystone',
      'api.keystone.authUrl': KEYSTONE_URL,
      'api.keystone.username': keystone.users.service.username,
      'api.keystone.password': keystone.users.service.password,
      'api.keystone.projectName': keystone.users.service.projectName,
      'cloud.simulator.hosts': 3,
      'cloud.simulator.instances': 9,
    });
    // Give the simulated cloud's servers to the real Keystone projects: three each, the rest to a third project.
    const instances = [...server.steward.simulator!.state.instances.values()];
    instances.forEach((instance, index) => {
      if (index % 3 === 0) instance.projectId = projects.admin;
      else if (index % 3 === 1) instance.projectId = projects.other;
    });
    const refresh = await fetch(`${server.url}/v1/data_model/refresh`, {
      method: 'POST',
      headers: { 'X-Auth-Token': tokens.admin, 'OpenStack-API-Version': 'infra-optim 1.3' },
    });
    expect(refresh.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await keystone?.cleanup();
  });

  it("a project's member and reader see their project's instances only, whatever they send", async () => {
    const { own, foreign } = instancesOf(server, projects.admin);
    expect(own.length).toBeGreaterThan(0);
    for (const caller of ['member', 'reader'] as const)
      await tenantRequests(server, { 'X-Auth-Token': tokens[caller] }, own, foreign, projects.other);
  }, 30_000);

  it('the token decides the project: noauth headers sent with a token change nothing', async () => {
    const { own, foreign } = instancesOf(server, projects.other);
    const response = await fetch(`${server.url}/v1/dashboards/tenant?range=1h`, {
      headers: {
        'X-Auth-Token': tokens.other,
        'X-Project-Id': projects.admin,
        'X-Tenant-Id': projects.admin,
        'X-Roles': 'admin',
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as TenantView;
    expect(body.project_id).toBe(projects.other);
    expectOnly(body, own, foreign);
    // Nor does it open the admin dashboard.
    const admin = await fetch(`${server.url}/v1/dashboards/admin?range=1h`, {
      headers: { 'X-Auth-Token': tokens.other, 'X-Roles': 'admin' },
    });
    expect(admin.status).toBe(403);
  });

  it('the admin reads the admin dashboard; as a tenant, an admin sees its own project only', async () => {
    const admin = await fetch(`${server.url}/v1/dashboards/admin?range=1h`, {
      headers: { 'X-Auth-Token': tokens.admin },
    });
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as { hosts: unknown[] }).hosts).toHaveLength(3);
    const { own, foreign } = instancesOf(server, projects.admin);
    const tenant = await fetch(`${server.url}/v1/dashboards/tenant?range=1h&project_id=${projects.other}`, {
      headers: { 'X-Auth-Token': tokens.admin },
    });
    expect(tenant.status).toBe(403);
    const ownView = await fetch(`${server.url}/v1/dashboards/tenant?range=1h`, {
      headers: { 'X-Auth-Token': tokens.admin },
    });
    expectOnly((await ownView.json()) as TenantView, own, foreign);
  });
});

describe('tenant dashboard isolation in noauth mode (X-Project-Id, as upstream noauth)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ 'cloud.simulator.hosts': 3, 'cloud.simulator.instances': 12 });
    await fetch(`${server.url}/v1/data_model/refresh`, {
      method: 'POST',
      headers: { 'OpenStack-API-Version': 'infra-optim 1.3' },
    });
  }, 30_000);
  afterAll(async () => server?.stop());

  const projectsWithInstances = () => [
    ...new Set(
      [...server.steward.simulator!.state.instances.values()]
        .filter((instance) => instance.host)
        .map((instance) => instance.projectId),
    ),
  ];

  it("a member with X-Project-Id sees that project's instances only, whatever else it sends", async () => {
    const [project, other] = projectsWithInstances();
    const { own, foreign } = instancesOf(server, project!);
    await tenantRequests(server, { 'X-Roles': 'member', 'X-Project-Id': project! }, own, foreign, other!);
  }, 30_000);

  it('header tricks: two project headers, a tenant header, or none give nothing of anyone', async () => {
    const [project, other] = projectsWithInstances();
    const all = [...server.steward.simulator!.state.instances.values()].map((instance) => instance.id);
    // Two X-Project-Id headers arrive joined ("a, b"): a project that has no instances.
    const twice = await fetch(`${server.url}/v1/dashboards/tenant?range=1h`, {
      headers: [
        ['X-Roles', 'member'],
        ['X-Project-Id', project!],
        ['X-Project-Id', other!],
      ],
    });
    expect(twice.status).toBe(200);
    expectOnly((await twice.json()) as TenantView, [], all);
    const withoutProject = await fetch(`${server.url}/v1/dashboards/tenant?range=1h`, {
      headers: { 'X-Roles': 'member', 'X-Tenant-Id': project!, 'X-Project-Name': project! },
    });
    expect(withoutProject.status).toBe(403);
    expect(await withoutProject.text()).toContain('needs a project-scoped token');
    const regexProject = await fetch(`${server.url}/v1/dashboards/tenant?range=1h`, {
      headers: { 'X-Roles': 'member', 'X-Project-Id': '.*' },
    });
    expectOnly((await regexProject.json()) as TenantView, [], all);
  });
});
