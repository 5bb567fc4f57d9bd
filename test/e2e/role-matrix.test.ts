/**
 * The role matrix: every route of the API × every kind of caller, with real Keystone tokens validated by the
 * machine's Keystone, against the status each must get. The table below is the specification; docs/security.md
 * shows the same table (checked here) and a policy file that changes one rule changes exactly that row.
 *
 * Callers: `admin` (admin role in Keystone's admin project), `service` (service role in the service project),
 * `member` and `reader` (of the admin project: Keystone's implied roles make a member a reader too), `none` (no
 * token) and `other` (a member of another project).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeystoneFixture,
  isKeystoneUp,
  KEYSTONE_URL,
  type Caller,
  type KeystoneFixture,
  type KeystoneUser,
} from '../helpers/keystone.js';
import { PUBLIC_ROUTES, ROUTE_POLICIES } from '../../src/api/route-policies.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

const available = await isKeystoneUp();
if (!available && process.env.CI === 'true')
  throw new Error(
    `no Keystone at ${KEYSTONE_URL}: run scripts/install-system-deps.sh and scripts/ensure-services.sh`,
  );

const COLUMNS = ['admin', 'service', 'member', 'reader', 'none', 'other'] as const;
type Column = (typeof COLUMNS)[number];

interface Resources {
  serviceId: string;
  /** Shared by requests that read or are refused; requests that succeed get fresh ones (see `fresh`). */
  template: string;
  audit: string;
  plan: string;
  action: string;
}

interface Fresh {
  template(): Promise<string>;
  /** A dummy ONESHOT audit run to SUCCEEDED, with its RECOMMENDED plan and the plan's first action. */
  audited(): Promise<{ audit: string; plan: string; action: string }>;
  eventAudit(): Promise<string>;
}

interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  version?: string;
}

interface Row {
  route: string;
  rule: string;
  expected: Record<Column, number>;
  /** `useFresh`: the request will succeed for this caller, so it must not consume the shared resources. */
  request(shared: Resources, fresh: Fresh, useFresh: boolean): Promise<RequestSpec>;
}

const READ = { admin: 200, service: 403, member: 200, reader: 200, none: 401, other: 403 };
const WRITE = (status: number) => ({
  admin: status,
  service: 403,
  member: 403,
  reader: 403,
  none: 401,
  other: 403,
});
const PUBLIC = { admin: 200, service: 200, member: 200, reader: 200, none: 200, other: 200 };

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
const get = (url: string, version?: string) => () =>
  Promise.resolve<RequestSpec>({ method: 'GET', url, ...(version && { version }) });

/** Who logs in through the dashboard's login row: a member of the admin project (set once Keystone has the users). */
let loginUser: KeystoneUser | undefined;

/** The specification: every route, its rule, and the status of each caller. */
const ROWS: Row[] = [
  { route: 'GET /', rule: '(public)', expected: PUBLIC, request: get('/') },
  { route: 'GET /v1', rule: '(public)', expected: PUBLIC, request: get('/v1') },
  { route: 'GET /openapi.json', rule: '(public)', expected: PUBLIC, request: get('/openapi.json') },
  { route: 'GET /metrics', rule: '(public)', expected: PUBLIC, request: get('/metrics') },
  { route: 'GET /dashboard', rule: '(public)', expected: PUBLIC, request: get('/dashboard/') },
  { route: 'GET /dashboard/*', rule: '(public)', expected: PUBLIC, request: get('/dashboard/index.html') },
  {
    // The caller's own token plays no part: the user name and password in the body go to Keystone.
    route: 'POST /dashboard/login',
    rule: '(public)',
    expected: PUBLIC,
    request: () =>
      Promise.resolve({
        method: 'POST',
        url: '/dashboard/login',
        body: {
          username: loginUser!.username,
          password: loginUser!.password,
          project_name: loginUser!.projectName,
        },
      }),
  },
  { route: 'GET /v1/goals', rule: 'goal:get_all', expected: READ, request: get('/v1/goals') },
  { route: 'GET /v1/goals/detail', rule: 'goal:detail', expected: READ, request: get('/v1/goals/detail') },
  { route: 'GET /v1/goals/:id', rule: 'goal:get', expected: READ, request: get('/v1/goals/dummy') },
  { route: 'GET /v1/strategies', rule: 'strategy:get_all', expected: READ, request: get('/v1/strategies') },
  {
    route: 'GET /v1/strategies/detail',
    rule: 'strategy:detail',
    expected: READ,
    request: get('/v1/strategies/detail'),
  },
  {
    route: 'GET /v1/strategies/:id',
    rule: 'strategy:get',
    expected: READ,
    request: get('/v1/strategies/dummy'),
  },
  {
    route: 'GET /v1/strategies/:id/state',
    rule: 'strategy:state',
    expected: READ,
    request: get('/v1/strategies/dummy/state'),
  },
  {
    route: 'GET /v1/scoring_engines',
    rule: 'scoring_engine:get_all',
    expected: READ,
    request: get('/v1/scoring_engines'),
  },
  {
    route: 'GET /v1/scoring_engines/detail',
    rule: 'scoring_engine:detail',
    expected: READ,
    request: get('/v1/scoring_engines/detail'),
  },
  {
    route: 'GET /v1/scoring_engines/:id',
    rule: 'scoring_engine:get',
    expected: READ,
    request: get('/v1/scoring_engines/dummy_scorer'),
  },
  {
    route: 'GET /v1/audit_templates',
    rule: 'audit_template:get_all',
    expected: READ,
    request: get('/v1/audit_templates'),
  },
  {
    route: 'GET /v1/audit_templates/detail',
    rule: 'audit_template:detail',
    expected: READ,
    request: get('/v1/audit_templates/detail'),
  },
  {
    route: 'GET /v1/audit_templates/:id',
    rule: 'audit_template:get',
    expected: READ,
    request: (shared) => get(`/v1/audit_templates/${shared.template}`)(),
  },
  {
    route: 'POST /v1/audit_templates',
    rule: 'audit_template:create',
    expected: WRITE(201),
    request: () =>
      Promise.resolve({
        method: 'POST',
        url: '/v1/audit_templates',
        body: { name: unique('at'), goal: 'dummy', strategy: 'dummy' },
      }),
  },
  {
    route: 'PATCH /v1/audit_templates/:id',
    rule: 'audit_template:update',
    expected: WRITE(200),
    request: (shared) =>
      Promise.resolve({
        method: 'PATCH',
        url: `/v1/audit_templates/${shared.template}`,
        body: [{ op: 'replace', path: '/description', value: unique('described') }],
      }),
  },
  {
    route: 'DELETE /v1/audit_templates/:id',
    rule: 'audit_template:delete',
    expected: WRITE(204),
    request: async (shared, fresh, useFresh) => ({
      method: 'DELETE',
      url: `/v1/audit_templates/${useFresh ? await fresh.template() : shared.template}`,
    }),
  },
  { route: 'GET /v1/audits', rule: 'audit:get_all', expected: READ, request: get('/v1/audits') },
  { route: 'GET /v1/audits/detail', rule: 'audit:detail', expected: READ, request: get('/v1/audits/detail') },
  {
    route: 'GET /v1/audits/:id',
    rule: 'audit:get',
    expected: READ,
    request: (shared) => get(`/v1/audits/${shared.audit}`)(),
  },
  {
    route: 'POST /v1/audits',
    rule: 'audit:create',
    expected: WRITE(201),
    request: () =>
      Promise.resolve({
        method: 'POST',
        url: '/v1/audits',
        body: { name: unique('audit'), audit_type: 'EVENT', goal: 'dummy', strategy: 'dummy' },
      }),
  },
  {
    route: 'PATCH /v1/audits/:id',
    rule: 'audit:update',
    expected: WRITE(200),
    request: (shared) =>
      Promise.resolve({
        method: 'PATCH',
        url: `/v1/audits/${shared.audit}`,
        body: [{ op: 'replace', path: '/name', value: unique('renamed') }],
      }),
  },
  {
    route: 'DELETE /v1/audits/:id',
    rule: 'audit:delete',
    expected: WRITE(204),
    request: async (shared, fresh, useFresh) => ({
      method: 'DELETE',
      url: `/v1/audits/${useFresh ? (await fresh.audited()).audit : shared.audit}`,
    }),
  },
  {
    route: 'GET /v1/action_plans',
    rule: 'action_plan:get_all',
    expected: READ,
    request: get('/v1/action_plans'),
  },
  {
    route: 'GET /v1/action_plans/detail',
    rule: 'action_plan:detail',
    expected: READ,
    request: get('/v1/action_plans/detail'),
  },
  {
    route: 'GET /v1/action_plans/:id',
    rule: 'action_plan:get',
    expected: READ,
    request: (shared) => get(`/v1/action_plans/${shared.plan}`)(),
  },
  {
    route: 'POST /v1/action_plans/:id/start',
    rule: 'action_plan:start',
    expected: WRITE(200),
    request: async (shared, fresh, useFresh) => ({
      method: 'POST',
      url: `/v1/action_plans/${useFresh ? (await fresh.audited()).plan : shared.plan}/start`,
    }),
  },
  {
    route: 'PATCH /v1/action_plans/:id',
    rule: 'action_plan:update',
    expected: WRITE(200),
    request: async (shared, fresh, useFresh) => ({
      method: 'PATCH',
      url: `/v1/action_plans/${useFresh ? (await fresh.audited()).plan : shared.plan}`,
      body: [{ op: 'replace', path: '/state', value: 'CANCELLED' }],
    }),
  },
  {
    route: 'DELETE /v1/action_plans/:id',
    rule: 'action_plan:delete',
    expected: WRITE(204),
    request: async (shared, fresh, useFresh) => ({
      method: 'DELETE',
      url: `/v1/action_plans/${useFresh ? (await fresh.audited()).plan : shared.plan}`,
    }),
  },
  { route: 'GET /v1/actions', rule: 'action:get_all', expected: READ, request: get('/v1/actions') },
  {
    route: 'GET /v1/actions/detail',
    rule: 'action:detail',
    expected: READ,
    request: get('/v1/actions/detail'),
  },
  {
    route: 'GET /v1/actions/:id',
    rule: 'action:get',
    expected: READ,
    request: (shared) => get(`/v1/actions/${shared.action}`)(),
  },
  {
    route: 'PATCH /v1/actions/:id',
    rule: 'action:update',
    expected: WRITE(200),
    request: async (shared, fresh, useFresh) => ({
      method: 'PATCH',
      url: `/v1/actions/${useFresh ? (await fresh.audited()).action : shared.action}`,
      body: [{ op: 'replace', path: '/state', value: 'SKIPPED' }],
      version: 'infra-optim 1.5',
    }),
  },
  { route: 'GET /v1/services', rule: 'service:get_all', expected: READ, request: get('/v1/services') },
  {
    route: 'GET /v1/services/detail',
    rule: 'service:detail',
    expected: READ,
    request: get('/v1/services/detail'),
  },
  {
    route: 'GET /v1/services/:id',
    rule: 'service:get',
    expected: READ,
    request: (shared) => get(`/v1/services/${shared.serviceId}`)(),
  },
  {
    route: 'GET /v1/data_model',
    rule: 'data_model:get_all',
    expected: READ,
    request: get('/v1/data_model', 'infra-optim 1.3'),
  },
  {
    route: 'POST /v1/data_model/refresh',
    rule: 'data_model:refresh',
    expected: WRITE(200),
    request: () =>
      Promise.resolve({ method: 'POST', url: '/v1/data_model/refresh', version: 'infra-optim 1.3' }),
  },
  {
    route: 'GET /v1/dashboards/admin',
    rule: 'dashboard:admin',
    expected: WRITE(200),
    request: get('/v1/dashboards/admin?range=1h'),
  },
  {
    // Any role in a project reads that project's own dashboard; the service user holds only `service`.
    route: 'GET /v1/dashboards/tenant',
    rule: 'dashboard:tenant',
    expected: { admin: 200, service: 403, member: 200, reader: 200, none: 401, other: 200 },
    request: get('/v1/dashboards/tenant?range=1h'),
  },
  {
    route: 'POST /v1/webhooks/:id',
    rule: 'webhook:trigger',
    expected: { admin: 202, service: 202, member: 403, reader: 403, none: 401, other: 403 },
    request: async (shared, fresh, useFresh) => ({
      method: 'POST',
      url: `/v1/webhooks/${useFresh ? await fresh.eventAudit() : shared.audit}`,
      version: 'infra-optim 1.4',
    }),
  },
];

/** The markdown table docs/security.md carries, rendered from ROWS. */
function renderTable(rows: readonly Row[]): string {
  const lines = [
    `| route | rule | ${COLUMNS.join(' | ')} |`,
    `| --- | --- | ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...rows.map(
      (row) =>
        `| \`${row.route}\` | ${row.rule === '(public)' ? 'public' : `\`${row.rule}\``} | ${COLUMNS.map((column) => row.expected[column]).join(' | ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

it('the role matrix has a row for every route Steward serves, public or under a rule', () => {
  expect(ROWS.map((row) => row.route).sort()).toEqual(
    [...PUBLIC_ROUTES, ...Object.keys(ROUTE_POLICIES)].sort(),
  );
  for (const row of ROWS) expect(row.rule).toBe(ROUTE_POLICIES[row.route] ?? '(public)');
});

describe.skipIf(!available)('role matrix with real Keystone tokens', () => {
  let keystone: KeystoneFixture;
  const tokens = {} as Record<Exclude<Column, 'none'>, string>;

  const send = async (server: TestServer, spec: RequestSpec, column: Column) => {
    const response = await fetch(`${server.url}${spec.url}`, {
      method: spec.method,
      headers: {
        ...(column !== 'none' && { 'X-Auth-Token': tokens[column] }),
        ...(spec.version && { 'OpenStack-API-Version': spec.version }),
        ...(spec.body !== undefined && { 'Content-Type': 'application/json' }),
      },
      ...(spec.body !== undefined && { body: JSON.stringify(spec.body) }),
    });
    return { status: response.status, text: await response.text() };
  };

  const startSteward = (policyFile?: string) =>
    startTestServer({
      'api.auth': 'keystone',
      'api.keystone.authUrl': KEYSTONE_URL,
      'api.keystone.username': keystone.users.service.username,
      'api.keystone.password': keystone.users.service.password,
      'api.keystone.projectName': keystone.users.service.projectName,
      'cloud.simulator.hosts': 4,
      'cloud.simulator.instances': 8,
      ...(policyFile && { 'api.policyFile': policyFile }),
    });

  /** Runs every row for every caller; shared resources first, and the requests that succeed last. */
  async function runMatrix(server: TestServer): Promise<Record<string, Record<Column, number>>> {
    const asAdmin = async (spec: RequestSpec) => {
      const { status, text } = await send(server, spec, 'admin');
      if (status >= 300) throw new Error(`setup ${spec.method} ${spec.url}: ${status} ${text}`);
      return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    };
    const fresh: Fresh = {
      template: async () =>
        String(
          (
            await asAdmin({
              method: 'POST',
              url: '/v1/audit_templates',
              body: { name: unique('at'), goal: 'dummy', strategy: 'dummy' },
            })
          ).uuid,
        ),
      async audited() {
        const audit = String(
          (
            await asAdmin({
              method: 'POST',
              url: '/v1/audits',
              // force: a plan another row started may still be running, and without it the audit is cancelled.
              body: {
                name: unique('audit'),
                audit_type: 'ONESHOT',
                goal: 'dummy',
                strategy: 'dummy',
                force: true,
              },
              version: 'infra-optim 1.2',
            })
          ).uuid,
        );
        await eventually(
          () => asAdmin({ method: 'GET', url: `/v1/audits/${audit}` }),
          (body) => body.state === 'SUCCEEDED',
        );
        const plans = (await asAdmin({ method: 'GET', url: `/v1/action_plans?audit_uuid=${audit}` }))
          .action_plans as { uuid: string }[];
        const plan = plans[0]!.uuid;
        const actions = (await asAdmin({ method: 'GET', url: `/v1/actions?action_plan_uuid=${plan}` }))
          .actions as { uuid: string }[];
        return { audit, plan, action: actions[0]!.uuid };
      },
      eventAudit: async () =>
        String(
          (
            await asAdmin({
              method: 'POST',
              url: '/v1/audits',
              body: { name: unique('event'), audit_type: 'EVENT', goal: 'dummy', strategy: 'dummy' },
            })
          ).uuid,
        ),
    };
    const services = (await asAdmin({ method: 'GET', url: '/v1/services' })).services as { id: number }[];
    const shared: Resources = {
      serviceId: String(services[0]!.id),
      template: await fresh.template(),
      ...(await fresh.audited()),
    };
    const observed: Record<string, Record<Column, number>> = {};
    for (const row of ROWS) {
      // In column order, whatever order the requests go in, so rows compare as they print.
      observed[row.route] = Object.fromEntries(COLUMNS.map((column) => [column, 0])) as Record<
        Column,
        number
      >;
      // Refused callers first: they must leave the shared resources as they were for the others.
      const order = [...COLUMNS].sort(
        (a, b) => Number(row.expected[a] < 300) - Number(row.expected[b] < 300),
      );
      for (const column of order) {
        const spec = await row.request(shared, fresh, row.expected[column] < 300);
        const { status, text } = await send(server, spec, column);
        observed[row.route]![column] = status;
        if (status === 401) expect(text).toContain('error_message');
      }
    }
    return observed;
  }

  beforeAll(async () => {
    keystone = await createKeystoneFixture();
    loginUser = keystone.users.member;
    for (const caller of ['admin', 'service', 'member', 'reader', 'other'] as Caller[])
      tokens[caller] = await keystone.issueToken(keystone.users[caller]);
  });
  afterAll(async () => {
    await keystone?.cleanup();
  });

  it('every route answers every caller as the table says, and docs/security.md shows that table', async () => {
    const server = await startSteward();
    try {
      const observed = await runMatrix(server);
      const expected = Object.fromEntries(ROWS.map((row) => [row.route, row.expected]));
      expect(observed).toEqual(expected);
    } finally {
      await server.stop();
    }
    const docs = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
    expect(docs).toContain(renderTable(ROWS));
  });

  it('a policy file that changes one rule changes exactly that row', async () => {
    const policyFile = join(tmpdir(), `steward-matrix-policy-${keystone.suffix}.yaml`);
    writeFileSync(policyFile, '# only the service may read one goal\n"goal:get": "role:service"\n');
    const server = await startSteward(policyFile);
    try {
      const observed = await runMatrix(server);
      const changed = ROWS.filter(
        (row) => JSON.stringify(observed[row.route]) !== JSON.stringify(row.expected),
      );
      expect(changed.map((row) => row.route)).toEqual(['GET /v1/goals/:id']);
      expect(observed['GET /v1/goals/:id']).toEqual({
        admin: 403,
        service: 200,
        member: 403,
        reader: 403,
        none: 401,
        other: 403,
      });
    } finally {
      await server.stop();
    }
  });
});
