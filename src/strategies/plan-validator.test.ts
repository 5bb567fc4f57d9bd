import { computeNode, flavor as flavorOf, instance } from '../../test/helpers/cluster-model-builder.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../lib/rng.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';
import { createWeightPlanner } from '../planners/weight.js';
import { validatePlan, type PlanAction } from './plan-validator.js';
import { SolutionBuilder } from './solution-builder.js';

const uuidOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

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
  });
});
