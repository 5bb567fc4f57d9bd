/**
 * The real `openstack optimize` client (python3-watcherclient) pointed at a Steward on a fresh embedded simulated
 * cloud, for the end-to-end strategy tests: run an auto-triggered audit to its plan's end, then read the cloud back
 * (Steward's data model, the simulator's Prometheus, its Nova and Cinder) to see what the plan did.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect } from 'vitest';
import type { CloudClients } from '../../src/cloud/openstack.js';
import type { MetricsSource } from '../../src/datasources/metrics-source.js';
import { createPrometheusSource } from '../../src/datasources/prometheus.js';
import type { Clock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/observability/logger.js';
import { actionPlans } from './action-plans.js';
import { eventually, startTestServer, type TestServer } from './server.js';

const run = promisify(execFile);
const OPENSTACK = '/usr/bin/openstack';

/** Whether python3-openstackclient is installed; CI must have it, so there its absence fails the run. */
export const hasOpenstackClient = existsSync(OPENSTACK);
if (!hasOpenstackClient && process.env.CI === 'true')
  throw new Error(`${OPENSTACK} is missing: install python3-openstackclient and python3-watcherclient`);

export type Row = Record<string, unknown>;

/** A finished auto-triggered audit as the client shows it: the audit, its plan and the plan's actions (detailed). */
export interface OptimizeRun {
  audit: Row;
  plan: Row;
  actions: Row[];
}

/**
 * Starts Steward on a fresh simulated cloud (configured by `overrides`) before the suite and stops it after; returns
 * the client and readers of the cloud. `clock` replaces the system clock for Steward and its cloud alike.
 */
export function useOptimizeClient(overrides: Record<string, unknown>, options: { clock?: Clock } = {}) {
  let server: TestServer | undefined;
  let prometheus: MetricsSource | undefined;
  let clients: CloudClients | undefined;
  const current = (): TestServer => {
    if (!server) throw new Error('Steward has not started (use the helpers inside tests)');
    return server;
  };
  beforeAll(async () => {
    server = await startTestServer(overrides, options);
    prometheus = createPrometheusSource({
      baseUrl: server.steward.simulator!.urls.prometheus,
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await server?.stop();
    server = undefined;
    clients = undefined;
  });

  /** `openstack optimize <args> -f json`, parsed. */
  const optimize = async <T = Row>(...args: string[]): Promise<T> => {
    const { stdout } = await run(
      OPENSTACK,
      ['--os-auth-type', 'none', '--os-endpoint', current().url, 'optimize', ...args, '-f', 'json'],
      { env: { ...process.env, OS_CLOUD: '', PYTHONWARNINGS: 'ignore' }, timeout: 60_000 },
    );
    return JSON.parse(stdout) as T;
  };

  /** Steward's API, for the waits: polling it costs a request, polling through the client a Python start-up. */
  const api = async (path: string): Promise<Row> => {
    const response = await fetch(`${current().url}${path}`, {
      headers: { 'OpenStack-API-Version': 'infra-optim latest' },
    });
    return (await response.json()) as Row;
  };

  /**
   * Creates an auto-triggered audit with the client, waits for its plan to finish, and reads the audit, the plan and
   * its actions back with the client.
   */
  const optimise = async (goal: string, strategy: string, ...parameters: string[]): Promise<OptimizeRun> => {
    const created = await optimize(
      'audit',
      'create',
      '-g',
      goal,
      '-s',
      strategy,
      '--auto-trigger',
      ...parameters,
    );
    const audit = String(created.UUID);
    const ran = await eventually(
      () => api(`/v1/audits/${audit}`),
      (shown) => ['SUCCEEDED', 'FAILED', 'CANCELLED', 'SUSPENDED'].includes(String(shown.state)),
      120_000,
    );
    expect(ran.state, `audit ${audit} of ${strategy}`).toBe('SUCCEEDED');
    const [plan] = await eventually(
      async () => (await api(`/v1/action_plans?audit_uuid=${audit}`)).action_plans as Row[],
      (plans) => plans.length > 0,
    );
    const uuid = String(plan!.uuid);
    await eventually(
      () => api(`/v1/action_plans/${uuid}`),
      (shown) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(String(shown.state)),
      240_000,
    );
    return {
      audit: await optimize('audit', 'show', audit),
      plan: await optimize('actionplan', 'show', uuid),
      actions: await optimize<Row[]>('action', 'list', '--action-plan', uuid, '--detail'),
    };
  };

  /** The rows of Steward's compute data model (`GET /v1/data_model`): one per instance, or per empty host. */
  const dataModel = async (): Promise<Row[]> => {
    const response = await fetch(`${current().url}/v1/data_model/?data_model_type=compute`, {
      headers: { 'OpenStack-API-Version': 'infra-optim 1.3' },
    });
    return ((await response.json()) as { context: Row[] }).context;
  };

  return {
    server: current,
    optimize,
    optimise,
    dataModel,
    /** The simulated cloud's Prometheus, read with Steward's own datasource. */
    prometheus: (): MetricsSource => prometheus!,
    /** Steward's clients on the simulated cloud's Nova, Cinder, Placement…, through its Keystone. */
    cloud: (): CloudClients => (clients ??= actionPlans(current).cloudClients()),
  };
}

/** Where a plan's migrations send each resource (`resource_id` → `destination_node`). */
export const destinations = (actions: readonly Row[]): Map<string, string> =>
  new Map(
    actions.map((action) => {
      const parameters = action.Parameters as Record<string, string>;
      return [parameters.resource_id!, parameters.destination_node!] as const;
    }),
  );

/** Every action of a finished plan, in one line for a failing assertion's message. */
export const describeActions = (actions: readonly Row[]): string =>
  actions.map((action) => `${String(action.Action)} ${String(action.State)}`).join(', ');
