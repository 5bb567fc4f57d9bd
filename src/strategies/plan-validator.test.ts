import {
  computeNode,
  flavor as flavorOf,
  instance,
  uuidOf,
} from '../../test/helpers/cluster-model-builder.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../lib/rng.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';
import { createWeightPlanner } from '../planners/weight.js';
import { dependencyPlanner } from '../planners/dependency.js';
import { storageModel } from '../../test/helpers/storage-model-builder.js';
import { validatePlan, type PlanAction } from './plan-validator.js';
import { SolutionBuilder } from './solution-builder.js';

function host(hostname: string, overrides: Partial<ComputeNode> = {}): ComputeNode {
  return computeNode(hostname, { vcpus: 8, memoryMb: 16384, diskGb: 200, ...overrides });
}

function vm(n: number, hostname: string, overrides: Partial<Instance> = {}): Instance {
  const vcpus = overrides.vcpus ?? 2;
  const shape = { id: `f${vcpus}`, name: `f${vcpus}`, vcpus, memoryMb: 1024 * vcpus, diskGb: 10 * vcpus };
  return instance(uuidOf(n), hostname, {
    name: `vm-${n}`,
    projectId: 'p',
    flavor: flavorOf(shape),
    ...overrides,
  });
}

const migration = (
  uuid: string,
  n: number,
  from: string,
  to: string,
  parents: string[] = [],
): PlanAction => ({
  uuid,
  actionType: 'migrate',
  inputParameters: {
    resource_id: uuidOf(n),
    migration_type: 'live',
    source_node: from,
    destination_node: to,
  },
  parents,
});

const volumeMove = (uuid: string, n: number, pool: string, parents: string[] = []): PlanAction => ({
  uuid,
  actionType: 'volume_migrate',
  inputParameters: { resource_id: uuidOf(n), migration_type: 'migrate', destination_node: pool },
  parents,
});

/** Pool a with room for 100 GB more, holding volumes 1 and 2 (40 GB each); pool b full, holding volume 3. */
function pools() {
  return storageModel()
    .backend('c0@lvm')
    .pool('c0@lvm#a', { virtualFreeGb: 100 })
    .pool('c0@lvm#b', { virtualFreeGb: 0 })
    .volume(uuidOf(1), 'c0@lvm#a', { sizeGb: 40 })
    .volume(uuidOf(2), 'c0@lvm#a', { sizeGb: 40 })
    .volume(uuidOf(3), 'c0@lvm#b', { sizeGb: 40, status: 'in-use', attachments: [{ serverId: uuidOf(9) }] })
    .build();
}

describe('validatePlan', () => {
  it('finds nothing in a plan that fits in order', () => {
    const model = new ClusterModel();
    model.upsertNode(host('a'));
    model.upsertNode(host('b'));
    model.upsertInstance(vm(1, 'a'));
    expect(validatePlan(model, [migration('m1', 1, 'a', 'b')])).toEqual([]);
  });

  it('reports a move over the destination’s allocation, naming the rule', () => {
    const model = new ClusterModel();
    model.upsertNode(host('a'));
    model.upsertNode(host('b', { vcpus: 1 }));
    model.upsertInstance(vm(1, 'a'));
    expect(validatePlan(model, [migration('m1', 1, 'a', 'b')])).toMatchObject([
      { uuid: 'm1', rule: 'VCPU_CAPACITY' },
    ]);
  });

  it('reports a stop Nova would refuse: a stopped instance, or one stopped twice', () => {
    const model = new ClusterModel();
    model.upsertNode(host('a'));
    model.upsertInstance(vm(1, 'a'));
    model.upsertInstance(vm(2, 'a', { state: 'stopped' }));
    const stop = (uuid: string, n: number, parents: string[] = []): PlanAction => ({
      uuid,
      actionType: 'stop',
      inputParameters: { resource_id: uuidOf(n) },
      parents,
    });
    expect(validatePlan(model, [stop('s1', 1)])).toEqual([]);
    expect(validatePlan(model, [stop('s1', 1), stop('again', 1, ['s1']), stop('s2', 2)])).toMatchObject([
      { uuid: 'again', rule: 'INSTANCE_STATE' },
      { uuid: 's2', rule: 'INSTANCE_STATE' },
    ]);
  });
  it('reports a move that fits only if a move out of the host, which it does not wait for, runs first', () => {
    const model = new ClusterModel();
    model.upsertNode(host('a'));
    model.upsertNode(host('b', { vcpus: 2 }));
    model.upsertNode(host('c'));
    model.upsertInstance(vm(1, 'a'));
    model.upsertInstance(vm(2, 'b'));
    const parallel = [migration('out', 2, 'b', 'c'), migration('in', 1, 'a', 'b')];
    expect(validatePlan(model, parallel)).toMatchObject([{ uuid: 'in', rule: 'ORDER_CAPACITY' }]);
    const ordered = [migration('out', 2, 'b', 'c'), migration('in', 1, 'a', 'b', ['out'])];
    expect(validatePlan(model, ordered)).toEqual([]);
  });

  it('reports a destination that a disable may reach first, and a power-off before a departure', () => {
    const model = new ClusterModel();
    model.upsertNode(host('a'));
    model.upsertNode(host('b'));
    model.upsertInstance(vm(1, 'a'));
    const disable: PlanAction = {
      uuid: 'd',
      actionType: 'change_nova_service_state',
      inputParameters: { resource_id: 'node-b', state: 'disabled', resource_name: 'b' },
      parents: [],
    };
    expect(validatePlan(model, [migration('m', 1, 'a', 'b'), disable])).toMatchObject([
      { uuid: 'm', rule: 'ORDER_DESTINATION_DISABLED' },
    ]);
    const off: PlanAction = {
      uuid: 'off',
      actionType: 'change_node_power_state',
      inputParameters: { resource_id: 'node-a', state: 'off', resource_name: 'a' },
      parents: [],
    };
    expect(validatePlan(model, [migration('m', 1, 'a', 'b'), off]).map((f) => f.rule)).toEqual([
      'ORDER_POWER_OFF',
    ]);
    expect(validatePlan(model, [off, migration('m', 1, 'a', 'b')]).map((f) => f.rule)).toContain(
      'HOST_NOT_EMPTY',
    );
  });

  it('reports actions on one instance that may overlap, unknown parents and cycles', () => {
    const model = new ClusterModel();
    for (const name of ['a', 'b', 'c']) model.upsertNode(host(name));
    model.upsertInstance(vm(1, 'a'));
    expect(
      validatePlan(model, [migration('m1', 1, 'a', 'b'), migration('m2', 1, 'b', 'c')]).map((f) => f.rule),
    ).toEqual(['ORDER_INSTANCE_OVERLAP']);
    expect(validatePlan(model, [migration('m1', 1, 'a', 'b', ['ghost'])]).map((f) => f.rule)).toEqual([
      'UNKNOWN_PARENT',
    ]);
    expect(
      validatePlan(model, [migration('m1', 1, 'a', 'b', ['m2']), migration('m2', 1, 'b', 'c', ['m1'])]).map(
        (f) => f.rule,
      ),
    ).toEqual(['CYCLE', 'CYCLE']);
  });

  it('checks volume moves with Cinder’s rules in order, and each pool’s room in every order', () => {
    const model = new ClusterModel();
    model.upsertNode(host('a'));
    model.upsertNode(host('b'));
    model.upsertInstance(vm(9, 'a'));
    const storage = pools();
    expect(
      validatePlan(model, [volumeMove('v1', 1, 'c0@lvm#b'), volumeMove('v3', 3, 'c0@lvm#a')], { storage }),
    ).toMatchObject([{ uuid: 'v1', rule: 'POOL_CAPACITY', reason: /40 GB > 0 GB/ }]);
    // Volume 3 leaving first makes room, but volume 1 does not wait for it.
    const unordered = [volumeMove('v3', 3, 'c0@lvm#a'), volumeMove('v1', 1, 'c0@lvm#b')];
    expect(validatePlan(model, unordered, { storage })).toMatchObject([
      { uuid: 'v1', rule: 'ORDER_POOL_CAPACITY', reason: /c0@lvm#b: 40 GB > 0 GB/ },
    ]);
    const ordered = [volumeMove('v3', 3, 'c0@lvm#a'), volumeMove('v1', 1, 'c0@lvm#b', ['v3'])];
    expect(validatePlan(model, ordered, { storage })).toEqual([]);
    expect(storage.getVolume(uuidOf(1))!.pool).toBe('c0@lvm#a');
  });

  it('reports a volume moved twice at once, and an attached volume moved while its server migrates', () => {
    const model = new ClusterModel();
    model.upsertNode(host('a'));
    model.upsertNode(host('b'));
    model.upsertInstance(vm(9, 'a'));
    const plan: PlanAction[] = [
      volumeMove('v1', 1, 'c0@lvm#b'),
      { ...volumeMove('v1-back', 1, 'c0@lvm#a'), parents: [] },
      volumeMove('v3', 3, 'c0@lvm#a'),
      migration('m9', 9, 'a', 'b'),
    ];
    const rules = validatePlan(model, plan, { storage: pools() }).map((finding) => [
      finding.uuid,
      finding.rule,
    ]);
    expect(rules).toContainEqual(['v1-back', 'ORDER_VOLUME_OVERLAP']);
    expect(rules).toContainEqual(['m9', 'ORDER_INSTANCE_OVERLAP']);
  });

  it('finds nothing in any plan the solution builder lets a random volume mover make, through the dependency planner', () => {
    const stats = { runs: 0, volumeMoves: 0, waits: 0 };
    fc.assert(
      fc.property(
        fc.record({
          pools: fc.integer({ min: 2, max: 6 }),
          volumes: fc.integer({ min: 0, max: 40 }),
          moves: fc.integer({ min: 0, max: 60 }),
          seed: fc.integer(),
        }),
        ({ pools: poolCount, volumes, moves, seed }) => {
          const random = createRandom(seed);
          const model = new ClusterModel();
          model.upsertNode(host('a'));
          model.upsertNode(host('b'));
          for (let i = 0; i < 4; i++) model.upsertInstance(vm(100 + i, i % 2 === 0 ? 'a' : 'b'));
          const builder = storageModel()
            .backend('c0@lvm', { volumeType: ['lvm'] })
            .backend('c1@ssd');
          const names: string[] = [];
          for (let p = 0; p < poolCount; p++) {
            const name = p % 2 === 0 ? `c0@lvm#p${p}` : `c1@ssd#p${p}`;
            names.push(name);
            builder.pool(name, {
              virtualFreeGb: 20 + Math.floor(random.next() * 200),
              volumeTypes: p % 2 === 0 ? ['lvm'] : [],
            });
          }
          for (let v = 0; v < volumes; v++) {
            const attached = random.next() < 0.3;
            builder.volume(uuidOf(v), names[Math.floor(random.next() * names.length)]!, {
              sizeGb: 5 + Math.floor(random.next() * 60),
              volumeType: random.next() < 0.3 ? 'lvm' : null,
              ...(attached && { status: 'in-use', attachments: [{ serverId: uuidOf(100 + (v % 4)) }] }),
            });
          }
          const storage = builder.build();
          const initialStorage = storage.clone();
          const initial = model.clone();
          const solution = new SolutionBuilder(model, {}, storage);
          const all = [...storage.volumes()];
          const servers = [...model.instances()];
          for (let m = 0; m < moves && all.length > 0; m++) {
            const roll = random.next();
            if (roll < 0.15) {
              const server = servers[Math.floor(random.next() * servers.length)]!;
              solution.migrate(server, { to: server.hostname === 'a' ? 'b' : 'a', live: true });
            } else if (roll < 0.25) {
              solution.retypeVolume(all[Math.floor(random.next() * all.length)]!, { type: 'lvm' });
            } else {
              const volume = all[Math.floor(random.next() * all.length)]!;
              solution.migrateVolume(volume, { to: names[Math.floor(random.next() * names.length)]! });
            }
          }
          let counter = 0;
          const planned = dependencyPlanner.plan(solution.actions, () => `a${++counter}`);
          expect(validatePlan(initial, planned, { storage: initialStorage })).toEqual([]);
          stats.runs += 1;
          for (const action of solution.actions)
            if (action.actionType === 'volume_migrate') {
              stats.volumeMoves += 1;
              if ((action.requires ?? []).length > 0) stats.waits += 1;
            }
        },
      ),
      { numRuns: 150 },
    );
    // The property means something only if the mover plans many moves, some of them waiting for others.
    expect(stats.volumeMoves).toBeGreaterThan(5 * stats.runs);
    expect(stats.waits).toBeGreaterThan(stats.runs);
  }, 60_000);

  it('finds nothing in any plan the solution builder lets a random mover make, through the weight planner', () => {
    fc.assert(
      fc.property(
        fc.record({
          hosts: fc.integer({ min: 2, max: 8 }),
          instances: fc.integer({ min: 0, max: 40 }),
          moves: fc.integer({ min: 0, max: 80 }),
          seed: fc.integer(),
          parallelism: fc.integer({ min: 1, max: 6 }),
        }),
        ({ hosts, instances, moves, seed, parallelism }) => {
          const random = createRandom(seed);
          const model = new ClusterModel();
          for (let h = 0; h < hosts; h++)
            model.upsertNode(
              host(`h${h}`, {
                vcpus: 4 + Math.floor(random.next() * 12),
                vcpuRatio: random.next() < 0.3 ? 2 : 1,
                vcpuReserved: random.next() < 0.2 ? 1 : 0,
                status: random.next() < 0.1 ? 'disabled' : 'enabled',
                availabilityZone: random.next() < 0.5 ? 'az1' : 'az2',
              }),
            );
          const names = [...model.nodes()].map((node) => node.hostname);
          for (let i = 0; i < instances; i++) {
            const candidate = names[Math.floor(random.next() * names.length)]!;
            const vcpus = [1, 2, 4][Math.floor(random.next() * 3)]!;
            const node = model.getNode(candidate)!;
            if (model.usage(candidate).vcpus + vcpus > model.capacity(node).vcpus) continue;
            model.upsertInstance(
              vm(i, candidate, {
                vcpus,
                pinnedAvailabilityZone: random.next() < 0.2 ? node.availabilityZone : null,
                serverGroup: random.next() < 0.2 ? { uuid: 'g', policy: 'anti-affinity' } : null,
              }),
            );
          }
          const initial = model.clone();
          const solution = new SolutionBuilder(model);
          const all = [...model.instances()];
          for (let m = 0; m < moves && all.length > 0; m++) {
            const instance = all[Math.floor(random.next() * all.length)]!;
            const to = names[Math.floor(random.next() * names.length)]!;
            const roll = random.next();
            if (roll < 0.05) solution.disableComputeService(to);
            else if (roll < 0.1) solution.enableComputeService(to);
            else solution.migrate(instance, { to, live: random.next() < 0.7 });
          }
          let counter = 0;
          const planner = createWeightPlanner({
            parallelization: { migrate: parallelism, change_nova_service_state: parallelism },
          });
          const planned = planner.plan(solution.actions, () => `a${++counter}`);
          const findings = validatePlan(initial, planned);
          expect(findings).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
    // 300 runs take about 5 s on a loaded 2-core machine: the default 5 s made it flaky, not the property.
  }, 60_000);
});
