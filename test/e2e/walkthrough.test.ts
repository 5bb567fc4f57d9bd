/**
 * The README's walkthrough, step by step, with its commands: `steward serve` on the embedded defaults, the real
 * openstack client logged in through the `OS_*` lines it prints (the simulated Keystone's catalog sends it to the
 * simulated Nova and to Steward as infra-optim), a `server_consolidation` audit with `vm_workload_consolidation` and
 * `--auto-trigger`, `steward actionplan watch` following the plan to its end, then the emptied hosts as Nova shows
 * them (`openstack compute service list`, `openstack hypervisor show`) and as Steward's data model shows them
 * (`steward datamodel list`). The only differences from the README: a smaller simulated cloud with fast migrations
 * (given in a config file) so the plan takes seconds instead of minutes, a free port, the watch polling twice a
 * second, no `grep` after `steward datamodel list`, and `-f json` on the openstack commands whose output the test
 * reads. What the test checks besides the printed output it reads through the APIs (Steward's, the simulated
 * Nova's), so the slow openstack client runs only the walkthrough's own commands.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudClients } from '../../src/cloud/openstack.js';
import { StewardClient } from '../../src/contract/client.js';
import { eventually } from '../helpers/server.js';
import { STEWARD_BIN, startStewardCommand, type Running } from '../helpers/steward-command.js';

const run = promisify(execFile);
const OPENSTACK = '/usr/bin/openstack';
const available = existsSync(OPENSTACK);
if (!available && process.env.CI === 'true')
  throw new Error(`${OPENSTACK} is missing: install python3-openstackclient and python3-watcherclient`);

type Row = Record<string, unknown>;

/** Six hosts and 24 instances (a plan of about twenty actions), migrations that take a moment. */
const SMALL_FAST_CLOUD = {
  cloud: { simulator: { hosts: 6, instances: 24, migrationBandwidthMbPerS: 1_048_576 } },
};

/** `steward datamodel list` prints a table; each row is one instance on its host, or a host holding none. */
function tableRows(stdout: string): Record<string, string>[] {
  const [header, ...rows] = stdout
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) =>
      line
        .split('│')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  return rows.map((cells) => Object.fromEntries(header!.map((name, index) => [name, cells[index] ?? ''])));
}

/** Instances per host in the data model, and each host's nova-compute status there. */
function modelHosts(rows: Record<string, string>[]) {
  const hosts = new Map<string, { instances: number; status: string }>();
  for (const row of rows) {
    const host = hosts.get(row.node_hostname!) ?? { instances: 0, status: row.node_status! };
    if (row.server_uuid) host.instances += 1;
    hosts.set(row.node_hostname!, host);
  }
  return hosts;
}

describe.skipIf(!available)('the README walkthrough', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-walkthrough-'));
  let serve: Running;
  let api: string;

  beforeAll(async () => {
    const config = join(dir, 'steward.json');
    writeFileSync(config, JSON.stringify(SMALL_FAST_CLOUD));
    serve = await startStewardCommand([
      'serve',
      '--config',
      config,
      '--port',
      '0',
      '--database',
      'pglite:memory',
    ]);
    api = /API \(Watcher v1\):\s+(\S+?)\/?\s/.exec(serve.stdout())![1]!;
  }, 90_000);
  afterAll(async () => {
    serve?.child.kill('SIGINT');
    await serve?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  /** The openstack client in a shell where the banner's `export OS_…` lines were pasted, and nothing else. */
  const openstack = async <T = Row>(...args: string[]): Promise<T> => {
    const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('OS_'));
    const { stdout } = await run(OPENSTACK, [...args, '-f', 'json'], {
      env: { ...Object.fromEntries(inherited), ...serve.env, PYTHONWARNINGS: 'ignore' },
      timeout: 60_000,
    });
    return JSON.parse(stdout) as T;
  };
  const steward = (...args: string[]) =>
    run(process.execPath, [STEWARD_BIN, '--endpoint', api, ...args], { timeout: 90_000 });
  const stewardApi = () => new StewardClient({ endpoint: api });

  const walk: {
    modelBefore?: Map<string, { instances: number; status: string }>;
    planUuid?: string;
    emptied?: string[];
  } = {};

  it('the banner logs the openstack client in: Nova lists every nova-compute service enabled', async () => {
    expect(serve.env).toMatchObject({ OS_USERNAME: 'admin', OS_PROJECT_NAME: 'admin' });
    const services = await openstack<Row[]>('compute', 'service', 'list');
    expect(services).toHaveLength(6);
    expect(services.every((service) => service.Status === 'enabled')).toBe(true);
    walk.modelBefore = modelHosts(tableRows((await steward('datamodel', 'list')).stdout));
    expect([...walk.modelBefore.values()].reduce((sum, host) => sum + host.instances, 0)).toBe(24);
  });

  it('openstack optimize audit create --auto-trigger: the audit SUCCEEDS and its plan starts', async () => {
    const audit = await openstack(
      'optimize',
      'audit',
      'create',
      '-g',
      'server_consolidation',
      '-s',
      'vm_workload_consolidation',
      '--auto-trigger',
    );
    expect(audit['Auto Trigger']).toBe(true);
    const [plan] = await eventually(
      () => openstack<Row[]>('optimize', 'actionplan', 'list', '--audit', String(audit.UUID)),
      (plans) => plans.length > 0,
      60_000,
    );
    walk.planUuid = String(plan!.UUID);
    expect((await stewardApi().show('audits', String(audit.UUID))).state).toBe('SUCCEEDED');
  });

  it('steward actionplan watch follows the plan to SUCCEEDED, printing every action, and exits 0', async () => {
    const planUuid = walk.planUuid!;
    // execFile rejects on a non-zero exit: resolving is the exit code 0.
    const { stdout } = await steward('actionplan', 'watch', planUuid, '--interval', '0.5');
    const printed = stdout.trimEnd().split('\n');
    expect(printed.at(-1)).toMatch(
      new RegExp(`plan ${planUuid}  SUCCEEDED  (\\d+)/\\1 succeeded, 0 skipped, 0 failed$`),
    );
    expect((await stewardApi().show('action_plans', planUuid)).state).toBe('SUCCEEDED');
    const actions = await stewardApi().listAll('actions', { action_plan_uuid: planUuid });
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(action.state).toBe('SUCCEEDED');
      const lines = printed.filter((line) => line.includes(`  ${String(action.uuid).slice(0, 8)}  `));
      expect(lines.at(-1)).toMatch(new RegExp(` ${String(action.action_type)} .* SUCCEEDED$`));
    }
    // The hosts the plan emptied are the ones it disabled: `change_nova_service_state  compute-00003 → disabled`.
    walk.emptied = [
      ...new Set(
        printed.flatMap(
          (line) => /change_nova_service_state +(\S+) → disabled +SUCCEEDED$/.exec(line)?.[1] ?? [],
        ),
      ),
    ];
    expect(walk.emptied.length).toBeGreaterThan(0);
    expect(printed.some((line) => / migrate +.* SUCCEEDED$/.test(line))).toBe(true);
    // Each of them held instances before the plan.
    for (const host of walk.emptied) expect(walk.modelBefore!.get(host)?.instances).toBeGreaterThan(0);
  });

  it('Nova shows the emptied hosts with no instance and their nova-compute service disabled', async () => {
    const emptied = walk.emptied!;
    const services = await openstack<Row[]>('compute', 'service', 'list');
    const status = new Map(services.map((service) => [String(service.Host), service.Status]));
    for (const host of emptied) expect(status.get(host)).toBe('disabled');
    expect([...status.values()].filter((value) => value === 'enabled')).toHaveLength(6 - emptied.length);
    expect(await openstack('hypervisor', 'show', emptied[0]!)).toMatchObject({
      status: 'disabled',
      running_vms: 0,
    });
    // Every emptied host, through the simulated Nova's API: no server is on any of them.
    const nova = createCloudClients({
      auth: {
        authUrl: serve.env.OS_AUTH_URL!,
        username: serve.env.OS_USERNAME!,
        password: serve.env.OS_PASSWORD!,
        projectName: serve.env.OS_PROJECT_NAME!,
      },
    });
    try {
      const servers = await nova.compute.listServers({ allTenants: true });
      expect(servers).toHaveLength(24);
      expect(servers.filter((server) => emptied.includes(server.hostname ?? ''))).toEqual([]);
      const hypervisors = await nova.compute.listHypervisors();
      for (const host of emptied)
        expect(hypervisors.find((h) => h.serviceHost === host)?.status).toBe('disabled');
    } finally {
      await nova.close();
    }
  });

  it("Steward's data model shows the same: the emptied hosts hold nothing and are disabled", async () => {
    // No waiting: the applier ends an action only once the model shows its effect (Nova's notifications).
    const model = modelHosts(tableRows((await steward('datamodel', 'list')).stdout));
    for (const host of walk.emptied!) expect(model.get(host)).toEqual({ instances: 0, status: 'disabled' });
    expect([...model.values()].reduce((sum, host) => sum + host.instances, 0)).toBe(24);
  });
});
