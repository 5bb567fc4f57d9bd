import { describe, expect, it } from 'vitest';
import type { BlockStorageApi, StoragePoolInfo, StorageService, VolumeInfo } from '../cloud/ports.js';
import { collectStorageModel, toStorageNode, virtualFreeGb } from './cinder-sync.js';

const NOW = new Date('2026-03-01T12:00:00Z');

const service = (host: string, overrides: Partial<StorageService> = {}): StorageService => ({
  binary: 'cinder-volume',
  host,
  zone: 'nova',
  status: 'enabled',
  state: 'up',
  disabledReason: null,
  updatedAt: NOW,
  ...overrides,
});

const pool = (name: string, overrides: Partial<StoragePoolInfo> = {}): StoragePoolInfo => ({
  name,
  backendName: 'lvm',
  totalCapacityGb: 100,
  freeCapacityGb: 60,
  allocatedCapacityGb: 40,
  maxOverSubscriptionRatio: 1,
  provisionedCapacityGb: 40,
  reservedPercentage: 0,
  thinProvisioning: false,
  totalVolumes: null,
  volumeTypes: [],
  ...overrides,
});

const volume = (uuid: string, host: string | null, overrides: Partial<VolumeInfo> = {}): VolumeInfo => ({
  uuid,
  name: `vol-${uuid}`,
  sizeGb: 10,
  status: 'in-use',
  volumeType: 'lvmdriver-1',
  host,
  projectId: 'p1',
  bootable: false,
  attachments: [{ serverId: 'server-1', device: '/dev/vdb' }],
  migrationStatus: null,
  ...overrides,
});

/** The Cinder port as data: each list answers what the cloud holds; moves are not part of a sync. */
function cinderOf(cloud: {
  services: StorageService[];
  pools: StoragePoolInfo[];
  volumes: VolumeInfo[];
  types?: { id: string; name: string; backendName: string | null }[];
}): BlockStorageApi {
  const refuse = () => Promise.reject(new Error('a sync does not move volumes'));
  return {
    listServices: () => Promise.resolve(cloud.services),
    listPools: () => Promise.resolve(cloud.pools),
    listVolumes: () => Promise.resolve(cloud.volumes),
    getVolume: (uuid) => Promise.resolve(cloud.volumes.find((v) => v.uuid === uuid)),
    listVolumeTypes: () => Promise.resolve(cloud.types ?? []),
    migrateVolume: refuse,
    retypeVolume: refuse,
  };
}

describe('virtualFreeGb (Cinder calculate_virtual_free_capacity)', () => {
  it.each<[string, Partial<StoragePoolInfo>, number]>([
    ['a thick pool offers its free space', {}, 60],
    ['a thick pool keeps its reserve back', { reservedPercentage: 15 }, 45],
    [
      'a thin pool offers total × ratio less what is provisioned',
      { thinProvisioning: true, maxOverSubscriptionRatio: 20, provisionedCapacityGb: 500 },
      1500,
    ],
    [
      'a thin pool keeps its reserve back too',
      {
        thinProvisioning: true,
        maxOverSubscriptionRatio: 2,
        provisionedCapacityGb: 40,
        reservedPercentage: 10,
      },
      150,
    ],
    ['an unbounded pool is infinite', { totalCapacityGb: Infinity, reservedPercentage: 10 }, Infinity],
  ])('%s', (_name, overrides, expected) => {
    expect(virtualFreeGb(pool('c0@lvm#a', overrides))).toBe(expected);
  });
});

describe('toStorageNode', () => {
  it.each<[string, string, StoragePoolInfo[], string[]]>([
    ['types by the backend part of the host (upstream)', 'c0@lvm', [], ['lvm-a', 'lvm-b']],
    [
      'types by the volume_backend_name its pools report',
      'c0@backend-1',
      [pool('c0@backend-1#a', { backendName: 'ssd' })],
      ['ssd-a'],
    ],
    ['no types for a host without a backend part', 'legacy', [], []],
  ])('gives a backend its %s', (_name, host, pools, types) => {
    const node = toStorageNode({
      service: service(host),
      pools,
      volumeTypes: [
        { name: 'lvm-b', backendName: 'lvm' },
        { name: 'lvm-a', backendName: 'lvm' },
        { name: 'ssd-a', backendName: 'ssd' },
        { name: 'untyped', backendName: null },
      ],
      now: NOW,
    });
    expect(node.volumeType).toEqual(types);
  });
});

describe('collectStorageModel', () => {
  const cloud = {
    services: [
      service('c0@lvm', { zone: 'az1' }),
      service('c1@ssd', { status: 'disabled', state: 'down', disabledReason: 'maintenance' }),
      service('c0', { binary: 'cinder-scheduler' }),
    ],
    pools: [
      pool('c0@lvm#a', { totalVolumes: 7, volumeTypes: ['lvmdriver-1'] }),
      pool('c0@lvm#b'),
      pool('c1@ssd#c', { backendName: 'ssd', thinProvisioning: true, maxOverSubscriptionRatio: 20 }),
      pool('gone@nfs#d', { backendName: 'nfs' }),
    ],
    volumes: [
      volume('v1', 'c0@lvm#a'),
      volume('v2', 'c0@lvm#b', { sizeGb: 30, status: 'available', attachments: [] }),
      volume('v3', 'c0@lvm#b', { migrationStatus: 'migrating' }),
      volume('new', null, { status: 'creating', attachments: [] }),
      volume('orphan', 'gone@nfs#d'),
    ],
    types: [
      { id: 't1', name: 'lvmdriver-1', backendName: 'lvm' },
      { id: 't2', name: 'ssd', backendName: 'ssd' },
    ],
  };

  it('makes each cinder-volume service a backend, with its zone, status, state and types', async () => {
    const { model } = await collectStorageModel(cinderOf(cloud), { now: NOW });
    expect([...model.nodes()]).toEqual([
      {
        host: 'c0@lvm',
        zone: 'az1',
        status: 'enabled',
        state: 'up',
        disabledReason: null,
        volumeType: ['lvmdriver-1'],
        updatedAt: NOW,
      },
      {
        host: 'c1@ssd',
        zone: 'nova',
        status: 'disabled',
        state: 'down',
        disabledReason: 'maintenance',
        volumeType: ['ssd'],
        updatedAt: NOW,
      },
    ]);
  });

  it('reads pools with capacities in GB and counts volumes where the driver does not', async () => {
    const { model, skippedPools } = await collectStorageModel(cinderOf(cloud), { now: NOW });
    expect(model.getPool('c0@lvm#a')).toEqual({
      name: 'c0@lvm#a',
      totalCapacityGb: 100,
      freeCapacityGb: 60,
      allocatedCapacityGb: 40,
      provisionedCapacityGb: 40,
      virtualFreeGb: 60,
      maxOverSubscriptionRatio: 1,
      totalVolumes: 7,
      volumeTypes: ['lvmdriver-1'],
      updatedAt: NOW,
    });
    expect(model.getPool('c0@lvm#b')?.totalVolumes).toBe(2);
    expect(model.getPool('c1@ssd#c')?.virtualFreeGb).toBe(1960);
    expect(skippedPools).toEqual([
      { name: 'gone@nfs#d', reason: 'no cinder-volume service for backend gone@nfs' },
    ]);
  });

  it('places each volume in the pool Cinder names and keeps the unplaced ones', async () => {
    const { model, unplacedVolumes } = await collectStorageModel(cinderOf(cloud), { now: NOW });
    expect(model.volumesIn('c0@lvm#b').map((v) => v.uuid)).toEqual(['v2', 'v3']);
    expect(model.getVolume('v3')).toEqual({
      uuid: 'v3',
      name: 'vol-v3',
      sizeGb: 10,
      status: 'in-use',
      volumeType: 'lvmdriver-1',
      pool: 'c0@lvm#b',
      attachments: [{ serverId: 'server-1' }],
      projectId: 'p1',
      bootable: false,
      migrationStatus: 'migrating',
      updatedAt: NOW,
    });
    expect(model.volumeCount).toBe(5);
    expect(unplacedVolumes).toBe(2);
    expect(model.poolOf(model.getVolume('orphan')!)).toBeUndefined();
  });

  it('stops when the sync is aborted', async () => {
    const abort = new AbortController();
    abort.abort(new Error('stopping'));
    await expect(collectStorageModel(cinderOf(cloud), { signal: abort.signal })).rejects.toThrow('stopping');
  });
});
