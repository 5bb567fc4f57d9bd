import { describe, expect, it } from 'vitest';
import { runStrategy } from '../../test/contracts/strategy.contract.js';
import { clusterModel, uuidOf } from '../../test/helpers/cluster-model-builder.js';
import { storageModel, type StorageModelBuilder } from '../../test/helpers/storage-model-builder.js';
import { expectValidPlan } from '../../test/helpers/strategy-run.js';
import type { Volume } from '../model/elements.js';
import type { StorageModel } from '../model/storage-model.js';
import { storageCapacityBalance } from './storage-capacity-balance.js';

const SERVER = uuidOf(900);

/** A pool of `totalGb` whose free capacity is what its volumes leave (as the simulated Cinder reports it). */
function withVolumes(
  builder: StorageModelBuilder,
  pool: string,
  totalGb: number,
  volumes: { n: number; sizeGb: number; overrides?: Partial<Volume> }[],
  overrides: { volumeTypes?: string[] } = {},
): StorageModelBuilder {
  const usedGb = volumes.reduce((sum, volume) => sum + volume.sizeGb, 0);
  builder.pool(pool, {
    totalCapacityGb: totalGb,
    freeCapacityGb: totalGb - usedGb,
    allocatedCapacityGb: usedGb,
    provisionedCapacityGb: usedGb,
    virtualFreeGb: totalGb - usedGb,
    ...overrides,
  });
  for (const volume of volumes)
    builder.volume(uuidOf(volume.n), pool, { sizeGb: volume.sizeGb, ...volume.overrides });
  return builder;
}

async function balance(storage: StorageModel, parameters: Record<string, unknown> = {}) {
  const model = clusterModel().host('h1').instance(SERVER, 'h1').build();
  const initial = model.clone();
  const initialStorage = storage.clone();
  const solution = await runStrategy(storageCapacityBalance, model, parameters, { storage });
  expectValidPlan(initial, solution.actions, { storage: initialStorage });
  const usedPct = (pool: string) => {
    const state = storage.getPool(pool)!;
    return (100 * (state.totalCapacityGb - state.freeCapacityGb)) / state.totalCapacityGb;
  };
  return {
    solution,
    moved: solution.actions.map((action) => String(action.inputParameters.resource_id)),
    usedPct,
  };
}

describe('storage_capacity_balance', () => {
  it('brings every pool under the threshold, into the pools with the most room in proportion', async () => {
    const builder = storageModel().backend('c0@lvm');
    withVolumes(builder, 'c0@lvm#full', 100, [
      { n: 1, sizeGb: 30 },
      { n: 2, sizeGb: 30 },
      { n: 3, sizeGb: 35 },
    ]);
    withVolumes(builder, 'c0@lvm#half', 100, [{ n: 4, sizeGb: 85 }]);
    withVolumes(builder, 'c0@lvm#low', 200, [{ n: 5, sizeGb: 20 }]);
    withVolumes(builder, 'c0@lvm#empty', 50, []);
    const storage = builder.build();
    const { solution, moved, usedPct } = await balance(storage);
    for (const pool of ['c0@lvm#full', 'c0@lvm#half', 'c0@lvm#low', 'c0@lvm#empty'])
      expect(usedPct(pool)).toBeLessThan(80);
    // full must shed more than 15 GB: one 30 GB volume does. half must shed more than 5: its only volume.
    // The most used pool first; each volume to the least used pool in proportion that stays under with it.
    expect(moved).toEqual([uuidOf(1), uuidOf(4)]);
    expect(storage.getVolume(uuidOf(1))!.pool).toBe('c0@lvm#empty');
    expect(storage.getVolume(uuidOf(4))!.pool).toBe('c0@lvm#low');
    expect(solution.actions.every((action) => action.inputParameters.migration_type === 'migrate')).toBe(
      true,
    );
    const indicators = Object.fromEntries(solution.indicators);
    expect(indicators).toMatchObject({ instance_migrations_count: 0, instances_count: 0 });
    expect(indicators.standard_deviation_after_audit).toBeLessThan(
      indicators.standard_deviation_before_audit!,
    );
  });

  it('moves fewer volumes than upstream’s smallest-first: the smallest that alone is enough', async () => {
    const builder = storageModel().backend('c0@lvm');
    withVolumes(
      builder,
      'c0@lvm#a',
      100,
      [2, 3, 4, 5, 20, 56].map((sizeGb, n) => ({ n, sizeGb })),
    );
    withVolumes(builder, 'c0@lvm#b', 100, []);
    const storage = builder.build();
    const { moved, usedPct } = await balance(storage);
    // 90 GB used, 80 allowed: upstream moves 2, 3, 4 and 5 GB (four moves); one 20 GB move is enough.
    expect(moved).toEqual([uuidOf(4)]);
    expect(usedPct('c0@lvm#a')).toBe(70);
  });

  it('takes detached volumes first, then attached data volumes, then boot volumes, and never moving ones', async () => {
    const builder = storageModel().backend('c0@lvm');
    const attached = { status: 'in-use', attachments: [{ serverId: SERVER }] };
    withVolumes(builder, 'c0@lvm#a', 100, [
      { n: 1, sizeGb: 40, overrides: { ...attached, bootable: true } },
      { n: 2, sizeGb: 30, overrides: attached },
      { n: 3, sizeGb: 10 },
      { n: 4, sizeGb: 15, overrides: { migrationStatus: 'migrating' } },
      { n: 5, sizeGb: 5, overrides: { status: 'error' } },
    ]);
    withVolumes(builder, 'c0@lvm#b', 1000, []);
    const { moved } = await balance(builder.build(), { volume_threshold: 50 });
    // 100 used, under 50 needs more than 50 out: the 10 GB detached one, then the 30 GB data one, then the boot one.
    expect(moved).toEqual([uuidOf(3), uuidOf(2), uuidOf(1)]);
  });

  it('moves a typed volume only to a pool that serves its type, and leaves a pool over when nothing fits', async () => {
    const builder = storageModel()
      .backend('c0@lvm', { volumeType: ['lvm'] })
      .backend('c1@ssd', { volumeType: ['ssd'] });
    withVolumes(builder, 'c0@lvm#a', 100, [{ n: 1, sizeGb: 90, overrides: { volumeType: 'lvm' } }], {
      volumeTypes: ['lvm'],
    });
    withVolumes(builder, 'c1@ssd#roomy', 1000, [], { volumeTypes: ['ssd'] });
    withVolumes(builder, 'c0@lvm#small', 100, [], { volumeTypes: ['lvm'] });
    const { moved, usedPct } = await balance(builder.build());
    // The ssd pool has room but does not serve lvm; the lvm pool would reach 90 %.
    expect(moved).toEqual([]);
    expect(usedPct('c0@lvm#a')).toBe(90);
  });

  it('plans nothing when every pool is under the threshold, or without Cinder', async () => {
    const builder = storageModel().backend('c0@lvm');
    withVolumes(builder, 'c0@lvm#a', 100, [{ n: 1, sizeGb: 79 }]);
    withVolumes(builder, 'c0@lvm#b', 100, []);
    expect((await balance(builder.build())).moved).toEqual([]);
    const solution = await runStrategy(storageCapacityBalance, clusterModel().build(), {});
    expect(solution.actions).toEqual([]);
  });
});
