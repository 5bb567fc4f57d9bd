/**
 * The consolidation and energy strategies end to end on the embedded defaults, driven by the real
 * python-watcherclient: each audit succeeds, its plan runs to SUCCEEDED with every action SUCCEEDED, and the simulated
 * cloud and the data model show the result (instances packed onto fewer hosts, the emptied hosts disabled, then
 * powered off by saving_energy).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const OPENSTACK = '/usr/bin/openstack';
const available = existsSync(OPENSTACK);
if (!available && process.env.CI === 'true')
  throw new Error(`${OPENSTACK} is missing: install python3-openstackclient and python3-watcherclient`);

type Row = Record<string, unknown>;

describe.skipIf(!available)('consolidation through openstack optimize on the simulated cloud', () => {
  let server: TestServer;

  const json = async <T = Row>(...args: string[]): Promise<T> => {
    const { stdout } = await run(
      OPENSTACK,
      ['--os-auth-type', 'none', '--os-endpoint', server.url, 'optimize', ...args, '-f', 'json'],
      { env: { ...process.env, OS_CLOUD: '', PYTHONWARNINGS: 'ignore' }, timeout: 60_000 },
    );
    return JSON.parse(stdout) as T;
  };

  /** Creates an auto-triggered audit and waits for its plan to finish; returns the plan and its actions. */
  const optimise = async (goal: string, strategy: string, ...parameters: string[]) => {
    const audit = await json('audit', 'create', '-g', goal, '-s', strategy, '--auto-trigger', ...parameters);
    await eventually(
      () => json('audit', 'show', String(audit.UUID)),
      (shown) => shown.State === 'SUCCEEDED' || shown.State === 'FAILED',
    );
    expect((await json('audit', 'show', String(audit.UUID))).State).toBe('SUCCEEDED');
    const [plan] = await json<Row[]>('actionplan', 'list', '--audit', String(audit.UUID));
    const finished = await eventually(
      () => json('actionplan', 'show', String(plan!.UUID)),
      (shown) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(String(shown.State)),
      300_000,
    );
    const actions = await json<Row[]>('action', 'list', '--action-plan', String(plan!.UUID), '--detail');
    return { plan: finished, actions };
  };

  const hosts = async () => {
    const response = await fetch(`${server.url}/v1/data_model/?data_model_type=compute`, {
      headers: { 'OpenStack-API-Version': 'infra-optim 1.3' },
    });
    const body = (await response.json()) as { context: Row[] };
    const byHost = new Map<string, { instances: number; status: unknown }>();
    for (const row of body.context) {
      const host = String(row.node_hostname);
      const entry = byHost.get(host) ?? { instances: 0, status: row.node_status };
      if (row.server_uuid) entry.instances += 1;
      byHost.set(host, entry);
    }
    return byHost;
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('vm_workload_consolidation empties hosts, disables them, and the model shows it', async () => {
    const before = await hosts();
    const used = [...before.values()].filter((host) => host.instances > 0).length;
    const { plan, actions } = await optimise('server_consolidation', 'vm_workload_consolidation');
    expect(plan.State).toBe('SUCCEEDED');
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
    const released = (plan['Global efficacy'] as { value: number }[])[0]!.value;
    expect(released).toBeGreaterThan(0);
    // The model follows the cloud's notifications: the hosts the plan emptied hold nothing and are disabled.
    const after = await eventually(
      hosts,
      (model) => [...model.values()].filter((host) => host.instances > 0).length < used,
    );
    const emptied = [...after].filter(
      ([name, host]) => host.instances === 0 && (before.get(name)?.instances ?? 0) > 0,
    );
    expect(emptied.length).toBeGreaterThan(0);
    expect(emptied.every(([, host]) => host.status === 'disabled')).toBe(true);
  });

  it.each([
    ['basic', []],
    ['node_resource_consolidation', ['-p', 'host_choice=specify']],
  ])('%s plans and runs on the consolidated cluster', async (strategy, parameters) => {
    const { plan, actions } = await optimise('server_consolidation', strategy, ...parameters);
    expect(plan.State).toBe('SUCCEEDED');
    expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
  });

  it('saving_energy powers off the emptied hosts, keeping one spare on', async () => {
    const { plan, actions } = await optimise('saving_energy', 'saving_energy');
    expect(plan.State).toBe('SUCCEEDED');
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
  });
});
