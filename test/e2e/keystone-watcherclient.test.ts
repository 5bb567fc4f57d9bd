/**
 * Steward behind the machine's real Keystone, driven by the real `openstack optimize` client (Debian
 * python3-watcherclient) with a password and no `--os-endpoint`: `steward keystone register` puts Steward in the
 * catalog, the client finds it there, lists goals and runs an audit; a member-only user gets 403 on every admin rule
 * the client can reach; a revoked or made-up token is refused with 401 and `WWW-Authenticate`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWatcherFault } from '../../src/contract/error-body.js';
import {
  createKeystoneFixture,
  isKeystoneUp,
  KEYSTONE_ADMIN,
  KEYSTONE_URL,
  type KeystoneFixture,
  type KeystoneUser,
} from '../helpers/keystone.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const OPENSTACK = '/usr/bin/openstack';
const BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));
const keystoneUp = await isKeystoneUp();
const available = keystoneUp && existsSync(OPENSTACK);
if (!available && process.env.CI === 'true')
  throw new Error(
    `needs Keystone at ${KEYSTONE_URL} and ${OPENSTACK}: run scripts/install-system-deps.sh and scripts/ensure-services.sh`,
  );

/** The environment without the developer's own OS_* settings: only the flags given say where to go. */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries({ ...process.env, PYTHONWARNINGS: 'ignore' }).filter(([name]) => !name.startsWith('OS_')),
  );

type Row = Record<string, unknown>;
const CACHE_SECONDS = 2;

describe.skipIf(!available)('Steward behind Keystone, through the catalog, with the real client', () => {
  let keystone: KeystoneFixture;
  let server: TestServer;

  const optimize = async (user: KeystoneUser, ...args: string[]) => {
    const auth = [
      '--os-auth-url',
      KEYSTONE_URL,
      '--os-identity-api-version',
      '3',
      '--os-username',
      user.username,
      '--os-password',
      user.password,
      '--os-project-name',
      user.projectName,
      '--os-user-domain-name',
      'Default',
      '--os-project-domain-name',
      'Default',
      '--os-region-name',
      keystone.region,
      '--os-interface',
      'public',
    ];
    return run(OPENSTACK, [...auth, 'optimize', ...args], { env: cleanEnv(), timeout: 90_000 });
  };
  const json = async <T = Row>(user: KeystoneUser, ...args: string[]): Promise<T> =>
    JSON.parse((await optimize(user, ...args, '-f', 'json')).stdout) as T;

  beforeAll(async () => {
    keystone = await createKeystoneFixture();
    server = await startTestServer({
      'api.auth': 'keystone',
      'api.keystone.authUrl': KEYSTONE_URL,
      'api.keystone.username': keystone.users.service.username,
      'api.keystone.password': keystone.users.service.password,
      'api.keystone.projectName': keystone.users.service.projectName,
      'api.keystone.cacheSeconds': CACHE_SECONDS,
      'cloud.simulator.hosts': 4,
      'cloud.simulator.instances': 8,
    });
    // The documented command, as an operator runs it, in a region of this run's own.
    const { stdout } = await run(
      process.execPath,
      [BIN, 'keystone', 'register', '--url', server.url, '--region', keystone.region],
      {
        env: {
          ...cleanEnv(),
          OS_AUTH_URL: KEYSTONE_URL,
          OS_USERNAME: KEYSTONE_ADMIN.username,
          OS_PASSWORD: KEYSTONE_ADMIN.password,
          OS_PROJECT_NAME: KEYSTONE_ADMIN.projectName,
        },
        timeout: 90_000,
      },
    );
    expect(stdout).toContain(`endpoint public ${server.url} in ${keystone.region}: created`);
  });
  afterAll(async () => {
    await server?.stop();
    await keystone?.cleanup();
  });

  it('an admin with a password lists goals and runs an audit through the catalog', async () => {
    const admin = keystone.users.admin;
    const goals = await json<Row[]>(admin, 'goal', 'list');
    expect(goals.map((goal) => goal.Name)).toEqual(expect.arrayContaining(['dummy', 'server_consolidation']));
    const audit = await json(admin, 'audit', 'create', '-g', 'dummy', '-s', 'dummy');
    const uuid = String(audit.UUID);
    const done = await eventually(
      () => json(admin, 'audit', 'show', uuid),
      (shown) => shown.State === 'SUCCEEDED' || shown.State === 'FAILED',
      90_000,
    );
    expect(done.State).toBe('SUCCEEDED');
    const plans = await json<Row[]>(admin, 'actionplan', 'list', '--audit', uuid);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ State: 'RECOMMENDED' });
  });

  it('a member-only user reads, and gets 403 on every admin rule the client reaches', async () => {
    const admin = keystone.users.admin;
    const member = keystone.users.member;
    const template = await json(admin, 'audittemplate', 'create', `at-${keystone.suffix}`, 'dummy');
    const audit = await json(admin, 'audit', 'create', '-g', 'dummy', '-s', 'dummy');
    await eventually(
      () => json(admin, 'audit', 'show', String(audit.UUID)),
      (shown) => shown.State === 'SUCCEEDED',
      90_000,
    );
    const [plan] = await json<Row[]>(admin, 'actionplan', 'list', '--audit', String(audit.UUID));

    // Reads are Steward's reader_api: a member of the admin project is a reader there.
    expect((await json<Row[]>(member, 'goal', 'list')).length).toBeGreaterThan(0);

    const adminRules: [rule: string, args: string[]][] = [
      ['audit_template:create', ['audittemplate', 'create', `member-${keystone.suffix}`, 'dummy']],
      [
        'audit_template:update',
        ['audittemplate', 'update', String(template.UUID), 'replace', 'description=x'],
      ],
      ['audit_template:delete', ['audittemplate', 'delete', String(template.UUID)]],
      ['audit:create', ['audit', 'create', '-g', 'dummy']],
      ['audit:update', ['audit', 'update', String(audit.UUID), 'replace', 'name=x']],
      ['audit:delete', ['audit', 'delete', String(audit.UUID)]],
      ['action_plan:start', ['actionplan', 'start', String(plan!.UUID)]],
      ['action_plan:update', ['actionplan', 'cancel', String(plan!.UUID)]],
      ['action_plan:delete', ['actionplan', 'delete', String(plan!.UUID)]],
    ];
    for (const [rule, args] of adminRules) {
      const failure = await optimize(member, ...args).then(
        () => undefined,
        (error: { code?: number; stderr?: string }) => error,
      );
      expect(failure, `${args.join(' ')} should fail`).toBeDefined();
      expect(failure!.stderr).toContain(`Policy doesn't allow ${rule} to be performed.`);
      expect(failure!.stderr).toContain('HTTP 403');
    }
    // Nothing changed: the admin still sees the template, the audit and the plan as they were.
    expect(await json(admin, 'audittemplate', 'show', String(template.UUID))).toMatchObject({
      Name: `at-${keystone.suffix}`,
    });
    expect(await json(admin, 'actionplan', 'show', String(plan!.UUID))).toMatchObject({
      State: 'RECOMMENDED',
    });
  });

  it('refuses a revoked token within the cache lifetime, and a made-up one at once, with 401 and WWW-Authenticate', async () => {
    const token = await keystone.issueToken(keystone.users.admin);
    const goals = (value: string) => fetch(`${server.url}/v1/goals`, { headers: { 'X-Auth-Token': value } });
    expect((await goals(token)).status).toBe(200);
    await keystone.revoke(token);
    const revokedAt = Date.now();
    const refused = await eventually(
      () => goals(token),
      (response) => response.status === 401,
      (CACHE_SECONDS + 5) * 1000,
    );
    expect(Date.now() - revokedAt).toBeLessThan((CACHE_SECONDS + 5) * 1000);
    expect(refused.headers.get('www-authenticate')).toBe(
      `Keystone uri="${KEYSTONE_URL.replace(/\/v3$/, '')}"`,
    );
    expect(readWatcherFault(await refused.json())).toBe('The Keystone token is invalid, expired or revoked.');

    const madeUp = await goals('gAAAAAmadeup');
    expect(madeUp.status).toBe(401);
    expect(madeUp.headers.get('content-type')).toContain('application/json');
    const none = await fetch(`${server.url}/v1/goals`);
    expect(none.status).toBe(401);
    expect(readWatcherFault(await none.json())).toMatch(/send a Keystone token in X-Auth-Token/);
    // Version discovery stays public, as upstream.
    expect((await fetch(`${server.url}/`)).status).toBe(200);
  });
});
