/**
 * The strategies that move volumes end to end, driven by the real python-watcherclient, each on a fresh embedded
 * simulated cloud (6 hosts, 24 instances; two LVM pools of 2,000 GB and two SSD pools of 1,000 GB holding a volume for
 * every third instance): the audit succeeds, its plan runs to SUCCEEDED with every action SUCCEEDED, and the
 * simulator's own Nova and Cinder, read afterwards, show what the goal asks — the listed compute nodes and pools
 * emptied into their destinations (zone_migration), every pool used under the threshold (storage_capacity_balance).
 */
import { describe, expect, it } from 'vitest';
import type { StoragePoolInfo } from '../../src/cloud/ports.js';
import { describeActions, hasOpenstackClient, useOptimizeClient } from '../helpers/openstack-optimize.js';

const SMALL_CLOUD = {
  'cloud.simulator.hosts': 6,
  'cloud.simulator.instances': 24,
  'cloud.simulator.loadPattern': 'flat',
  'cloud.simulator.migrationBandwidthMbPerS': 1_048_576,
};

const POOL_A = 'cinder-volume-0@lvm#pool-a';
const POOL_B = 'cinder-volume-0@lvm#pool-b';

/** A pool's use as upstream reads it: total less free, as a fraction of the total. */
const usedFraction = (pool: StoragePoolInfo): number =>
  (pool.totalCapacityGb - pool.freeCapacityGb) / pool.totalCapacityGb;

describe.skipIf(!hasOpenstackClient)(
  'zone_migration through openstack optimize',
  { timeout: 300_000 },
  () => {
    const client = useOptimizeClient(SMALL_CLOUD);

    it('empties the listed compute nodes and storage pool into their destinations', async () => {
      const pairs = [
        { src_node: 'compute-00000', dst_node: 'compute-00004' },
        { src_node: 'compute-00001', dst_node: 'compute-00005' },
      ];
      const { compute } = client.cloud();
      const blockStorage = client.cloud().blockStorage!;
      const serversOn = async (host: string) =>
        (await compute.listServers({ host, allTenants: true })).map((server) => server.uuid).sort();
      const leaving = new Map(
        await Promise.all(pairs.map(async (p) => [p.src_node, await serversOn(p.src_node)] as const)),
      );
      const staying = new Map(
        await Promise.all(pairs.map(async (p) => [p.dst_node, await serversOn(p.dst_node)] as const)),
      );
      for (const servers of leaving.values()) expect(servers.length).toBeGreaterThan(0);
      const volumesBefore = await blockStorage.listVolumes();
      const poolA = volumesBefore.filter((volume) => volume.host === POOL_A).map((volume) => volume.uuid);
      expect(poolA.length).toBeGreaterThan(0);

      const { audit, plan, actions } = await client.optimise(
        'hardware_maintenance',
        'zone_migration',
        '-p',
        `compute_nodes=${JSON.stringify(pairs)}`,
        '-p',
        `storage_pools=${JSON.stringify([{ src_pool: POOL_A, dst_pool: POOL_B }])}`,
      );
      expect(audit.State).toBe('SUCCEEDED');
      expect(plan.State, describeActions(actions)).toBe('SUCCEEDED');
      expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
      const moved = [...leaving.values()].flat().length;
      expect(actions.filter((action) => action.Action === 'migrate')).toHaveLength(moved);
      expect(actions.filter((action) => action.Action === 'volume_migrate')).toHaveLength(poolA.length);

      // Nova: each source node is empty, its servers on its destination beside the ones already there.
      for (const { src_node, dst_node } of pairs) {
        expect(await serversOn(src_node)).toEqual([]);
        expect(await serversOn(dst_node)).toEqual(
          [...leaving.get(src_node)!, ...staying.get(dst_node)!].sort(),
        );
      }
      // Cinder: the source pool holds nothing, its volumes are in the destination pool, migrated.
      const volumesAfter = await blockStorage.listVolumes();
      expect(volumesAfter.filter((volume) => volume.host === POOL_A)).toEqual([]);
      for (const uuid of poolA)
        expect(volumesAfter.find((volume) => volume.uuid === uuid)).toMatchObject({
          host: POOL_B,
          migrationStatus: 'success',
        });
      const pools = await blockStorage.listPools();
      expect(pools.find((pool) => pool.name === POOL_A)?.allocatedCapacityGb).toBe(0);
    });
  },
);

describe.skipIf(!hasOpenstackClient)(
  'storage_capacity_balance through openstack optimize',
  { timeout: 300_000 },
  () => {
    const client = useOptimizeClient(SMALL_CLOUD);

    it('moves volumes out of the pools used over volume_threshold until every pool is under it', async () => {
      // The simulated pools are large for 8 volumes (3–18 % used): a threshold of 15 % leaves one SSD pool over it,
      // and its sibling room for what it must shed.
      const threshold = 15;
      const blockStorage = client.cloud().blockStorage!;
      const before = await blockStorage.listPools();
      expect(before.filter((pool) => usedFraction(pool) >= threshold / 100).length).toBeGreaterThan(0);
      const volumeCount = (await blockStorage.listVolumes()).length;

      const { audit, plan, actions } = await client.optimise(
        'workload_balancing',
        'storage_capacity_balance',
        '-p',
        `volume_threshold=${threshold}`,
      );
      expect(audit.State).toBe('SUCCEEDED');
      expect(plan.State, describeActions(actions)).toBe('SUCCEEDED');
      expect(actions.length).toBeGreaterThan(0);
      expect(
        actions.every((action) => action.Action === 'volume_migrate' && action.State === 'SUCCEEDED'),
      ).toBe(true);

      const after = await blockStorage.listPools();
      for (const pool of after) expect(usedFraction(pool), pool.name).toBeLessThan(threshold / 100);
      expect((await blockStorage.listVolumes()).length).toBe(volumeCount);
    });
  },
);
