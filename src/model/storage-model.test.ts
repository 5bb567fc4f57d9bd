import { describe, expect, it } from 'vitest';
import { storageModel } from '../../test/helpers/storage-model-builder.js';
import { backendOf } from './storage-model.js';

const model = () =>
  storageModel()
    .backend('c0@lvm')
    .backend('c1@ssd')
    .pool('c0@lvm#a', {
      allocatedCapacityGb: 30,
      provisionedCapacityGb: 30,
      freeCapacityGb: 970,
      totalVolumes: 2,
    })
    .pool('c0@lvm#b')
    .pool('c1@ssd#c')
    .volume('v1', 'c0@lvm#a', { sizeGb: 10 })
    .volume('v2', 'c0@lvm#a', { sizeGb: 20 })
    .volume('v3', 'c1@ssd#c')
    .volume('creating', null, { status: 'creating' })
    .build();

describe('StorageModel', () => {
  it.each([
    ['c0@lvm#a', 'c0@lvm'],
    ['host@backend#pool#odd', 'host@backend'],
    ['legacy@lvm', 'legacy@lvm'],
  ])('names the backend of pool %s as %s', (pool, backend) => {
    expect(backendOf(pool)).toBe(backend);
  });

  it('finds pools by backend, volumes by pool, and the backend and pool of each', () => {
    const m = model();
    expect([m.nodeCount, m.poolCount, m.volumeCount]).toEqual([2, 3, 4]);
    expect(m.poolsOf('c0@lvm').map((pool) => pool.name)).toEqual(['c0@lvm#a', 'c0@lvm#b']);
    expect(m.volumesIn('c0@lvm#a').map((v) => v.uuid)).toEqual(['v1', 'v2']);
    expect(m.volumesIn('nowhere')).toEqual([]);
    expect(m.nodeOf('c1@ssd#c')?.host).toBe('c1@ssd');
    expect(m.poolOf(m.getVolume('v3')!)?.name).toBe('c1@ssd#c');
    expect(m.poolOf(m.getVolume('creating')!)).toBeUndefined();
    expect(m.usedGb('c0@lvm#a')).toBe(30);
  });

  it('moves a volume between pools and moves its size in both pools’ capacities', () => {
    const m = model();
    m.moveVolume('v2', 'c0@lvm#b');
    expect(m.volumesIn('c0@lvm#a').map((v) => v.uuid)).toEqual(['v1']);
    expect(m.getVolume('v2')?.pool).toBe('c0@lvm#b');
    expect(m.getPool('c0@lvm#a')).toMatchObject({
      allocatedCapacityGb: 10,
      provisionedCapacityGb: 10,
      freeCapacityGb: 990,
      totalVolumes: 1,
    });
    expect(m.getPool('c0@lvm#b')).toMatchObject({
      allocatedCapacityGb: 20,
      freeCapacityGb: 980,
      virtualFreeGb: 980,
    });
  });

  it.each([
    ['an unknown volume', 'nope', 'c0@lvm#b', /volume nope/],
    ['an unknown pool', 'v1', 'c9@x#y', /pool c9@x#y/],
  ])('refuses to move %s', (_what, uuid, pool, message) => {
    expect(() => model().moveVolume(uuid, pool)).toThrow(message);
  });

  it('removes a backend with its pools and their volumes, and a pool with its volumes', () => {
    const m = model();
    m.removeNode('c0@lvm');
    expect([...m.pools()].map((pool) => pool.name)).toEqual(['c1@ssd#c']);
    expect([...m.volumes()].map((v) => v.uuid)).toEqual(['v3', 'creating']);
    m.removePool('c1@ssd#c');
    expect([...m.volumes()].map((v) => v.uuid)).toEqual(['creating']);
  });

  it('clones deeply: changes to the copy never reach the original', () => {
    const original = model();
    const copy = original.clone();
    copy.moveVolume('v1', 'c0@lvm#b');
    copy.getNode('c1@ssd')!.status = 'disabled';
    expect(original.getVolume('v1')?.pool).toBe('c0@lvm#a');
    expect(original.getPool('c0@lvm#b')?.allocatedCapacityGb).toBe(0);
    expect(original.getNode('c1@ssd')?.status).toBe('enabled');
    expect(copy.volumesIn('c0@lvm#b').map((v) => v.uuid)).toEqual(['v1']);
  });
});
