import { describe, expect, it } from 'vitest';
import { scenarioModel } from './load-scenario.js';
import { generateScenario } from './scenario-generator.js';
import { generateStorage, storageHostname } from './storage-generator.js';

const compute = scenarioModel(generateScenario({ hosts: 100, instances: 1000, seed: 42 }));

describe('storage generator', () => {
  it('gives the same storage for the same seed and another for another seed', () => {
    const a = generateStorage(compute, { hosts: 20, volumes: 200, seed: 7 });
    const b = generateStorage(compute, { hosts: 20, volumes: 200, seed: 7 });
    const c = generateStorage(compute, { hosts: 20, volumes: 200, seed: 8 });
    expect([...b.volumes()]).toEqual([...a.volumes()]);
    expect([...b.pools()]).toEqual([...a.pools()]);
    expect([...c.volumes()]).not.toEqual([...a.volumes()]);
  });

  it('has one backend per host with an ssd and an hdd pool, and every volume in a pool that serves its type', () => {
    const storage = generateStorage(compute, { hosts: 100, volumes: 1000 });
    expect(storage.nodeCount).toBe(100);
    expect(storage.poolCount).toBe(200);
    expect(storage.volumeCount).toBe(1000);
    expect(storage.poolsOf(storageHostname(7)).map((pool) => pool.name)).toEqual([
      'storage-00007@lvm#ssd',
      'storage-00007@lvm#hdd',
    ]);
    for (const volume of storage.volumes()) {
      const pool = storage.poolOf(volume)!;
      if (volume.volumeType !== null) expect(pool.volumeTypes).toEqual([volume.volumeType]);
    }
  });

  it('accounts each pool’s capacity from its volumes, skewed so that some pools pass 80 %', () => {
    const storage = generateStorage(compute, { hosts: 100, volumes: 1000 });
    const ratios: number[] = [];
    for (const pool of storage.pools()) {
      const used = storage.usedGb(pool.name);
      expect(pool.allocatedCapacityGb).toBe(used);
      expect(pool.freeCapacityGb).toBe(pool.totalCapacityGb - used);
      expect(pool.virtualFreeGb).toBe(pool.freeCapacityGb);
      expect(pool.totalVolumes).toBe(storage.volumesIn(pool.name).length);
      expect(used).toBeLessThanOrEqual(0.95 * pool.totalCapacityGb);
      ratios.push(used / pool.totalCapacityGb);
    }
    const over = ratios.filter((ratio) => ratio >= 0.8).length;
    expect(over).toBeGreaterThan(0);
    expect(over).toBeLessThan(ratios.length / 4);
  });

  it('attaches about 60 % of the volumes to instances of the compute cluster, the others detached', () => {
    const storage = generateStorage(compute, { hosts: 100, volumes: 1000 });
    const volumes = [...storage.volumes()];
    const attached = volumes.filter((volume) => volume.status === 'in-use');
    expect(attached.length / volumes.length).toBeGreaterThan(0.55);
    expect(attached.length / volumes.length).toBeLessThan(0.65);
    for (const volume of attached) {
      expect(volume.attachments).toHaveLength(1);
      expect(compute.getInstance(volume.attachments[0]!.serverId)).toBeDefined();
    }
    for (const volume of volumes.filter((one) => one.status === 'available')) {
      expect(volume.attachments).toEqual([]);
      expect(volume.bootable).toBe(false);
    }
    expect(attached.some((volume) => volume.bootable)).toBe(true);
  });
});
