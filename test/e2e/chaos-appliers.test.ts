/**
 * Chaos on the machine's PostgreSQL and RabbitMQ with separate processes: the simulated cloud, an API, a decision
 * engine and two appliers, each its own `steward` process. In the middle of a 50-migration plan the applier running
 * it is killed with SIGKILL; the other, already running, takes the plan over within a few heartbeats and finishes
 * it. Checked against the simulated Nova's own records (os-migrations): every instance of the plan was migrated
 * exactly once (none twice, none lost), and the plan SUCCEEDED. Five runs, each bounded in time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rabbitmqReachable } from '../helpers/rabbitmq.js';
import { eventually } from '../helpers/server.js';
import {
  activeServers,
  completedMigrations,
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
const HEARTBEAT_SECONDS = 1;
const DOWN_SECONDS = 3;

describe.skipIf(!brokerUp)('an applier killed mid-plan, with separate processes', () => {
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
      env: {
        STEWARD_HEARTBEAT_INTERVAL_SECONDS: String(HEARTBEAT_SECONDS),
        STEWARD_SERVICE_DOWN_TIME_SECONDS: String(DOWN_SECONDS),
        STEWARD_LOG_LEVEL: 'warn',
        STEWARD_APPLIER_CONCURRENCY: '8',
      },
    });
    await set.start('chaos-api', 'api');
    await set.start('chaos-engine', 'decision-engine');
    await set.start('chaos-applier-a', 'applier');
    await set.start('chaos-applier-b', 'applier');
  });

  afterAll(async () => {
    await set?.stop();
  });

  it('shows every process in the services API', async () => {
    const { services } = (await set.call('GET', '/v1/services/detail')) as { services: Json[] };
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
      const chosen = (await activeServers(set)).slice(0, ACTIONS);
      expect(chosen).toHaveLength(ACTIONS);
      const migrationsBefore = new Map(
        await Promise.all(
          chosen.map(async (server) => [server.uuid, await completedMigrations(set, server.uuid)] as const),
        ),
      );
      const planUuid = await planLiveMigrations(set, chosen);
      await set.call('POST', `/v1/action_plans/${planUuid}/start`);

      // Kill the applier running it once a fifth of the actions are done.
      const running = await eventually(
        () => planProgress(set, planUuid),
        ({ plan, done }) => plan.state === 'ONGOING' && done >= ACTIONS / 5,
        60_000,
      );
      const victim = String(running.plan.hostname);
      const killed = set.processes.get(victim)!;
      killed.child.kill('SIGKILL');
      await killed.exited;
      set.processes.delete(victim);
      const killedAt = Date.now();

      const taken = await eventually(
        () => set.call('GET', `/v1/action_plans/${planUuid}`),
        (plan) => plan.hostname !== victim,
        30_000,
      );
      const takeoverSeconds = (Date.now() - killedAt) / 1000;
      // Silent for DOWN_SECONDS, then found on one of the next heartbeats.
      expect(takeoverSeconds).toBeLessThan(DOWN_SECONDS + 4 * HEARTBEAT_SECONDS);
      expect(set.processes.has(String(taken.hostname))).toBe(true);

      const { plan: finished, actions } = await planEnd(set, planUuid, 120_000);
      expect(finished.state, JSON.stringify(actions.filter((a) => a.state !== 'SUCCEEDED'))).toBe(
        'SUCCEEDED',
      );
      expect(actions).toHaveLength(ACTIONS);
      for (const action of actions) expect(['SUCCEEDED', 'SKIPPED']).toContain(action.state);

      // Nova's own records: each instance of the plan migrated exactly once more, and is off its source.
      for (const server of chosen) {
        expect(await completedMigrations(set, server.uuid), server.uuid).toBe(
          migrationsBefore.get(server.uuid)! + 1,
        );
        expect((await set.clients.compute.getServer(server.uuid))!.hostname).not.toBe(server.hostname);
      }

      // Two appliers again for the next run.
      await set.start(victim, 'applier');
    },
    240_000,
  );
});
