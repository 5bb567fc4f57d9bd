/**
 * The whole loop on the embedded defaults: an audit plans migrations, the operator starts the plan, the applier
 * moves instances through the simulated Nova API with Steward's real clients, and the data model shows where they
 * went. A migration whose pre-condition no longer holds (its instance moved away after planning) is SKIPPED with
 * the reason; one whose destination was disabled after planning ends FAILED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

type Json = Record<string, unknown>;

describe('action plans executed against the embedded simulated cloud', () => {
  let server: TestServer;

  const api = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        'OpenStack-API-Version': 'infra-optim latest',
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const dataModel = async () =>
    (await api('GET', '/v1/data_model?data_model_type=compute')).body.context as Json[];

  /** Runs an actuator audit with these actions and returns its RECOMMENDED plan's uuid. */
  const planFor = async (actions: Json[]) => {
    const audit = await api('POST', '/v1/audits', {
      goal: 'unclassified',
      strategy: 'actuator',
      audit_type: 'ONESHOT',
      parameters: { actions },
    });
    expect(audit.status).toBe(201);
    const uuid = audit.body.uuid as string;
    const done = await eventually(
      () => api('GET', `/v1/audits/${uuid}`),
      (answer) => answer.body.state === 'SUCCEEDED' || answer.body.state === 'FAILED',
    );
    expect(done.body.state).toBe('SUCCEEDED');
    const plans = (await api('GET', `/v1/action_plans?audit_uuid=${uuid}`)).body.action_plans as Json[];
    return plans[0]!.uuid as string;
  };

  /** Starts the plan and waits for it to finish. */
  const runPlan = async (plan: string) => {
    expect((await api('POST', `/v1/action_plans/${plan}/start`)).status).toBe(200);
    const done = await eventually(
      () => api('GET', `/v1/action_plans/${plan}`),
      (answer) => ['SUCCEEDED', 'FAILED'].includes(answer.body.state as string),
      90_000,
    );
    const list = (await api('GET', `/v1/actions/detail?action_plan_uuid=${plan}`)).body.actions as Json[];
    return { plan: done.body, actions: list };
  };

  /** Steward's own clients on the embedded simulated cloud, to change the cloud behind a stored plan's back. */
  const cloudClients = (): CloudClients => {
    const c = server.steward.simulator!.credentials;
    return createCloudClients({
      auth: {
        authUrl: c.authUrl,
        username: c.username,
        password: c.password,
        projectName: c.projectName,
        userDomainName: c.userDomainName,
        projectDomainName: c.projectDomainName,
      },
    });
  };

  const settled = async (clients: CloudClients, uuid: string, host: string) =>
    eventually(
      () => clients.compute.getServer(uuid),
      (s) => s?.hostname === host && s.taskState === null && s.status === 'ACTIVE',
      60_000,
    );

  beforeAll(async () => {
    server = await startTestServer();
    await eventually(dataModel, (rows) => rows.length === 120);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('live-migrates an instance, skips one moved away after planning, and the plan SUCCEEDS', async () => {
    const rows = await dataModel();
    const [first, second] = rows.filter(
      (row) => row.server_state === 'active' && (row.server_memory as number) <= 4096,
    );
    const source = first!.node_hostname as string;
    const hosts = [...new Set(rows.map((row) => row.node_hostname as string))];
    const destination = hosts.find((host) => host !== source && host !== second!.node_hostname)!;
    const elsewhere = hosts.find(
      (host) => host !== source && host !== destination && host !== second!.node_hostname,
    )!;
    const plan = await planFor([
      {
        action_type: 'migrate',
        resource_id: first!.server_uuid,
        input_parameters: { migration_type: 'live', source_node: source, destination_node: destination },
      },
      {
        action_type: 'migrate',
        resource_id: second!.server_uuid,
        input_parameters: {
          migration_type: 'live',
          source_node: second!.node_hostname,
          destination_node: destination,
        },
      },
    ]);
    // Someone moves the second instance after the plan was made: its action no longer fits.
    const clients = cloudClients();
    await clients.compute.liveMigrate(second!.server_uuid as string, {
      host: elsewhere,
      blockMigration: 'auto',
    });
    await settled(clients, second!.server_uuid as string, elsewhere);
    await clients.close();

    const { plan: finished, actions } = await runPlan(plan);
    expect(finished.state).toBe('SUCCEEDED');
    expect(actions.map((action) => action.state).sort()).toEqual(['SKIPPED', 'SUCCEEDED']);
    const skipped = actions.find((action) => action.state === 'SKIPPED')!;
    expect(skipped.status_message).toMatch(
      new RegExp(`is on ${elsewhere}, not on ${second!.node_hostname as string}`),
    );
    expect(finished.status_message).toMatch(/skipped/i);
    const moved = await eventually(
      dataModel,
      (list) => list.find((row) => row.server_uuid === first!.server_uuid)?.node_hostname === destination,
      10_000,
    );
    expect(moved).toHaveLength(120);
  });

  it('ends the plan FAILED when its destination was disabled after planning, naming the reason', async () => {
    const rows = await dataModel();
    const row = rows.find((candidate) => candidate.server_state === 'active')!;
    const destination = rows.find((candidate) => candidate.node_hostname !== row.node_hostname)!
      .node_hostname as string;
    const plan = await planFor([
      {
        action_type: 'migrate',
        resource_id: row.server_uuid,
        input_parameters: {
          migration_type: 'live',
          source_node: row.node_hostname,
          destination_node: destination,
        },
      },
    ]);
    const clients = cloudClients();
    const [service] = await clients.compute.listServices({ binary: 'nova-compute', host: destination });
    await clients.compute.setServiceStatus(service!.id, { status: 'disabled', disabledReason: 'e2e' });
    try {
      const { plan: finished, actions } = await runPlan(plan);
      expect(finished.state).toBe('FAILED');
      expect(actions[0]!.state).toBe('FAILED');
      expect(actions[0]!.status_message).toBe(
        `Action failed in pre_condition: destination host ${destination} is disabled`,
      );
    } finally {
      await clients.compute.setServiceStatus(service!.id, { status: 'enabled' });
      await clients.close();
    }
  });
});
