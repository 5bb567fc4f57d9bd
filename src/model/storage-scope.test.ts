import { describe, expect, it } from 'vitest';
import { storageModel } from '../../test/helpers/storage-model-builder.js';
import { ScopeError } from './scope.js';
import { scopeStorageModel } from './storage-scope.js';

/** c0@lvm in az1 (type lvm), c1@ssd in az2 (types ssd and gold), c2@ceph in az2 (type ceph). */
const model = storageModel()
  .backend('c0@lvm', { zone: 'az1', volumeType: ['lvm'] })
  .backend('c1@ssd', { zone: 'az2', volumeType: ['ssd', 'gold'] })
  .backend('c2@ceph', { zone: 'az2', volumeType: ['ceph'] })
  .pool('c0@lvm#a')
  .pool('c0@lvm#b')
  .pool('c1@ssd#c')
  .pool('c2@ceph#d')
  .pool('orphan@nfs#e')
  .volume('v1', 'c0@lvm#a', { projectId: 'p1' })
  .volume('v2', 'c0@lvm#b', { projectId: 'p2' })
  .volume('v3', 'c1@ssd#c', { projectId: 'p1' })
  .volume('v4', 'c2@ceph#d', { projectId: 'p2' })
  .volume('unscheduled', null, { projectId: 'p2', status: 'creating' })
  .build();

const storage = (...rules: unknown[]) => [{ storage: rules }];
const scoped = (scope: unknown[]) => scopeStorageModel(model, scope);
const backendsOf = (scope: unknown[]) => [...scoped(scope).nodes()].map((node) => node.host).sort();
const poolsOf = (scope: unknown[]) => [...scoped(scope).pools()].map((pool) => pool.name).sort();
const volumesOf = (scope: unknown[]) => [...scoped(scope).volumes()].map((v) => v.uuid).sort();

const EVERY_BACKEND = ['c0@lvm', 'c1@ssd', 'c2@ceph'];

describe('scopeStorageModel: which backends stay', () => {
  it.each<[string, unknown[], string[]]>([
    ['an empty scope keeps every backend', [], EVERY_BACKEND],
    [
      'a compute-only scope keeps every backend',
      [{ compute: [{ availability_zones: [{ name: 'az1' }] }] }],
      EVERY_BACKEND,
    ],
    [
      'the short form (compute rules) keeps every backend',
      [{ availability_zones: [{ name: 'az1' }] }],
      EVERY_BACKEND,
    ],
    ['an empty storage list keeps every backend', [{ storage: [] }], EVERY_BACKEND],
    ['a zone keeps its backends', storage({ availability_zones: [{ name: 'az2' }] }), ['c1@ssd', 'c2@ceph']],
    [
      'the zone wildcard keeps every backend',
      storage({ availability_zones: [{ name: '*' }] }),
      EVERY_BACKEND,
    ],
    [
      'a volume type keeps the backends it lands on',
      storage({ volume_types: [{ name: 'gold' }] }),
      ['c1@ssd'],
    ],
    ['the type wildcard keeps every backend', storage({ volume_types: [{ name: '*' }] }), EVERY_BACKEND],
    [
      'a zone and a type are a union',
      storage({ availability_zones: [{ name: 'az1' }] }, { volume_types: [{ name: 'ceph' }] }),
      ['c0@lvm', 'c2@ceph'],
    ],
    [
      'both keys in one rule are read',
      storage({ availability_zones: [{ name: 'az1' }], volume_types: [{ name: 'ssd' }] }),
      ['c0@lvm', 'c1@ssd'],
    ],
    [
      'include rules that match nothing leave no backend',
      storage({ availability_zones: [{ name: 'mars' }] }),
      [],
    ],
    [
      'the first non-empty storage entry is the one read',
      [
        { storage: [] },
        { storage: [{ volume_types: [{ name: 'lvm' }] }] },
        { storage: [{ volume_types: [{ name: 'ssd' }] }] },
      ],
      ['c0@lvm'],
    ],
    [
      'an exclusion alone keeps every backend',
      storage({ exclude: [{ volumes: [{ uuid: 'v1' }] }] }),
      EVERY_BACKEND,
    ],
  ])('%s', (_name, scope, expected) => {
    expect(backendsOf(scope)).toEqual(expected);
  });
});

describe('scopeStorageModel: which pools and volumes stay', () => {
  it.each<[string, unknown[], string[], string[]]>([
    [
      'no scope keeps every pool (also one whose backend is unknown) and every volume',
      [],
      ['c0@lvm#a', 'c0@lvm#b', 'c1@ssd#c', 'c2@ceph#d', 'orphan@nfs#e'],
      ['unscheduled', 'v1', 'v2', 'v3', 'v4'],
    ],
    [
      'a removed backend takes its pools and their volumes; unscheduled volumes stay',
      storage({ availability_zones: [{ name: 'az1' }] }),
      ['c0@lvm#a', 'c0@lvm#b'],
      ['unscheduled', 'v1', 'v2'],
    ],
    [
      'an excluded pool goes with its volumes',
      storage({ exclude: [{ storage_pools: [{ name: 'c0@lvm#a' }] }] }),
      ['c0@lvm#b', 'c1@ssd#c', 'c2@ceph#d', 'orphan@nfs#e'],
      ['unscheduled', 'v2', 'v3', 'v4'],
    ],
    [
      'an excluded volume is removed, its pool stays',
      storage({ exclude: [{ volumes: [{ uuid: 'v3' }] }] }),
      ['c0@lvm#a', 'c0@lvm#b', 'c1@ssd#c', 'c2@ceph#d', 'orphan@nfs#e'],
      ['unscheduled', 'v1', 'v2', 'v4'],
    ],
    [
      'an excluded project’s volumes are removed',
      storage({ exclude: [{ projects: [{ uuid: 'p2' }] }] }),
      ['c0@lvm#a', 'c0@lvm#b', 'c1@ssd#c', 'c2@ceph#d', 'orphan@nfs#e'],
      ['v1', 'v3'],
    ],
    [
      'includes and excludes combine',
      storage(
        { volume_types: [{ name: 'lvm' }, { name: 'ssd' }] },
        { exclude: [{ storage_pools: [{ name: 'c0@lvm#b' }] }, { volumes: [{ uuid: 'v1' }] }] },
      ),
      ['c0@lvm#a', 'c1@ssd#c'],
      ['unscheduled', 'v3'],
    ],
    [
      'unknown names exclude nothing',
      storage({ exclude: [{ storage_pools: [{ name: 'x' }], volumes: [{ uuid: 'y' }] }] }),
      ['c0@lvm#a', 'c0@lvm#b', 'c1@ssd#c', 'c2@ceph#d', 'orphan@nfs#e'],
      ['unscheduled', 'v1', 'v2', 'v3', 'v4'],
    ],
  ])('%s', (_name, scope, pools, volumes) => {
    expect(poolsOf(scope)).toEqual(pools);
    expect(volumesOf(scope)).toEqual(volumes);
  });

  it.each([
    ['availability zones', { availability_zones: [{ name: '*' }, { name: 'az1' }] }],
    ['volume_types', { volume_types: [{ name: 'lvm' }, { name: '*' }] }],
  ])('refuses the wildcard mixed with other %s', (resource, rule) => {
    expect(() => scoped(storage(rule))).toThrow(ScopeError);
    expect(() => scoped(storage(rule))).toThrow(`Wildcard character * cannot be used with other ${resource}`);
  });

  it('leaves the input model unchanged and returns a private copy', () => {
    const copy = scoped(storage({ availability_zones: [{ name: 'az1' }] }));
    copy.moveVolume('v1', 'c0@lvm#b');
    expect(model.getVolume('v1')?.pool).toBe('c0@lvm#a');
    expect(model.nodeCount).toBe(3);
    expect(scoped([]).getPool('c0@lvm#b')).not.toBe(model.getPool('c0@lvm#b'));
  });
});
