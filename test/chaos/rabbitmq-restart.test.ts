/**
 * Chaos on the machine's PostgreSQL and RabbitMQ with separate processes: the simulated cloud, an API, a decision
 * engine and an applier, each its own `steward` process on a vhost of its own. In the middle of a 50-migration plan
 * the RabbitMQ application is restarted (`rabbitmqctl stop_app`, then `start_app`): every connection drops, the
 * exclusive notification queues die, and nothing listens for seconds. The plan still finishes SUCCEEDED; the
 * simulated Nova's own records (os-migrations) show every instance of the plan migrated exactly once; and the data
 * model, which the reconnection re-synced in full because the notifications of the outage are lost, shows every
 * instance on its new host. Five runs, each bounded in time.
 *
 * A restart disturbs every other user of the broker, so this file is in the `chaos` vitest project, which `npm test`
 * runs alone after the others. The broker is started again after each run, also when the run fails.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rabbitmqReachable, startBroker, stopBroker } from '../helpers/rabbitmq.js';
import { eventually } from '../helpers/server.js';
import {
  activeServers,
  planEnd,
  planLiveMigrations,
  planProgress,
  startProcessSet,
  type Json,
  type ProcessSet,
} from '../helpers/steward-processes.js';

const brokerUp = await rabbitmqReachable();
if (!brokerUp && process.env.CI === 'true') throw new Error('RabbitMQ is not listening on 127.0.0.1:5672');

const RUNS = 5;
const ACTIONS = 50;
/** How long the broker stays stopped, beyond the seconds rabbitmqctl itself takes to stop and start it. */
const HELD_DOWN_MS = 2_000;

describe.skipIf(!brokerUp)('RabbitMQ restarted mid-plan, with separate processes', () => {
  let set: ProcessSet;

  beforeAll(async () => {
    // Live migrations take memory / bandwidth of simulated time, four times faster than real time here.
    set = await startProcessSet({
      simulatorArgs: [
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
      ],
      env: { STEWARD_LOG_LEVEL: 'warn', STEWARD_APPLIER_CONCURRENCY: '8' },
    });
    await set.start('chaos-api', 'api');
    await set.start('chaos-engine', 'decision-engine');
    await set.start('chaos-applier', 'applier');
  });

  afterEach(async () => {
    // Whatever happened in the run, the broker runs again before anything else.
    await startBroker();
  });

  afterAll(async () => {
    await startBroker();
    await set?.stop();
  });

  it.each(Array.from({ length: RUNS }, (_, run) => [run + 1]))(
    'run %i: the plan finishes SUCCEEDED, each migration ran once in Nova, and the re-synced model shows every move',
    async () => {
      const chosen = (await activeServers(set)).slice(0, ACTIONS);
      expect(chosen).toHaveLength(ACTIONS);
      const migrationsBefore = new Map(
        await Promise.all(
          chosen.map(async (server) => [server.uuid, (await set.migrations(server.uuid)).length] as const),
        ),
      );
      const before = await stewardMetrics();
      const planUuid = await planLiveMigrations(set, chosen);
      await set.call('POST', `/v1/action_plans/${planUuid}/start`);

      // Restart the broker once a fifth of the actions are done.
      await eventually(
        () => planProgress(set, planUuid),
        ({ plan, done }) => plan.state === 'ONGOING' && done >= ACTIONS / 5,
        60_000,
      );
      try {
        await stopBroker();
        // The API reads PostgreSQL only: the plan is still running while the broker is down.
        const during = await planProgress(set, planUuid);
        expect(during.plan.state).toBe('ONGOING');
        expect(during.done).toBeLessThan(ACTIONS);
        expect(await rabbitmqReachable()).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, HELD_DOWN_MS));
      } finally {
        await startBroker();
      }

      const { plan, actions } = await planEnd(set, planUuid, 120_000);
      expect(plan.state, JSON.stringify(actions.filter((a) => a.state !== 'SUCCEEDED'))).toBe('SUCCEEDED');
      expect(actions).toHaveLength(ACTIONS);
      for (const action of actions) expect(action.state).toBe('SUCCEEDED');

      // Nova's own records: one more migration of each instance of the plan, completed; it is off its source.
      const hosts = new Map<string, string>();
      for (const server of chosen) {
        const migrations = await set.migrations(server.uuid);
        expect(migrations, server.uuid).toHaveLength(migrationsBefore.get(server.uuid)! + 1);
        expect(
          migrations.every((migration) => migration.status === 'completed'),
          server.uuid,
        ).toBe(true);
        const now = (await set.clients.compute.getServer(server.uuid))!;
        expect(now.hostname).not.toBe(server.hostname);
        hosts.set(server.uuid, now.hostname!);
      }

      // The API process's model: reconnected, re-synced in full, and showing every move.
      const model = await eventually(
        () => dataModelHosts(),
        (current) => [...hosts].every(([uuid, host]) => current.get(uuid) === host),
        30_000,
      );
      for (const [uuid, host] of hosts) expect(model.get(uuid), uuid).toBe(host);
      const after = await stewardMetrics();
      expect(after.reconnects).toBeGreaterThan(before.reconnects);
      expect(after.resyncs).toBeGreaterThan(before.resyncs);
    },
    300_000,
  );

  /** Instance → host, as GET /v1/data_model shows it. */
  async function dataModelHosts(): Promise<Map<string, string>> {
    const rows = (await set.call('GET', '/v1/data_model?data_model_type=compute')).context as Json[];
    return new Map(
      rows
        .filter((row) => typeof row.server_uuid === 'string')
        .map((row) => [String(row.server_uuid), String(row.node_hostname)]),
    );
  }

  /** The API process's bus reconnections and the compute model syncs they caused, from its /metrics. */
  async function stewardMetrics(): Promise<{ reconnects: number; resyncs: number }> {
    const text = await (await fetch(`${set.api}/metrics`)).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    return {
      reconnects: value(/^steward_bus_reconnects_total (\d+)/m),
      resyncs: value(/^steward_model_resyncs_total\{model="compute",cause="bus_reconnect"\} (\d+)/m),
    };
  }
});
