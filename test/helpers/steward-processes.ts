/**
 * Steward as separate processes for chaos tests, as scripts/processes.sh runs it: the simulated cloud in a process of
 * its own (notifying over RabbitMQ, reached through its Keystone like a real cloud), and `steward serve --roles …`
 * processes on a database and a vhost of this set's own. Plans are driven through the API and checked against the
 * simulated Nova's own records.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import type { Server } from '../../src/cloud/ports.js';
import { createTempDatabase, type TempDatabase } from './postgres.js';
import { createTempVhost, type TempVhost } from './rabbitmq.js';
import { eventually } from './server.js';
import { startSimulator, type Running } from './simulator-process.js';

export type Json = Record<string, unknown>;

export interface StewardProcess {
  name: string;
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

export interface ProcessSet {
  /** The API process's base URL, once a process with the `api` role runs. */
  readonly api: string;
  readonly clients: CloudClients;
  readonly simulator: Running;
  readonly processes: Map<string, StewardProcess>;
  /** Starts `steward serve --roles <roles>` named `name` (STEWARD_HOST) and waits for its banner. */
  start(name: string, roles: string): Promise<StewardProcess>;
  /** Calls the API with the latest microversion; a 4xx or 5xx throws with the body. */
  call(method: string, path: string, body?: unknown): Promise<Json>;
  /** The simulated Nova's os-migrations of one instance. */
  migrations(instanceUuid: string): Promise<Json[]>;
  /** Stops every process (SIGTERM) and drops the database and the vhost. */
  stop(): Promise<void>;
}

export interface ProcessSetOptions {
  /** `steward simulator` arguments besides `--port 0` and `--bus`. */
  simulatorArgs: string[];
  /** Environment of every Steward process besides the database, bus, cloud and API port. */
  env: Record<string, string>;
}

export async function startProcessSet(options: ProcessSetOptions): Promise<ProcessSet> {
  const database: TempDatabase = await createTempDatabase();
  const vhost: TempVhost = await createTempVhost();
  const simulator = await startSimulator(['--port', '0', ...options.simulatorArgs, '--bus', vhost.url]);
  const os = simulator.env;
  const env: Record<string, string> = {
    STEWARD_DATABASE_URL: database.connectionString,
    STEWARD_BUS_URL: vhost.url,
    STEWARD_CLOUD: 'openstack',
    OS_AUTH_URL: os.OS_AUTH_URL!,
    OS_USERNAME: os.OS_USERNAME!,
    STEWARD_OS_PASSWORD: os.OS_PASSWORD!,
    OS_PROJECT_NAME: os.OS_PROJECT_NAME!,
    STEWARD_PROMETHEUS_URL: /Prometheus:\s+(\S+)/.exec(simulator.stdout())![1]!,
    STEWARD_API_PORT: '0',
    ...options.env,
  };
  const clients = createCloudClients({
    auth: {
      authUrl: os.OS_AUTH_URL!,
      username: os.OS_USERNAME!,
      password: os.OS_PASSWORD!,
      projectName: os.OS_PROJECT_NAME!,
    },
  });
  const processes = new Map<string, StewardProcess>();
  let api: string | undefined;

  async function start(name: string, roles: string): Promise<StewardProcess> {
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
    api ??= /API \(Watcher v1\):\s+(\S+?)\/?\s/.exec(output)?.[1];
    return started;
  }

  async function call(method: string, path: string, body?: unknown): Promise<Json> {
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
  }

  async function migrations(instanceUuid: string): Promise<Json[]> {
    const token = (await clients.session.token()) ?? '';
    const compute = await clients.session.endpoint('compute');
    const response = await fetch(`${compute}/os-migrations?instance_uuid=${instanceUuid}`, {
      headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': 'compute 2.80' },
    });
    return ((await response.json()) as { migrations: Json[] }).migrations;
  }

  return {
    get api() {
      if (api === undefined) throw new Error('no API process has started');
      return api;
    },
    clients,
    simulator,
    processes,
    start,
    call,
    migrations,
    async stop() {
      for (const running of processes.values()) {
        running.child.kill('SIGTERM');
        await running.exited;
      }
      await clients.close();
      simulator.child.kill('SIGTERM');
      await simulator.exited;
      await vhost.drop();
      await database.drop();
    },
  };
}

/** The servers Nova shows ACTIVE on a host, in Nova's order. */
export async function activeServers(set: ProcessSet): Promise<Server[]> {
  return (await set.clients.compute.listServers({ allTenants: true })).filter(
    (server) => server.status === 'ACTIVE' && server.hostname !== null,
  );
}

/** Completed migrations of an instance in the simulated Nova's os-migrations. */
export async function completedMigrations(set: ProcessSet, instanceUuid: string): Promise<number> {
  return (await set.migrations(instanceUuid)).filter((migration) => migration.status === 'completed').length;
}

/**
 * Plans live migrations of `servers` off their hosts through an actuator audit and returns the RECOMMENDED plan's
 * uuid (not started).
 */
export async function planLiveMigrations(set: ProcessSet, servers: readonly Server[]): Promise<string> {
  const audit = await set.call('POST', '/v1/audits', {
    goal: 'unclassified',
    strategy: 'actuator',
    audit_type: 'ONESHOT',
    parameters: {
      actions: servers.map((server) => ({
        action_type: 'migrate',
        resource_id: server.uuid,
        input_parameters: { migration_type: 'live', source_node: server.hostname },
      })),
    },
  });
  const planned = await eventually(
    async () => (await set.call('GET', `/v1/audits/${String(audit.uuid)}`)).state,
    (state) => state === 'SUCCEEDED' || state === 'FAILED',
  );
  if (planned !== 'SUCCEEDED') throw new Error(`the audit ended ${String(planned)}`);
  const plans = (await set.call('GET', `/v1/action_plans?audit_uuid=${String(audit.uuid)}`))
    .action_plans as Json[];
  return String(plans[0]!.uuid);
}

/** The plan and how many of its actions SUCCEEDED. */
export async function planProgress(set: ProcessSet, planUuid: string): Promise<{ plan: Json; done: number }> {
  const plan = await set.call('GET', `/v1/action_plans/${planUuid}`);
  const actions = (await set.call('GET', `/v1/actions?action_plan_uuid=${planUuid}&limit=1000`))
    .actions as Json[];
  return { plan, done: actions.filter((action) => action.state === 'SUCCEEDED').length };
}

/** Waits for the plan to end (SUCCEEDED, FAILED or CANCELLED) and returns it with its actions in detail. */
export async function planEnd(
  set: ProcessSet,
  planUuid: string,
  timeoutMs: number,
): Promise<{ plan: Json; actions: Json[] }> {
  const plan = await eventually(
    () => set.call('GET', `/v1/action_plans/${planUuid}`),
    (current) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(String(current.state)),
    timeoutMs,
  );
  const actions = (await set.call('GET', `/v1/actions/detail?action_plan_uuid=${planUuid}&limit=1000`))
    .actions as Json[];
  return { plan, actions };
}
