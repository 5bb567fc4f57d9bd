/**
 * Errors at the moment they can be known (issue 15, item 1): an audit or audit template that could only fail later
 * is refused at create time with a 400 naming the problem, through the real `openstack optimize` client and through
 * `steward`, and nothing is stored. With no compute model to check a scope against, the audit says what was not
 * checked instead of guessing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const OPENSTACK = '/usr/bin/openstack';
const hasOpenstack = existsSync(OPENSTACK);
if (!hasOpenstack && process.env.CI === 'true')
  throw new Error(`${OPENSTACK} is missing: install python3-openstackclient and python3-watcherclient`);
const BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));

interface Failure {
  code: number;
  stderr: string;
}

async function failureOf(command: Promise<unknown>): Promise<Failure> {
  try {
    await command;
  } catch (error) {
    const { code, stderr } = error as { code: number; stderr: string };
    return { code, stderr };
  }
  throw new Error('the command succeeded where a 400 was expected');
}

const dir = mkdtempSync(join(tmpdir(), 'steward-create-errors-'));
const scopeFile = (name: string, scope: unknown) => {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(scope));
  return path;
};
const UNKNOWN_HOST_SCOPE = [{ compute: [{ compute_nodes: [{ name: 'no-such-host' }] }] }];
const UNKNOWN_ZONE_SCOPE = [{ compute: [{ availability_zones: [{ name: 'az-nowhere' }] }] }];

/** Each create-time rejection, as the two clients are asked for it, and what the 400 must say. */
const CASES: {
  name: string;
  openstack: string[];
  steward: string[];
  says: RegExp;
}[] = [
  {
    name: 'an audit of a goal no strategy serves',
    openstack: ['audit', 'create', '-g', 'noisy_neighbor'],
    steward: ['audit', 'create', '-g', 'noisy_neighbor'],
    says: /No strategy is available for goal noisy_neighbor/,
  },
  {
    name: 'an audit template of a goal no strategy serves',
    openstack: ['audittemplate', 'create', 'at-no-strategy', 'noisy_neighbor'],
    steward: ['audittemplate', 'create', 'at-no-strategy', 'noisy_neighbor'],
    says: /No strategy is available for goal noisy_neighbor/,
  },
  {
    name: 'an actuator audit without its required actions',
    openstack: ['audit', 'create', '-g', 'unclassified', '-s', 'actuator'],
    steward: ['audit', 'create', '-g', 'unclassified', '-s', 'actuator'],
    says: /Invalid parameters for strategy actuator: parameters must have required property 'actions'/,
  },
  {
    name: 'an audit of a goal whose default strategy needs parameters it was not given',
    openstack: ['audit', 'create', '-g', 'unclassified'],
    steward: ['audit', 'create', '-g', 'unclassified'],
    says: /goal unclassified runs strategy actuator, which needs parameters: actions/,
  },
  {
    name: 'an actuator action of a type the applier cannot run',
    openstack: [
      'audit',
      'create',
      '-g',
      'unclassified',
      '-s',
      'actuator',
      '-p',
      'actions=[{"action_type": "reboot", "input_parameters": {}}]',
    ],
    steward: [
      'audit',
      'create',
      '-g',
      'unclassified',
      '-s',
      'actuator',
      '-p',
      'actions=[{"action_type": "reboot", "input_parameters": {}}]',
    ],
    says: /actions\.0\.action_type must be equal to one of the allowed values/,
  },
  {
    name: 'an audit template whose scope names an unknown host',
    openstack: [
      'audittemplate',
      'create',
      'at-bad-host',
      'dummy',
      '--scope',
      scopeFile('host', UNKNOWN_HOST_SCOPE),
    ],
    steward: [
      'audittemplate',
      'create',
      'at-bad-host',
      'dummy',
      '--scope',
      JSON.stringify(UNKNOWN_HOST_SCOPE),
    ],
    says: /the compute model has no host no-such-host/,
  },
  {
    name: 'an audit template whose scope names an unknown availability zone',
    openstack: [
      'audittemplate',
      'create',
      'at-bad-zone',
      'dummy',
      '--scope',
      scopeFile('zone', UNKNOWN_ZONE_SCOPE),
    ],
    steward: [
      'audittemplate',
      'create',
      'at-bad-zone',
      'dummy',
      '--scope',
      JSON.stringify(UNKNOWN_ZONE_SCOPE),
    ],
    says: /the compute model has no availability zone az-nowhere/,
  },
];

async function counts(server: TestServer): Promise<{ audits: number; templates: number }> {
  const read = async (path: string, key: string) => {
    const body = (await (await fetch(`${server.url}/v1/${path}?limit=1000`)).json()) as Record<
      string,
      unknown[]
    >;
    return body[key]!.length;
  };
  return {
    audits: await read('audits', 'audits'),
    templates: await read('audit_templates', 'audit_templates'),
  };
}

describe('create-time rejections on the embedded simulated cloud', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Every goal has a strategy; a deployment that disables the only one of a goal leaves that goal without any.
    server = await startTestServer({ 'engine.disabledStrategies': ['noisy_neighbor'] });
    // The scope checks read the synced model; the first sync of the simulated cloud is quick.
    await server.steward.models!.getComputeModel();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasOpenstack).each(CASES)(
    'openstack optimize: $name is a 400 naming the problem, nothing stored',
    async ({ openstack, says }) => {
      const before = await counts(server);
      const failure = await failureOf(
        run(OPENSTACK, ['--os-auth-type', 'none', '--os-endpoint', server.url, 'optimize', ...openstack], {
          env: { ...process.env, OS_CLOUD: '', PYTHONWARNINGS: 'ignore' },
          timeout: 60_000,
        }),
      );
      expect(failure.code).toBe(1);
      expect(failure.stderr).toMatch(says);
      expect(failure.stderr).toContain('HTTP 400');
      expect(await counts(server)).toEqual(before);
    },
  );

  it.each(CASES)('steward: $name is a 400 naming the problem, nothing stored', async ({ steward, says }) => {
    const before = await counts(server);
    const failure = await failureOf(
      run(process.execPath, [BIN, '--endpoint', server.url, ...steward], { timeout: 60_000 }),
    );
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(says);
    expect(failure.stderr).toContain('400');
    expect(await counts(server)).toEqual(before);
  });

  it('offers no disabled strategy: not listed, and refused by name', async () => {
    const listed = (await (await fetch(`${server.url}/v1/strategies?limit=1000`)).json()) as {
      strategies: { name: string }[];
    };
    expect(listed.strategies.map((strategy) => strategy.name)).not.toContain('noisy_neighbor');
    expect(listed.strategies.map((strategy) => strategy.name)).toContain('basic');
    const before = await counts(server);
    const refused = await fetch(`${server.url}/v1/audits`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ audit_type: 'ONESHOT', goal: 'noisy_neighbor', strategy: 'noisy_neighbor' }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Strategy noisy_neighbor is invalid');
    expect(await counts(server)).toEqual(before);
  });

  it('accepts a scope of known hosts and zones, and an audit from a template whose host has since gone is refused', async () => {
    const [node] = [...server.steward.models!.current!.nodes()];
    const template = (await (
      await fetch(`${server.url}/v1/audit_templates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'at-known',
          goal: 'dummy',
          strategy: 'dummy',
          scope: [
            {
              compute: [
                { compute_nodes: [{ name: node!.hostname }] },
                { availability_zones: [{ name: node!.availabilityZone }] },
              ],
            },
          ],
        }),
      })
    ).json()) as { uuid: string };
    expect(template.uuid).toMatch(/^[0-9a-f-]{36}$/);
    server.steward.models!.current!.removeNode(node!.hostname);
    const before = await counts(server);
    const response = await fetch(`${server.url}/v1/audits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ audit_type: 'ONESHOT', audit_template_uuid: template.uuid }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(`the compute model has no host ${node!.hostname}`);
    expect(await counts(server)).toEqual(before);
  });
});

describe('create-time checks without a cloud', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ 'cloud.kind': 'none' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates an audit whose scope it cannot check, and says in its status message what was not checked', async () => {
    const created = await fetch(`${server.url}/v1/audit_templates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'at-unchecked',
        goal: 'dummy',
        strategy: 'dummy',
        scope: UNKNOWN_HOST_SCOPE,
      }),
    });
    expect(created.status).toBe(201);
    const response = await fetch(`${server.url}/v1/audits`, {
      method: 'POST',
      // status_message is shown from 1.5 on.
      headers: { 'content-type': 'application/json', 'openstack-api-version': 'infra-optim 1.7' },
      body: JSON.stringify({
        audit_type: 'CONTINUOUS',
        interval: '3600',
        audit_template_uuid: 'at-unchecked',
      }),
    });
    expect(response.status).toBe(201);
    const audit = (await response.json()) as { status_message: string | null };
    expect(audit.status_message).toBe(
      'Scope not checked: host no-such-host was not looked up, because this Steward has no cloud (cloud.kind none).',
    );
  });
});
