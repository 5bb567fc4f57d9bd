/**
 * The consolidation and energy strategies end to end on the embedded defaults, driven by the real
 * python-watcherclient: each audit succeeds, its plan runs to SUCCEEDED with every action SUCCEEDED, and the data
 * model shows the result (instances packed onto fewer hosts, the emptied hosts disabled, then powered off by
 * saving_energy). Small clusters with fast migrations: the plans are real, the wait is short.
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

const FAST_SMALL_CLOUD = {
  'cloud.simulator.hosts': 6,
  'cloud.simulator.instances': 24,
  'cloud.simulator.migrationBandwidthMbPerS': 1_048_576,
};

/** A Steward on the embedded defaults and the `openstack optimize` client pointed at it. */
function useSteward() {
  const steward: { server?: TestServer } = {};
  beforeAll(async () => {
    steward.server = await startTestServer(FAST_SMALL_CLOUD);
  });
  afterAll(async () => {
    await steward.server?.stop();
  });
  const optimize = async <T = Row>(...args: string[]): Promise<T> => {
    const { stdout } = await run(
      OPENSTACK,
      ['--os-auth-type', 'none', '--os-endpoint', steward.server!.url, 'optimize', ...args, '-f', 'json'],
      { env: { ...process.env, OS_CLOUD: '', PYTHONWARNINGS: 'ignore' }, timeout: 60_000 },
    );
    return JSON.parse(stdout) as T;
  };
  /** Creates an auto-triggered audit and waits for its plan to finish; returns the plan and its actions. */
  const optimise = async (goal: string, strategy: string, ...parameters: string[]) => {
    const audit = await optimize(
      'audit',
      'create',
      '-g',
      goal,
      '-s',
      strategy,
      '--auto-trigger',
      ...parameters,
    );
    const [plan] = await eventually(
      () => optimize<Row[]>('actionplan', 'list', '--audit', String(audit.UUID)),
      (plans) => plans.length > 0,
    );
    expect((await optimize('audit', 'show', String(audit.UUID))).State).toBe('SUCCEEDED');
    const finished = await eventually(
      () => optimize('actionplan', 'show', String(plan!.UUID)),
      (shown) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(String(shown.State)),
      240_000,
    );
    const actions = await optimize<Row[]>('action', 'list', '--action-plan', String(plan!.UUID));
    return { plan: finished, actions };
  };
  /** Hosts of the compute data model: instances on each and the service status. */
  const hosts = async () => {
    const response = await fetch(`${steward.server!.url}/v1/data_model/?data_model_type=compute`, {
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
  return { optimise, hosts };
}

describe.skipIf(!available)(
  'vm_workload_consolidation, then saving_energy, through openstack optimize',
  { timeout: 300_000 },
  () => {
    const { optimise, hosts } = useSteward();

    it('vm_workload_consolidation empties hosts, disables them, and the model shows it', async () => {
      const before = await hosts();
      const used = [...before.values()].filter((host) => host.instances > 0).length;
      const { plan, actions } = await optimise('server_consolidation', 'vm_workload_consolidation');
      expect(plan.State).toBe('SUCCEEDED');
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
      expect((plan['Global efficacy'] as { value: number }[])[0]!.value).toBeGreaterThan(0);
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

    it('saving_energy powers off the emptied hosts, keeping one spare on', async () => {
      const { plan, actions } = await optimise('saving_energy', 'saving_energy');
      expect(plan.State).toBe('SUCCEEDED');
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
    });
  },
);

describe.skipIf(!available).each([
  ['basic', []],
  ['node_resource_consolidation', []],
  ['node_resource_consolidation', ['-p', 'host_choice=specify']],
])(
  '%s %j through openstack optimize on a fresh simulated cloud',
  { timeout: 300_000 },
  (strategy, parameters) => {
    const { optimise } = useSteward();

    it('plans migrations that run to SUCCEEDED', async () => {
      const { plan, actions } = await optimise('server_consolidation', strategy, ...parameters);
      expect(plan.State).toBe('SUCCEEDED');
      expect(actions.filter((action) => action.State === 'SUCCEEDED').length).toBeGreaterThan(0);
      expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
    });
  },
);
