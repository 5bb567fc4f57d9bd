/**
 * The storage model end to end: the simulated cloud's Cinder over HTTP through Keystone, Steward's real clients and
 * full sync (`collectStorageModel`), and the live provider on a manual clock. Pools, volumes and types appear with
 * Cinder's capacities; a volume migration done through the simulated Cinder API shows in the model after a refresh;
 * a retype with migration shows in a provider fed by the simulator's Cinder notifications, without a sync; the
 * audit scope's storage rules filter what the provider hands out.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESTINATIONS } from '../../src/bus/bus.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import type { BlockStorageApi } from '../../src/cloud/ports.js';
import { collectStorageModel } from '../../src/collectors/cinder-sync.js';
import {
  createStorageModelProvider,
  type LiveStorageModelProvider,
} from '../../src/collectors/storage-model-provider.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createSimulatedCloud, type SimulatedCloud } from '../../src/simulator/index.js';

const INTERVAL_MS = 3_600_000;

let clock: ManualClock;
let cloud: SimulatedCloud;
let clients: CloudClients;
let cinder: BlockStorageApi;
let provider: LiveStorageModelProvider;
let bus: InProcessBus;

beforeAll(async () => {
  clock = new ManualClock('2026-01-01T00:00:00Z');
  bus = new InProcessBus({ logger: silentLogger });
  cloud = createSimulatedCloud({ clock, bus, cluster: { hosts: 4, instances: 24, seed: 3 } });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  const c = cloud.credentials;
  clients = createCloudClients({
    auth: {
      authUrl: c.authUrl,
      username: c.username,
      password: c.password,
      projectName: c.projectName,
      userDomainName: c.userDomainName,
      projectDomainName: c.projectDomainName,
    },
    clock,
    timeoutMs: 5_000,
    retries: 1,
    backoffMs: 1,
  });
  if (!clients.blockStorage) throw new Error('Cinder should be offered with Keystone');
  cinder = clients.blockStorage;
  const blockStorage = cinder;
  provider = createStorageModelProvider({
    collect: async (signal) =>
      (await collectStorageModel(blockStorage, { now: clock.now(), ...(signal && { signal }) })).model,
    clock,
    logger: silentLogger,
    syncIntervalMs: INTERVAL_MS,
  });
  void provider.start();
});

afterAll(async () => {
  await provider.stop();
  await clients.close();
  await cloud.close();
  await bus.close();
});

describe('the storage model from the simulated Cinder', () => {
  it('has every backend, pool and volume, with Cinder’s capacities in GB and the types that land on them', async () => {
    const { model, skippedPools, unplacedVolumes } = await collectStorageModel(cinder, { now: clock.now() });
    expect(skippedPools).toEqual([]);
    expect(unplacedVolumes).toBe(0);
    expect([...model.nodes()].map((node) => [node.host, node.zone, node.state, node.volumeType])).toEqual([
      ['cinder-volume-0@lvm', 'nova', 'up', ['lvmdriver-1']],
      ['cinder-volume-1@ssd', 'nova', 'up', ['ssd']],
    ]);
    expect([...model.pools()].map((pool) => pool.name).sort()).toEqual(
      cloud.state.pools.map((p) => p.name).sort(),
    );
    for (const simPool of cloud.state.pools) {
      const inPool = cloud.state.volumes.filter((v) => v.pool === simPool.name);
      const allocated = inPool.reduce((sum, v) => sum + v.sizeGb, 0);
      expect(model.getPool(simPool.name)).toMatchObject({
        totalCapacityGb: simPool.totalGb,
        allocatedCapacityGb: allocated,
        freeCapacityGb: simPool.totalGb - allocated,
        provisionedCapacityGb: allocated,
        maxOverSubscriptionRatio: 20,
        // Thin: total × 20 − provisioned, no reserve.
        virtualFreeGb: simPool.totalGb * 20 - allocated,
        totalVolumes: inPool.length,
        volumeTypes: [simPool.type],
      });
      expect(model.usedGb(simPool.name)).toBe(allocated);
    }
    expect(model.volumeCount).toBe(cloud.state.volumes.length);
    const simVolume = cloud.state.volumes[0]!;
    expect(model.getVolume(simVolume.id)).toMatchObject({
      sizeGb: simVolume.sizeGb,
      pool: simVolume.pool,
      volumeType: simVolume.type,
      projectId: simVolume.projectId,
      status: 'in-use',
      attachments: [{ serverId: simVolume.attachedTo }],
      createdAt: new Date(simVolume.created),
    });
  });

  it('shows a volume migrated through the Cinder API in its new pool after a refresh', async () => {
    const before = await provider.getStorageModel();
    const volume = [...before.volumes()].find((v) => v.pool === 'cinder-volume-0@lvm#pool-a')!;
    const target = 'cinder-volume-0@lvm#pool-b';
    const targetUsed = before.usedGb(target);
    await cinder.migrateVolume(volume.uuid, target);
    await clock.advance(30 * 60_000);
    await cloud.settle();
    // The live model changes only by syncs: it still has the volume where it was.
    expect((await provider.getStorageModel()).getVolume(volume.uuid)?.pool).toBe(
      'cinder-volume-0@lvm#pool-a',
    );
    const after = await provider.getStorageModel({ forceRefresh: true });
    expect(after.getVolume(volume.uuid)).toMatchObject({ pool: target, migrationStatus: 'success' });
    expect(after.getPool(target)?.allocatedCapacityGb).toBe(targetUsed + volume.sizeGb);
    expect(after.volumesIn('cinder-volume-0@lvm#pool-a').map((v) => v.uuid)).not.toContain(volume.uuid);
    expect(provider.lastSyncedAt).toEqual(clock.now());
  });

  it('shows a volume retyped with migration in its new pool and type from Cinder’s notifications, without a sync', async () => {
    const live = createStorageModelProvider({
      collect: async (signal) =>
        (await collectStorageModel(cinder, { now: clock.now(), ...(signal && { signal }) })).model,
      bus,
      clock,
      logger: silentLogger,
      syncIntervalMs: INTERVAL_MS,
    });
    const messages: { event_type: string; publisher_id: string; payload: Record<string, unknown> }[] = [];
    let allReceived = () => {};
    const received = new Promise<void>((resolve) => (allReceived = resolve));
    // Subscribed after the provider: one more turn of immediates after the last message reaches us, it has them too.
    await live.start();
    const capture = await bus.subscribe(DESTINATIONS.cinderNotifications, (body) => {
      messages.push(
        JSON.parse((body as Record<string, string>)['oslo.message']!) as (typeof messages)[number],
      );
      if (messages.length === 3) allReceived();
      return Promise.resolve();
    });
    try {
      const before = await live.getStorageModel();
      const syncedAt = live.lastSyncedAt;
      const volume = [...before.volumes()].find((v) => v.pool === 'cinder-volume-0@lvm#pool-a')!;
      const target = 'cinder-volume-1@ssd#pool-c';
      await cinder.retypeVolume(volume.uuid, 'ssd', 'on-demand');
      await clock.advance(30 * 60_000);
      await cloud.settle();
      await received;
      await new Promise((resolve) => setImmediate(resolve));

      expect(messages.map((m) => [m.event_type, m.publisher_id])).toEqual([
        ['volume.retype', 'volume.cinder-volume-0@lvm'],
        ['capacity.pool', 'capacity.cinder-volume-0'],
        ['capacity.pool', 'capacity.cinder-volume-0'],
      ]);
      const fixtureKeys = (file: string) =>
        Object.keys(
          (
            JSON.parse(readFileSync(`test/fixtures/cinder-notifications/${file}`, 'utf8')) as {
              payload: object;
            }
          ).payload,
        ).sort();
      expect(Object.keys(messages[0]!.payload).sort()).toEqual(fixtureKeys('volume-retype.json'));
      expect(Object.keys(messages[1]!.payload).sort()).toEqual(fixtureKeys('capacity-pool.json'));

      const after = await live.getStorageModel();
      expect(live.lastSyncedAt).toEqual(syncedAt);
      expect(after.getVolume(volume.uuid)).toMatchObject({ pool: target, volumeType: 'ssd' });
      expect(after.volumesIn('cinder-volume-0@lvm#pool-a').map((v) => v.uuid)).not.toContain(volume.uuid);
      // The capacity reports agree with the model the retype event left, so they were taken, not a reason to sync.
      const pools = (await cinder.listPools()).filter((p) =>
        ['cinder-volume-0@lvm#pool-a', target].includes(p.name),
      );
      expect(pools).toHaveLength(2);
      for (const pool of pools)
        expect(after.getPool(pool.name)).toMatchObject({
          allocatedCapacityGb: pool.allocatedCapacityGb,
          freeCapacityGb: pool.freeCapacityGb,
          updatedAt: clock.now(),
        });
    } finally {
      await capture.close();
      await live.stop();
    }
  });

  it('filters by the audit scope’s storage rules', async () => {
    const byType = await provider.getStorageModel({
      scope: [{ storage: [{ volume_types: [{ name: 'ssd' }] }] }],
    });
    expect([...byType.nodes()].map((node) => node.host)).toEqual(['cinder-volume-1@ssd']);
    expect([...byType.pools()].map((pool) => pool.name).sort()).toEqual([
      'cinder-volume-1@ssd#pool-c',
      'cinder-volume-1@ssd#pool-d',
    ]);
    expect([...byType.volumes()].every((v) => v.pool?.startsWith('cinder-volume-1@ssd#'))).toBe(true);

    const whole = await provider.getStorageModel();
    const project = [...whole.volumes()][0]!.projectId;
    const withoutPool = await provider.getStorageModel({
      scope: [
        {
          storage: [
            { availability_zones: [{ name: 'nova' }] },
            {
              exclude: [
                { storage_pools: [{ name: 'cinder-volume-0@lvm#pool-a' }] },
                { projects: [{ uuid: project }] },
              ],
            },
          ],
        },
      ],
    });
    expect(withoutPool.getPool('cinder-volume-0@lvm#pool-a')).toBeUndefined();
    expect(withoutPool.nodeCount).toBe(2);
    expect([...withoutPool.volumes()].some((v) => v.projectId === project)).toBe(false);
    expect(withoutPool.volumeCount).toBe(
      [...whole.volumes()].filter((v) => v.projectId !== project && v.pool !== 'cinder-volume-0@lvm#pool-a')
        .length,
    );
  });
});

describe('a cloud without Cinder in its catalog', () => {
  it('has an empty storage model, said as such, and no failing sync', async () => {
    const bare = createSimulatedCloud({
      clock: new ManualClock(),
      cluster: { hosts: 2, instances: 4, seed: 1 },
      catalogOmits: ['volumev3'],
    });
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const c = bare.credentials;
    const noCinder = createCloudClients({
      auth: { authUrl: c.authUrl, username: c.username, password: c.password, projectName: c.projectName },
    });
    try {
      const result = await collectStorageModel(noCinder.blockStorage!);
      expect(result.model.poolCount).toBe(0);
      expect(result.model.volumeCount).toBe(0);
      expect(result.cinderMissing).toMatch(/catalog has no block-storage or volumev3 or volume endpoint/);
      // Compute is unaffected.
      expect((await noCinder.compute.listHypervisors()).length).toBe(2);
    } finally {
      await noCinder.close();
      await bare.close();
    }
  });
});
