import { describe, expect, it } from 'vitest';
import { clusterModel } from '../../test/helpers/cluster-model-builder.js';
import { storageModel } from '../../test/helpers/storage-model-builder.js';
import {
  refuseVolumeMigration,
  refuseVolumeRetype,
  retypeDestination,
  VolumeTypeIndex,
} from './cinder-rules.js';

const VOLUME = '9ae05517-a512-462d-9d83-90c313b5a8ff';
const SERVER = '6ae05517-a512-462d-9d83-90c313b5a8ff';

function storage() {
  return storageModel()
    .backend('c0@lvm', { volumeType: ['lvm'] })
    .backend('c1@ssd', { volumeType: ['ssd'] })
    .backend('c2@off', { state: 'down' })
    .backend('c3@nope', { status: 'disabled', disabledReason: 'maintenance' })
    .pool('c0@lvm#a', { volumeTypes: ['lvm'], virtualFreeGb: 100 })
    .pool('c0@lvm#b', { volumeTypes: ['lvm'], virtualFreeGb: 30 })
    .pool('c1@ssd#c', { volumeTypes: ['ssd'], virtualFreeGb: 500 })
    .pool('c1@ssd#d', { volumeTypes: ['ssd'], virtualFreeGb: 800 })
    .pool('c2@off#e')
    .pool('c3@nope#f')
    .volume(VOLUME, 'c0@lvm#a', { sizeGb: 40, volumeType: 'lvm' })
    .build();
}

describe('Cinder’s rules for a volume migration', () => {
  it('takes a move to an enabled, up pool that serves the volume’s type and has room', () => {
    const model = storage();
    model.getPool('c0@lvm#b')!.virtualFreeGb = 40;
    const types = new VolumeTypeIndex(model);
    expect(
      refuseVolumeMigration(model, types, undefined, model.getVolume(VOLUME)!, 'c0@lvm#b'),
    ).toBeUndefined();
  });

  it.each([
    ['c0@lvm#b', 'POOL_CAPACITY', /40 GB > 30 GB/],
    ['c0@lvm#a', 'SAME_POOL', /c0@lvm#a/],
    ['c9@x#z', 'POOL_UNKNOWN', /c9@x#z/],
    ['c1@ssd#c', 'POOL_VOLUME_TYPE', /does not serve lvm/],
    ['c2@off#e', 'POOL_DOWN', /c2@off#e/],
    ['c3@nope#f', 'POOL_DISABLED', /maintenance/],
  ])('refuses a move to %s with %s', (pool, rule, reason) => {
    const model = storage();
    const types = new VolumeTypeIndex(model);
    expect(refuseVolumeMigration(model, types, undefined, model.getVolume(VOLUME)!, pool)).toMatchObject({
      rule,
      reason,
    });
  });

  it('lets an untyped volume, or one of a type no backend claims, go to any pool with room', () => {
    const model = storage();
    const types = new VolumeTypeIndex(model);
    for (const volumeType of [null, '__DEFAULT__'])
      expect(
        refuseVolumeMigration(
          model,
          types,
          undefined,
          { ...model.getVolume(VOLUME)!, volumeType },
          'c1@ssd#c',
        ),
      ).toBeUndefined();
  });

  it('refuses a volume that is not available or in-use, or still migrating, or on a down backend', () => {
    const model = storage();
    const types = new VolumeTypeIndex(model);
    const volume = model.getVolume(VOLUME)!;
    for (const [changed, rule] of [
      [{ status: 'error' }, 'VOLUME_STATE'],
      [{ status: 'retyping' }, 'VOLUME_STATE'],
      [{ migrationStatus: 'migrating' }, 'VOLUME_STATE'],
      [{ pool: 'c2@off#e' }, 'VOLUME_SOURCE_DOWN'],
    ] as const)
      expect(
        refuseVolumeMigration(model, types, undefined, { ...volume, ...changed }, 'c0@lvm#b'),
      ).toMatchObject({
        rule,
      });
  });

  it('refuses an attached volume whose server is not ACTIVE or PAUSED (Nova copies it)', () => {
    const model = storage();
    model.getPool('c0@lvm#b')!.virtualFreeGb = 100;
    const types = new VolumeTypeIndex(model);
    const attached = { ...model.getVolume(VOLUME)!, status: 'in-use', attachments: [{ serverId: SERVER }] };
    const running = clusterModel().host('h1').instance(SERVER, 'h1').build();
    const stopped = clusterModel().host('h1').instance(SERVER, 'h1', { state: 'stopped' }).build();
    expect(refuseVolumeMigration(model, types, running, attached, 'c0@lvm#b')).toBeUndefined();
    expect(refuseVolumeMigration(model, types, stopped, attached, 'c0@lvm#b')).toMatchObject({
      rule: 'VOLUME_SERVER_STATE',
      reason: /stopped/,
    });
  });
});

describe('Cinder’s rules for a retype', () => {
  it('lands where the scheduler would: in place when the pool serves the type, else the roomiest serving pool', () => {
    const model = storage();
    const types = new VolumeTypeIndex(model);
    const volume = model.getVolume(VOLUME)!;
    expect(retypeDestination(model, types, volume, 'ssd')).toBe('c1@ssd#d');
    expect(retypeDestination(model, types, volume, 'lvm')).toBe('c0@lvm#a');
    expect(refuseVolumeRetype(model, types, undefined, volume, 'ssd')).toEqual({ destination: 'c1@ssd#d' });
  });

  it('refuses the volume’s own type and a type no pool can take the volume for', () => {
    const model = storage();
    model.getPool('c1@ssd#c')!.virtualFreeGb = 10;
    model.getPool('c1@ssd#d')!.virtualFreeGb = 10;
    const types = new VolumeTypeIndex(model);
    const volume = model.getVolume(VOLUME)!;
    expect(refuseVolumeRetype(model, types, undefined, volume, 'lvm')).toMatchObject({ rule: 'SAME_TYPE' });
    expect(refuseVolumeRetype(model, types, undefined, volume, 'ssd')).toMatchObject({
      rule: 'TYPE_NO_POOL',
    });
  });
});
