/**
 * A migrate action resumed after its applier died mid-migration (takeover re-runs check, then execute) against
 * the simulated Nova over HTTP: it waits for the migration Nova is already doing instead of starting a second one
 * (Nova's os-migrations show one), and a migration already finished is skipped, not repeated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/applier/actions/migrate.js';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createSimulatedCloud, type SimulatedCloud } from '../../src/simulator/index.js';
import { contextFor } from '../contracts/action.contract.js';

describe('a migrate action resumed after a takeover', () => {
  let clock: ManualClock;
  let cloud: SimulatedCloud;
  let clients: CloudClients;

  beforeAll(async () => {
    clock = new ManualClock();
    cloud = createSimulatedCloud({ clock, cluster: { hosts: 4, instances: 8, seed: 11 } });
    await cloud.listen({ host: '127.0.0.1', port: 0 });
    const c = cloud.credentials;
    clients = createCloudClients({
      auth: { authUrl: c.authUrl, username: c.username, password: c.password, projectName: c.projectName },
      clock,
    });
  });

  afterAll(async () => {
    await clients?.close();
    await cloud?.close();
  });

  /** Runs `work` while moving the simulated time on, as the real clock would. */
  async function drive<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const result = work.finally(() => (done = true));
    for (let i = 0; i < 600 && !done; i++) {
      await clock.advance(1000);
      await cloud.settle();
    }
    return result;
  }

  /** Nova's own migration records of the instance (os-migrations), running or finished. */
  const migrationsOf = (uuid: string) => cloud.state.migrations.filter((m) => m.instanceId === uuid).length;

  async function liveInstanceAndDestination() {
    const servers = await clients.compute.listServers({ allTenants: true });
    const server = servers.find(
      (candidate) => candidate.status === 'ACTIVE' && migrationsOf(candidate.uuid) === 0,
    )!;
    const hosts = (await clients.compute.listServices({ binary: 'nova-compute' })).map((s) => s.host);
    return { server, destination: hosts.find((host) => host !== server.hostname)! };
  }

  it('waits for the live migration Nova is already doing and does not start a second one', async () => {
    const { server, destination } = await liveInstanceAndDestination();
    const params = {
      migration_type: 'live' as const,
      source_node: server.hostname!,
      destination_node: destination,
      resource_id: server.uuid,
    };
    // The first applier started it, then died.
    await clients.compute.liveMigrate(server.uuid, { host: destination, blockMigration: 'auto' });
    expect((await clients.compute.getServer(server.uuid))!.status).toBe('MIGRATING');

    const ctx = contextFor(clock, { cloud: clients });
    expect(await migrate.check(ctx, params)).toEqual({ ok: true });
    await drive(migrate.execute(ctx, params));
    expect((await clients.compute.getServer(server.uuid))!.hostname).toBe(destination);
    expect(migrationsOf(server.uuid)).toBe(1);
  });

  it('skips a migration that finished before the takeover', async () => {
    const { server, destination } = await liveInstanceAndDestination();
    await clients.compute.liveMigrate(server.uuid, { host: destination, blockMigration: 'auto' });
    await drive(
      (async () => {
        while ((await clients.compute.getServer(server.uuid))!.status === 'MIGRATING')
          await clock.sleep(1000);
      })(),
    );
    const ctx = contextFor(clock, { cloud: clients });
    const check = await migrate.check(ctx, {
      migration_type: 'live',
      source_node: server.hostname!,
      destination_node: destination,
      resource_id: server.uuid,
    });
    expect(check.ok).toBe(false);
    expect(migrationsOf(server.uuid)).toBe(1);
  });
});
