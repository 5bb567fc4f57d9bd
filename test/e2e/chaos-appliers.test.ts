/**
 * Chaos on the machine's PostgreSQL and RabbitMQ with separate processes: the simulated cloud, an API, a decision
 * engine and two appliers, each its own `steward` process. In the middle of a 50-migration plan the applier running
 * it is killed with SIGKILL; the other, already running, takes the plan over within a few heartbeats and finishes
 * it. Checked against the simulated Nova's own records (os-migrations): every instance of the plan was migrated
 * exactly once (none twice, none lost), and the plan SUCCEEDED. Five runs, each bounded in time.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import { createTempDatabase, type TempDatabase } from '../helpers/postgres.js';
import { createTempVhost, rabbitmqReachable, type TempVhost } from '../helpers/rabbitmq.js';
import { eventually } from '../helpers/server.js';
import { startSimulator, type Running } from '../helpers/simulator-process.js';

const brokerUp = await rabbitmqReachable();
if (!brokerUp && process.env.CI === 'true') throw new Error('RabbitMQ is not listening on 127.0.0.1:5672');

const RUNS = 5;
const ACTIONS = 50;
const HEARTBEAT_SECONDS = 1;
const DOWN_SECONDS = 3;

type Json = Record<string, unknown>;

interface StewardProcess {
  name: string;
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

describe.skipIf(!brokerUp)('an applier killed mid-plan, with separate processes', () => {
  let database: TempDatabase;
  let vhost: TempVhost;
  let simulator: Running;
  let clients: CloudClients;
  let env: Record<string, string>;
  let api: string;
  const processes = new Map<string, StewardProcess>();

  async function startSteward(name: string, roles: string): Promise<StewardProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--roles', roles], {
      cwd: process.cwd(),
      env: { ...process.env, ...env, STEWARD_HOST: name },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => (output.includes('Stop with Ctrl-C') ? resolve() : undefined));
      void exited.then((code) => reject(new Error(`${name} exited early with ${String(code)}: ${output}`)));
    });
    const started = { name, child, output: () => output, exited };
    processes.set(name, started);
    return started;
  }

  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: {
        'OpenStack-API-Version': 'infra-optim latest',
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as Json;
  };

  beforeAll(async () => {
    database = await createTempDatabase();
    vhost = await createTempVhost();
    // Live migrations take memory / bandwidth of simulated time, four times faster than real time here.
    simulator = await startSimulator([
      '--port',
      '0',
      '--hosts',
      '12',
      '--instances',
      '60',
      '--seed',
      '9',
      '--bandwidth',
      '2048',
      '--speed',
      '4',
      '--bus',
      vhost.url,
    ]);
    const os = simulator.env;
    env = {
      STEWARD_DATABASE_URL: database.connectionString,
      STEWARD_BUS_URL: vhost.url,
      STEWARD_CLOUD: 'openstack',
      OS_AUTH_URL: os.OS_AUTH_URL!,
      OS_USERNAME: os.OS_USERNAME!,
      STEWARD_OS_PASSWORD: os.OS_PASSWORD!,
      OS_PROJECT_NAME: os.OS_PROJECT_NAME!,
      STEWARD_PROMETHEUS_URL: /Prometheus:\s+(\S+)/.exec(simulator.stdout())![1]!,
      STEWARD_API_PORT: '0',
      STEWARD_HEARTBEAT_INTERVAL_SECONDS: String(HEARTBEAT_SECONDS),
      STEWARD_SERVICE_DOWN_TIME_SECONDS: String(DOWN_SECONDS),
      STEWARD_LOG_LEVEL: 'warn',
      STEWARD_APPLIER_CONCURRENCY: '8',
    };
    clients = createCloudClients({
      auth: {
        authUrl: os.OS_AUTH_URL!,
        username: os.OS_USERNAME!,
        password: os.OS_PASSWORD!,
        projectName: os.OS_PROJECT_NAME!,
      },
    });
    const apiProcess = await startSteward('chaos-api', 'api');
    api = /API \(Watcher v1\):\s+(\S+?)\/?\s/.exec(apiProcess.output())![1]!;
    await startSteward('chaos-engine', 'decision-engine');
    await startSteward('chaos-applier-a', 'applier');
    await startSteward('chaos-applier-b', 'applier');
  });

  afterAll(async () => {
    for (const running of processes.values()) {
      running.child.kill('SIGTERM');
      await running.exited;
    }
    await clients?.close();
    simulator?.child.kill('SIGTERM');
    await simulator?.exited;
    await vhost?.drop();
    await database?.drop();
  });

  it('shows every process in the services API', async () => {
    const { services } = (await call('GET', '/v1/services/detail')) as { services: Json[] };
    expect(services.map((service) => `${String(service.name)}@${String(service.host)}`).sort()).toEqual([
      'steward-api@chaos-api',
      'steward-applier@chaos-applier-a',
      'steward-applier@chaos-applier-b',
      'steward-decision-engine@chaos-engine',
    ]);
  });

  it.each(Array.from({ length: RUNS }, (_, run) => [run + 1]))(
    'run %i: the other applier takes the plan over within a few heartbeats and finishes it; no migration ran twice or was lost',
    async () => {
      const servers = (await clients.compute.listServers({ allTenants: true })).filter(
        (server) => server.status === 'ACTIVE' && server.hostname !== null,
      );
      const chosen = servers.slice(0, ACTIONS);
      expect(chosen).toHaveLength(ACTIONS);
      const migrationsBefore = new Map(
        await Promise.all(
          chosen.map(async (server) => [server.uuid, await migrationCount(server.uuid)] as const),
        ),
      );
      const audit = await call('POST', '/v1/audits', {
        goal: 'unclassified',
        strategy: 'actuator',
        audit_type: 'ONESHOT',
        parameters: {
          actions: chosen.map((server) => ({
            action_type: 'migrate',
            resource_id: server.uuid,
            input_parameters: { migration_type: 'live', source_node: server.hostname },
          })),
        },
      });
      const planned = await eventually(
        async () => (await call('GET', `/v1/audits/${String(audit.uuid)}`)).state,
        (state) => state === 'SUCCEEDED' || state === 'FAILED',
      );
      expect(planned).toBe('SUCCEEDED');
      const plans = (await call('GET', `/v1/action_plans?audit_uuid=${String(audit.uuid)}`))
        .action_plans as Json[];
      const planUuid = String(plans[0]!.uuid);
      await call('POST', `/v1/action_plans/${planUuid}/start`);

      // Kill the applier running it once a fifth of the actions are done.
      const running = await eventually(
        async () => {
          const plan = await call('GET', `/v1/action_plans/${planUuid}`);
          const actions = (await call('GET', `/v1/actions?action_plan_uuid=${planUuid}&limit=100`))
            .actions as Json[];
          return { plan, done: actions.filter((action) => action.state === 'SUCCEEDED').length };
        },
        ({ plan, done }) => plan.state === 'ONGOING' && done >= ACTIONS / 5,
        60_000,
      );
      const victim = String(running.plan.hostname);
      const killed = processes.get(victim)!;
      killed.child.kill('SIGKILL');
      await killed.exited;
      processes.delete(victim);
      const killedAt = Date.now();

      const taken = await eventually(
        () => call('GET', `/v1/action_plans/${planUuid}`),
        (plan) => plan.hostname !== victim,
        30_000,
      );
      const takeoverSeconds = (Date.now() - killedAt) / 1000;
      // Silent for DOWN_SECONDS, then found on one of the next heartbeats.
      expect(takeoverSeconds).toBeLessThan(DOWN_SECONDS + 4 * HEARTBEAT_SECONDS);
      expect(processes.has(String(taken.hostname))).toBe(true);

      const finished = await eventually(
        () => call('GET', `/v1/action_plans/${planUuid}`),
        (plan) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(String(plan.state)),
        120_000,
      );
      const actions = (await call('GET', `/v1/actions/detail?action_plan_uuid=${planUuid}&limit=100`))
        .actions as Json[];
      expect(finished.state, JSON.stringify(actions.filter((a) => a.state !== 'SUCCEEDED'))).toBe(
        'SUCCEEDED',
      );
      expect(actions).toHaveLength(ACTIONS);
      for (const action of actions) expect(['SUCCEEDED', 'SKIPPED']).toContain(action.state);

      // Nova's own records: each instance of the plan migrated exactly once more, and is off its source.
      for (const server of chosen) {
        expect(await migrationCount(server.uuid), server.uuid).toBe(migrationsBefore.get(server.uuid)! + 1);
        expect((await clients.compute.getServer(server.uuid))!.hostname).not.toBe(server.hostname);
      }

      // Two appliers again for the next run.
      await startSteward(victim, 'applier');
    },
    240_000,
  );

  /** Completed live migrations of an instance in the simulated Nova's os-migrations. */
  async function migrationCount(uuid: string): Promise<number> {
    const token = (await clients.session.token()) ?? '';
    const compute = await clients.session.endpoint('compute');
    const response = await fetch(`${compute}/os-migrations?instance_uuid=${uuid}`, {
      headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': 'compute 2.80' },
    });
    const { migrations } = (await response.json()) as { migrations: Json[] };
    return migrations.filter((migration) => migration.status === 'completed').length;
  }
});
