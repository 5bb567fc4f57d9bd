import { describe, expect, it } from 'vitest';
import { runStrategy } from '../../test/contracts/strategy.contract.js';
import { clusterModel, flavor, uuidOf } from '../../test/helpers/cluster-model-builder.js';
import { storageModel } from '../../test/helpers/storage-model-builder.js';
import { expectValidPlan } from '../../test/helpers/strategy-run.js';
import { createRandom } from '../lib/rng.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { StorageModel } from '../model/storage-model.js';
import { dependencyPlanner } from '../planners/dependency.js';
import type { PlannedAction } from '../planners/planner.js';
import type { SolutionBuilder } from './solution-builder.js';
import { zoneMigration } from './zone-migration.js';

const small = flavor({ id: 's', name: 's', vcpus: 1, memoryMb: 1024, diskGb: 10 });
const big = flavor({ id: 'b', name: 'b', vcpus: 4, memoryMb: 8192, diskGb: 40 });

/** Hosts src1, src2 (to empty), dst1, dst2 and spare; instances 1-8 on the sources. */
function cluster(): ClusterModel {
  const builder = clusterModel().host('src1').host('src2').host('dst1').host('dst2').host('spare');
  for (let n = 1; n <= 8; n++)
    builder.instance(uuidOf(n), n <= 5 ? 'src1' : 'src2', {
      name: `vm-${n}`,
      flavor: n % 3 === 0 ? big : small,
      vcpus: n % 3 === 0 ? 4 : 1,
      memoryMb: n % 3 === 0 ? 8192 : 1024,
      diskGb: n % 3 === 0 ? 40 : 10,
      projectId: n % 2 === 0 ? 'even' : 'odd',
      state: n === 4 ? 'stopped' : n === 5 ? 'error' : 'active',
      createdAt: new Date(Date.UTC(2026, 0, 10 - n)),
    });
  return builder.build();
}

/** Pools a (to empty) and b, c on one backend; d on an ssd backend; volumes 11-16 in a, untyped but 16 (lvm). */
function pools(): StorageModel {
  const builder = storageModel()
    .backend('c0@lvm', { volumeType: ['lvm'] })
    .backend('c1@ssd', { volumeType: ['ssd'] })
    .pool('c0@lvm#a', { volumeTypes: ['lvm'] })
    .pool('c0@lvm#b', { volumeTypes: ['lvm'] })
    .pool('c0@lvm#c', { volumeTypes: ['lvm'], virtualFreeGb: 15 })
    .pool('c1@ssd#d', { volumeTypes: ['ssd'] });
  for (let n = 11; n <= 16; n++)
    builder.volume(uuidOf(n), 'c0@lvm#a', {
      sizeGb: 10 * (n - 10),
      volumeType: n === 16 ? 'lvm' : null,
      projectId: n % 2 === 0 ? 'even' : 'odd',
      ...(n === 12 && { status: 'in-use', attachments: [{ serverId: uuidOf(6) }] }),
      createdAt: new Date(Date.UTC(2026, 0, n)),
    });
  return builder.build();
}

async function plan(
  parameters: Record<string, unknown>,
  model = cluster(),
  storage: StorageModel | null = pools(),
): Promise<{
  solution: SolutionBuilder;
  planned: PlannedAction[];
  model: ClusterModel;
  storage?: StorageModel;
}> {
  const initial = model.clone();
  const initialStorage = storage?.clone();
  const solution = await runStrategy(zoneMigration, model, parameters, storage ? { storage } : {});
  const planned = expectValidPlan(initial, solution.actions, {
    planner: dependencyPlanner,
    storage: initialStorage,
  });
  return { solution, planned, model, ...(storage && { storage }) };
}

const resources = (solution: SolutionBuilder) =>
  solution.actions.map((action) => String(action.inputParameters.resource_id));

describe('zone_migration', () => {
  it('empties the source nodes into their destinations, live when active, cold when stopped', async () => {
    const { solution, model } = await plan({
      compute_nodes: [
        { src_node: 'src1', dst_node: 'dst1' },
        { src_node: 'src2', dst_node: 'dst2' },
      ],
    });
    expect(model.instancesOn('src1').map((instance) => instance.uuid)).toEqual([uuidOf(5)]);
    expect(model.instancesOn('src2')).toEqual([]);
    expect(model.instancesOn('dst1')).toHaveLength(4);
    expect(model.instancesOn('dst2')).toHaveLength(3);
    const kinds = new Map(
      solution.actions.map((action) => [
        String(action.inputParameters.resource_id),
        action.inputParameters.migration_type,
      ]),
    );
    expect(kinds.get(uuidOf(4))).toBe('cold');
    expect(kinds.get(uuidOf(1))).toBe('live');
    expect(Object.fromEntries(solution.indicators)).toEqual({
      live_migrate_instance_count: 6,
      planned_live_migrate_instance_count: 6,
      cold_migrate_instance_count: 1,
      planned_cold_migrate_instance_count: 1,
      volume_migrate_count: 0,
      planned_volume_migrate_count: 0,
      volume_update_count: 0,
      planned_volume_update_count: 0,
    });
    expect(zoneMigration.goal.globalEfficacy(Object.fromEntries(solution.indicators))).toMatchObject([
      { name: 'live_instance_migrate_ratio', value: 100 },
      { name: 'cold_instance_migrate_ratio', value: 100 },
      { name: 'volume_migrate_ratio', value: 0 },
      { name: 'volume_update_ratio', value: 0 },
    ]);
  });

  it('without dst_node, spreads onto the hosts outside the sources with the most free memory', async () => {
    const model = cluster();
    // dst1 is nearly full: everything goes to dst2 and spare, never to the other source.
    model.upsertInstance({
      ...model.getInstance(uuidOf(1))!,
      uuid: uuidOf(99),
      hostname: 'dst1',
      memoryMb: 60000,
    });
    const { model: after } = await plan(
      { compute_nodes: [{ src_node: 'src1' }, { src_node: 'src2' }] },
      model,
    );
    expect(after.instancesOn('src2')).toEqual([]);
    expect(after.instancesOn('dst1').map((instance) => instance.uuid)).toEqual([uuidOf(99)]);
    const counts = ['dst2', 'spare'].map((hostname) => after.instancesOn(hostname).length);
    expect(counts[0]! + counts[1]!).toBe(7);
    expect(Math.abs(counts[0]! - counts[1]!)).toBeLessThanOrEqual(3);
  });

  it('migrates the volumes of the source pools, retypes where a type is asked, and counts what it could not move', async () => {
    const { solution, storage } = await plan({
      storage_pools: [
        { src_pool: 'c0@lvm#a', dst_pool: 'c0@lvm#b' },
        { src_pool: 'c0@lvm#a', src_type: 'lvm', dst_type: 'ssd' },
      ],
    });
    expect(storage!.volumesIn('c0@lvm#a')).toEqual([]);
    expect(storage!.volumesIn('c0@lvm#b')).toHaveLength(5);
    const byVolume = new Map(
      solution.actions.map((action) => [String(action.inputParameters.resource_id), action]),
    );
    expect(byVolume.get(uuidOf(16))!.inputParameters).toMatchObject({
      migration_type: 'retype',
      destination_type: 'ssd',
    });
    expect(byVolume.get(uuidOf(12))!.inputParameters).toMatchObject({
      migration_type: 'migrate',
      destination_node: 'c0@lvm#b',
    });
    // Pool a does not serve ssd: Cinder's scheduler moves the volume to the ssd pool.
    expect(storage!.getVolume(uuidOf(16))).toMatchObject({ volumeType: 'ssd', pool: 'c1@ssd#d' });

    // Pool c has room for one 10 GB volume only: the others are refused, and the ratio shows it.
    const full = await plan({
      storage_pools: [{ src_pool: 'c0@lvm#a', dst_pool: 'c0@lvm#c' }],
    });
    expect(resources(full.solution)).toEqual([uuidOf(11)]);
    expect(Object.fromEntries(full.solution.indicators)).toMatchObject({
      volume_migrate_count: 6,
      planned_volume_migrate_count: 1,
    });
  });

  it('orders targets by the priority keys in the order given, and plans volumes first', async () => {
    const { solution } = await plan({
      compute_nodes: [
        { src_node: 'src1', dst_node: 'dst1' },
        { src_node: 'src2', dst_node: 'dst2' },
      ],
      storage_pools: [{ src_pool: 'c0@lvm#a', dst_pool: 'c0@lvm#b' }],
      priority: { project: ['even'], compute: 'vcpu_num', storage: 'size' },
      // No limits: one wave, the priority order itself.
      parallel_total: 0,
      parallel_per_node: 0,
      parallel_per_pool: 0,
    });
    // Volumes: project even first (12, 14, 16), each group biggest first. Instances: even first (2, 4, 6, 8), then
    // odd; the 4-vCPU ones (3, 6) first within each.
    expect(resources(solution)).toEqual([16, 14, 12, 15, 13, 11, 6, 2, 4, 8, 3, 1, 7].map(uuidOf));
    const byAge = await plan({
      compute_nodes: [{ src_node: 'src1', dst_node: 'dst1' }],
      storage_pools: [{ src_pool: 'c0@lvm#a', dst_pool: 'c0@lvm#b', src_type: 'lvm' }],
      priority: { compute: 'created_at', storage: 'created_at' },
      parallel_total: 0,
    });
    // Only volume 16 is lvm; instances oldest first; 5 is in error and stays.
    expect(resources(byAge.solution)).toEqual([16, 4, 3, 2, 1].map(uuidOf));
  });

  it('plans first, with the default limits, the batch upstream would plan in one audit, then the rest', async () => {
    const { solution } = await plan({
      compute_nodes: [
        { src_node: 'src1', dst_node: 'dst1' },
        { src_node: 'src2', dst_node: 'dst2' },
      ],
      storage_pools: [{ src_pool: 'c0@lvm#a', dst_pool: 'c0@lvm#b' }],
    });
    // Upstream: two volumes of pool a, two instances of src1, two of src2 — six in all, and no more.
    expect(resources(solution).slice(0, 6)).toEqual([11, 12, 1, 2, 6, 7].map(uuidOf));
    expect(resources(solution).slice(6, 10)).toEqual([13, 14, 3, 4].map(uuidOf));
    expect(solution.actions).toHaveLength(13);
    // The third volume waits for the first (pool a's two chains), the seventh action for the first.
    expect(solution.actions[6]!.requires).toEqual([0]);
  });

  it('with_attached_volume, moves a server right after its volume, waiting for it', async () => {
    const { solution } = await plan({
      compute_nodes: [{ src_node: 'src2', dst_node: 'dst2' }],
      storage_pools: [{ src_pool: 'c0@lvm#a', dst_pool: 'c0@lvm#b' }],
      with_attached_volume: true,
      parallel_total: 0,
      parallel_per_pool: 0,
    });
    const order = resources(solution);
    const volume = order.indexOf(uuidOf(12));
    expect(order[volume + 1]).toBe(uuidOf(6));
    expect(solution.actions[volume + 1]!.requires).toContain(volume);
  });

  it('never runs more actions at once than parallel_total, parallel_per_node and parallel_per_pool allow', async () => {
    const model = clusterModel();
    for (let h = 0; h < 6; h++) model.host(`h${h}`, { vcpus: 64, memoryMb: 262144, diskGb: 4000 });
    for (let n = 0; n < 60; n++)
      model.instance(uuidOf(n), `h${n % 3}`, { flavor: small, vcpus: 1, memoryMb: 1024 });
    const storage = storageModel().backend('c0@lvm');
    for (let p = 0; p < 6; p++) storage.pool(`c0@lvm#p${p}`, { virtualFreeGb: 10_000 });
    for (let n = 100; n < 160; n++) storage.volume(uuidOf(n), `c0@lvm#p${n % 3}`, { sizeGb: 10 });
    for (const [total, perNode, perPool] of [
      [6, 2, 2],
      [3, 2, 1],
      [0, 1, 3],
      [4, 0, 0],
    ] as const) {
      const { planned, solution } = await plan(
        {
          compute_nodes: [0, 1, 2].map((h) => ({ src_node: `h${h}`, dst_node: `h${h + 3}` })),
          storage_pools: [0, 1, 2].map((p) => ({ src_pool: `c0@lvm#p${p}`, dst_pool: `c0@lvm#p${p + 3}` })),
          parallel_total: total,
          parallel_per_node: perNode,
          parallel_per_pool: perPool,
        },
        model.build(),
        storage.build(),
      );
      expect(solution.actions).toHaveLength(120);
      const sourceOf = (action: PlannedAction) =>
        action.actionType === 'migrate'
          ? String(action.inputParameters.source_node)
          : `c0@lvm#p${Number(String(action.inputParameters.resource_id).slice(-3)) % 3}`;
      for (let seed = 1; seed <= 20; seed++) {
        const peaks = peakConcurrency(planned, sourceOf, seed);
        if (total > 0) expect(peaks.total).toBeLessThanOrEqual(total);
        if (perNode > 0) expect(peaks.perNode).toBeLessThanOrEqual(perNode);
        if (perPool > 0) expect(peaks.perPool).toBeLessThanOrEqual(perPool);
        // The limits are reached, not just respected.
        if (seed === 1 && total > 0) expect(peaks.total).toBe(total);
      }
    }
  });

  it('plans nothing without sources, and ignores storage pools when the cloud has no Cinder', async () => {
    expect((await plan({})).solution.actions).toEqual([]);
    const { solution } = await plan(
      { storage_pools: [{ src_pool: 'c0@lvm#a', dst_pool: 'c0@lvm#b' }] },
      cluster(),
      null,
    );
    expect(solution.actions).toEqual([]);
  });
});

/**
 * Runs the DAG with unbounded workers (each action starts when its parents are done) and random durations, and
 * returns the most actions running at once in total, per source node and per source pool.
 */
function peakConcurrency(
  planned: readonly PlannedAction[],
  sourceOf: (action: PlannedAction) => string,
  seed: number,
): { total: number; perNode: number; perPool: number } {
  const random = createRandom(seed);
  const duration = new Map(planned.map((action) => [action.uuid, 1 + random.next() * 9]));
  const finish = new Map<string, number>();
  const start = new Map<string, number>();
  for (const action of planned) {
    // Parents come first in a dependency plan.
    const begins = Math.max(0, ...action.parents.map((parent) => finish.get(parent)!));
    start.set(action.uuid, begins);
    finish.set(action.uuid, begins + duration.get(action.uuid)!);
  }
  const peaks = { total: 0, perNode: 0, perPool: 0 };
  for (const probe of planned) {
    const at = start.get(probe.uuid)!;
    const running = planned.filter(
      (action) => start.get(action.uuid)! <= at && at < finish.get(action.uuid)!,
    );
    peaks.total = Math.max(peaks.total, running.length);
    const bySource = new Map<string, number>();
    for (const action of running) bySource.set(sourceOf(action), (bySource.get(sourceOf(action)) ?? 0) + 1);
    for (const [source, count] of bySource)
      if (source.includes('#')) peaks.perPool = Math.max(peaks.perPool, count);
      else peaks.perNode = Math.max(peaks.perNode, count);
  }
  return peaks;
}
