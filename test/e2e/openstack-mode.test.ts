/**
 * Steward deployed as against a real cloud (`cloud.kind: openstack`): the cloud runs in another process
 * (`steward simulator`), Steward finds Nova, Placement and Prometheus through Keystone's catalog, and Nova's
 * notifications reach it over the machine's RabbitMQ. Nothing in Steward knows the cloud is simulated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import { createTempVhost, rabbitmqReachable, type TempVhost } from '../helpers/rabbitmq.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { startSimulator, type Running } from '../helpers/simulator-process.js';

const brokerUp = await rabbitmqReachable();
if (!brokerUp && process.env.CI === 'true') throw new Error('RabbitMQ is not listening on 127.0.0.1:5672');

type Row = Record<string, unknown>;

describe.skipIf(!brokerUp)(
  'Steward against a cloud in another process, through Keystone and RabbitMQ',
  () => {
    let vhost: TempVhost;
    let simulator: Running;
    let server: TestServer;
    let clients: CloudClients;

    const dataModel = async (): Promise<Row[]> => {
      const response = await fetch(`${server.url}/v1/data_model?data_model_type=compute`, {
        headers: { 'OpenStack-API-Version': 'infra-optim 1.6' },
      });
      return ((await response.json()) as { context: Row[] }).context;
    };

    beforeAll(async () => {
      vhost = await createTempVhost();
      simulator = await startSimulator([
        '--port',
        '0',
        '--hosts',
        '4',
        '--instances',
        '10',
        '--seed',
        '5',
        '--bus',
        vhost.url,
      ]);
      const {
        OS_AUTH_URL: authUrl,
        OS_USERNAME: username,
        OS_PASSWORD: password,
        OS_PROJECT_NAME: projectName,
      } = simulator.env;
      const prometheus = /Prometheus:\s+(\S+)/.exec(simulator.stdout())?.[1];
      server = await startTestServer({
        'cloud.kind': 'openstack',
        'cloud.keystone.authUrl': authUrl,
        'cloud.keystone.username': username,
        'cloud.keystone.password': password,
        'cloud.keystone.projectName': projectName,
        'bus.url': vhost.url,
        'datasource.url': prometheus,
      });
      clients = createCloudClients({
        auth: { authUrl: authUrl!, username: username!, password: password!, projectName: projectName! },
      });
      await eventually(dataModel, (rows) => rows.filter((row) => 'server_uuid' in row).length === 10, 30_000);
    });

    afterAll(async () => {
      await clients?.close();
      await server?.stop();
      simulator?.child.kill('SIGTERM');
      await simulator?.exited;
      await vhost?.drop();
    });

    it('builds its model from the other process and follows a live migration from RabbitMQ notifications', async () => {
      expect(server.steward.simulator).toBeUndefined();
      const rows = await dataModel();
      expect(new Set(rows.map((row) => row.node_hostname)).size).toBe(4);
      const row = rows.find(
        (candidate) => candidate.server_state === 'active' && (candidate.server_memory as number) <= 4096,
      )!;
      const destination = rows.find((candidate) => candidate.node_hostname !== row.node_hostname)!
        .node_hostname as string;
      await clients.compute.liveMigrate(row.server_uuid as string, {
        host: destination,
        blockMigration: 'auto',
      });
      await eventually(
        dataModel,
        (list) =>
          list.find((candidate) => candidate.server_uuid === row.server_uuid)?.node_hostname === destination,
        20_000,
      );
    });

    it('reports the datasource and the model in strategy state', async () => {
      const response = await fetch(`${server.url}/v1/strategies/dummy/state`);
      const state = (await response.json()) as Row[];
      const cdm = state.find((entry) => entry.type === 'CDM')!;
      expect(JSON.stringify(cdm.state)).toContain('"compute_model":"available"');
      await eventually(
        async () => {
          const again = (await (await fetch(`${server.url}/v1/strategies/dummy/state`)).json()) as Row[];
          return JSON.stringify(again.find((entry) => entry.type === 'CDM')!.state);
        },
        (text) => text.includes('"storage_model":"available"'),
        20_000,
      );
    });
  },
);
