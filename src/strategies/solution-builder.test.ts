import { computeNode, flavor as flavorOf, instance } from '../../test/helpers/cluster-model-builder.js';
import { describe, expect, it } from 'vitest';
import { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';
import { SolutionBuilder } from './solution-builder.js';
import { storageModel } from '../../test/helpers/storage-model-builder.js';

const VM = '6ae05517-a512-462d-9d83-90c313b5a8ff';
const VM2 = '7ae05517-a512-462d-9d83-90c313b5a8ff';
const VM3 = '8ae05517-a512-462d-9d83-90c313b5a8ff';
const VOLUME = '9ae05517-a512-462d-9d83-90c313b5a8ff';

function cluster(hosts: Partial<ComputeNode>[], instances: Partial<Instance>[]): ClusterModel {
  const model = new ClusterModel();
  for (const overrides of hosts) model.upsertNode(host(overrides.hostname!, overrides));
  for (const overrides of instances)
    model.upsertInstance(vm(overrides.uuid!, overrides.hostname!, overrides));
  return model;
}

describe('SolutionBuilder', () => {
  it('drops exact duplicate actions, naming the rule', () => {
    const solution = new SolutionBuilder(new ClusterModel());
    solution.nop('same');
    expect(solution.nop('same')).toMatchObject({ ok: false, rule: 'DUPLICATE' });
    solution.nop('other');
    expect(solution.actions.map((a) => a.inputParameters.message)).toEqual(['same', 'other']);
  });

  it('refuses action types the audit does not allow, and more actions than the limit, as outcomes', () => {
    const solution = new SolutionBuilder(new ClusterModel(), { allowedActionTypes: ['nop'], maxActions: 1 });
    expect(solution.sleep(1)).toMatchObject({ ok: false, rule: 'ACTION_NOT_ALLOWED' });
    expect(solution.nop('one')).toEqual({ ok: true, index: 0 });
    expect(solution.nop('two')).toMatchObject({
      ok: false,
      rule: 'ACTION_LIMIT',
      reason: /at most 1 actions/,
    });
  });

  it('throws on input parameters that break the action schema (a programming error)', () => {
    const solution = new SolutionBuilder(new ClusterModel());
    expect(() => solution.add('sleep', { duration: -1 })).toThrow(/sleep/);
  });

  it('refuses to migrate or resize an instance the audit scope excludes, and leaves the model alone', () => {
    const model = cluster(
      [{ hostname: 'a' }, { hostname: 'b' }],
      [{ uuid: VM, hostname: 'a', watcherExclude: true }],
    );
    const solution = new SolutionBuilder(model);
    expect(solution.canTouch(VM)).toBe(false);
    expect(solution.migrate(model.getInstance(VM)!, { to: 'b', live: true })).toMatchObject({
      ok: false,
      rule: 'INSTANCE_EXCLUDED',
    });
    expect(solution.resize(model.getInstance(VM)!, 'm1.large')).toMatchObject({
      ok: false,
      rule: 'INSTANCE_EXCLUDED',
    });
    expect(model.getInstance(VM)!.hostname).toBe('a');
    expect(solution.actions).toEqual([]);
  });

  it('applies a planned migration to the working model so later decisions see it', () => {
    const model = cluster([{ hostname: 'a' }, { hostname: 'b' }], [{ uuid: VM, hostname: 'a' }]);
    const solution = new SolutionBuilder(model);
    expect(solution.migrate(model.getInstance(VM)!, { to: 'b', live: true })).toEqual({ ok: true, index: 0 });
    expect(model.getInstance(VM)!.hostname).toBe('b');
    expect(model.usage('b').vcpus).toBe(2);
    expect(solution.actions).toEqual([
      {
        actionType: 'migrate',
        inputParameters: {
          resource_id: VM,
          migration_type: 'live',
          source_node: 'a',
          destination_node: 'b',
          resource_name: VM,
        },
      },
    ]);
  });

  it.each([
    ['VCPU_CAPACITY', { hostname: 'b', vcpus: 2, vcpuReserved: 1 }, {}],
    ['MEMORY_CAPACITY', { hostname: 'b', memoryMb: 4096, memoryMbReserved: 3000, memoryRatio: 1.5 }, {}],
    ['DISK_CAPACITY', { hostname: 'b', diskGb: 5 }, {}],
    ['DESTINATION_DISABLED', { hostname: 'b', status: 'disabled' as const }, {}],
    ['DESTINATION_DOWN', { hostname: 'b', state: 'down' as const }, {}],
    ['HOST_IN_MAINTENANCE', { hostname: 'b', inMaintenance: true }, {}],
    ['AVAILABILITY_ZONE', { hostname: 'b', availabilityZone: 'az2' }, { pinnedAvailabilityZone: 'az1' }],
    ['REQUIRED_TRAIT', { hostname: 'b' }, { flavor: flavorWith({ 'trait:HW_CPU_X86_AVX2': 'required' }) }],
    [
      'FORBIDDEN_TRAIT',
      { hostname: 'b', traits: ['CUSTOM_GPU'] },
      { flavor: flavorWith({ 'trait:CUSTOM_GPU': 'forbidden' }) },
    ],
    [
      'AGGREGATE_EXTRA_SPECS',
      { hostname: 'b' },
      { flavor: flavorWith({ 'aggregate_instance_extra_specs:ssd': 'true' }) },
    ],
    ['INSTANCE_LOCKED', { hostname: 'b' }, { locked: true }],
    ['INSTANCE_BUSY', { hostname: 'b' }, { taskState: 'migrating' }],
    ['INSTANCE_STATE', { hostname: 'b' }, { state: 'stopped' as const }],
    ['NOT_LIVE_MIGRATABLE', { hostname: 'b' }, { metadata: { 'lifecycle:live-migratable': 'false' } }],
    ['LIVE_MIGRATION_UNSUPPORTED', { hostname: 'b' }, { capabilities: { live_migratable: false } }],
  ] as const)('refuses a live migration Nova would refuse: %s', (rule, destination, instance) => {
    const model = cluster([{ hostname: 'a' }, destination], [{ uuid: VM, hostname: 'a', ...instance }]);
    const solution = new SolutionBuilder(model);
    const outcome = solution.migrate(model.getInstance(VM)!, { to: 'b', live: true });
    expect(outcome).toMatchObject({ ok: false, rule });
    expect(outcome.ok ? '' : outcome.reason).toMatch(/\(.+\)/);
    expect(model.getInstance(VM)!.hostname).toBe('a');
    expect(solution.actions).toHaveLength(0);
  });

  it('lets a cold migration move a stopped instance but not one whose metadata forbids it', () => {
    const model = cluster(
      [{ hostname: 'a' }, { hostname: 'b' }],
      [
        { uuid: VM, hostname: 'a', state: 'stopped' },
        { uuid: VM2, hostname: 'a', metadata: { 'lifecycle:cold-migratable': 'False' } },
      ],
    );
    const solution = new SolutionBuilder(model);
    expect(solution.migrate(model.getInstance(VM)!, { to: 'b', live: false }).ok).toBe(true);
    expect(solution.migrate(model.getInstance(VM2)!, { to: 'b', live: false })).toMatchObject({
      rule: 'NOT_COLD_MIGRATABLE',
    });
    expect(solution.migrate(model.getInstance(VM2)!, { to: 'b', live: true }).ok).toBe(true);
  });

  it('names the role that protected a lifecycle key in the refusal', () => {
    const model = cluster(
      [{ hostname: 'a' }, { hostname: 'b' }],
      [
        {
          uuid: VM,
          hostname: 'a',
          metadata: { 'lifecycle:live-migratable': 'false' },
          protectedMetadata: { 'lifecycle:live-migratable': 'admin' },
        },
      ],
    );
    const outcome = new SolutionBuilder(model).migrate(model.getInstance(VM)!, { to: 'b', live: true });
    expect(outcome).toMatchObject({ ok: false, rule: 'NOT_LIVE_MIGRATABLE' });
    expect(outcome.ok ? '' : outcome.reason).toContain('set by admin, protected from the project’s members');
  });

  it('honours lifecycle metadata on hand-written migrations that leave the destination to Nova', () => {
    const model = cluster(
      [{ hostname: 'a' }, { hostname: 'b' }],
      [{ uuid: VM, hostname: 'a', metadata: { 'lifecycle:live-migratable': 'false' } }],
    );
    const solution = new SolutionBuilder(model);
    const move = (migration_type: 'live' | 'cold') =>
      solution.add('migrate', { resource_id: VM, migration_type, source_node: 'a' });
    expect(move('live')).toMatchObject({ ok: false, rule: 'NOT_LIVE_MIGRATABLE' });
    expect(move('cold').ok).toBe(true);
  });

  it('stops only an active, idle, unlocked instance in scope, after the actions it is told to wait for', () => {
    const model = cluster(
      [{ hostname: 'a' }],
      [
        { uuid: VM, hostname: 'a' },
        { uuid: VM2, hostname: 'a', state: 'stopped' },
        { uuid: VM3, hostname: 'a', taskState: 'migrating' },
      ],
    );
    const solution = new SolutionBuilder(model);
    const disabled = solution.disableComputeService('a');
    expect(disabled.ok).toBe(true);
    expect(solution.stop(model.getInstance(VM)!, { after: [0] })).toEqual({ ok: true, index: 1 });
    expect(solution.actions[1]!.requires).toEqual([0]);
    expect(model.getInstance(VM)!.state).toBe('stopped');
    expect(solution.stop(model.getInstance(VM)!)).toMatchObject({ ok: false, rule: 'INSTANCE_STATE' });
    expect(solution.stop(model.getInstance(VM2)!)).toMatchObject({ ok: false, rule: 'INSTANCE_STATE' });
    expect(solution.stop(model.getInstance(VM3)!)).toMatchObject({ ok: false, rule: 'INSTANCE_BUSY' });
  });

  it('keeps affinity groups together and anti-affinity groups apart', () => {
    const affinity = { uuid: 'g-aff', policy: 'affinity' };
    const anti = { uuid: 'g-anti', policy: 'anti-affinity' };
    const model = cluster(
      [{ hostname: 'a' }, { hostname: 'b' }, { hostname: 'c' }],
      [
        { uuid: VM, hostname: 'a', serverGroup: affinity },
        { uuid: VM2, hostname: 'a', serverGroup: affinity },
        { uuid: VM3, hostname: 'c', serverGroup: anti },
        { uuid: '9ae05517-a512-462d-9d83-90c313b5a8ff', hostname: 'b', serverGroup: anti },
      ],
    );
    const solution = new SolutionBuilder(model);
    expect(solution.migrate(model.getInstance(VM)!, { to: 'b', live: true })).toMatchObject({
      rule: 'AFFINITY',
    });
    expect(solution.migrate(model.getInstance(VM3)!, { to: 'b', live: true })).toMatchObject({
      rule: 'ANTI_AFFINITY',
    });
    expect(solution.migrate(model.getInstance(VM3)!, { to: 'a', live: true }).ok).toBe(true);
  });

  it('honours aggregate extra specs and tenant isolation through the destination’s aggregates', () => {
    const model = cluster(
      [{ hostname: 'a' }, { hostname: 'b', aggregates: [1] }, { hostname: 'c', aggregates: [2] }],
      [{ uuid: VM, hostname: 'a', flavor: flavorWith({ 'aggregate_instance_extra_specs:ssd': 'true' }) }],
    );
    model.upsertAggregate({
      id: 1,
      name: 'ssd',
      availabilityZone: null,
      hosts: ['b'],
      metadata: { ssd: 'true', filter_tenant_id: 'other' },
    });
    model.upsertAggregate({
      id: 2,
      name: 'ssd2',
      availabilityZone: null,
      hosts: ['c'],
      metadata: { ssd: 'false,true' },
    });
    const solution = new SolutionBuilder(model);
    expect(solution.migrate(model.getInstance(VM)!, { to: 'b', live: true })).toMatchObject({
      rule: 'TENANT_ISOLATION',
    });
    expect(solution.migrate(model.getInstance(VM)!, { to: 'c', live: true }).ok).toBe(true);
  });

  it('makes a move into a host wait for the moves out of it whose room it needs, and chains moves into one host', () => {
    // b is full (4 of 4 vCPU); VM2 leaves b, then VM comes in: VM must wait for VM2's departure.
    const model = cluster(
      [{ hostname: 'a' }, { hostname: 'b', vcpus: 4 }, { hostname: 'c' }],
      [
        { uuid: VM, hostname: 'a' },
        { uuid: VM2, hostname: 'b' },
        { uuid: VM3, hostname: 'b' },
      ],
    );
    const solution = new SolutionBuilder(model);
    expect(solution.migrate(model.getInstance(VM2)!, { to: 'c', live: true })).toEqual({
      ok: true,
      index: 0,
    });
    expect(solution.migrate(model.getInstance(VM3)!, { to: 'c', live: true })).toEqual({
      ok: true,
      index: 1,
    });
    expect(solution.migrate(model.getInstance(VM)!, { to: 'b', live: true })).toEqual({ ok: true, index: 2 });
    expect(solution.actions.map((action) => action.requires ?? [])).toEqual([[], [0], [0]]);
  });

  it('disables a host only after the moves into it, and powers one off only once it is empty', () => {
    const model = cluster([{ hostname: 'a' }, { hostname: 'b' }], [{ uuid: VM, hostname: 'a' }]);
    const solution = new SolutionBuilder(model);
    expect(solution.changePowerState('a', 'off')).toMatchObject({ ok: false, rule: 'HOST_NOT_EMPTY' });
    solution.migrate(model.getInstance(VM)!, { to: 'b', live: true });
    expect(solution.disableComputeService('b')).toEqual({ ok: true, index: 1 });
    expect(solution.changePowerState('a', 'off')).toEqual({ ok: true, index: 2 });
    expect(solution.actions.map((action) => action.requires ?? [])).toEqual([[], [0], [0]]);
    expect(model.getNode('b')!.status).toBe('disabled');
    expect(solution.migrate(model.getInstance(VM)!, { to: 'a', live: true })).toMatchObject({
      rule: 'DESTINATION_POWERED_OFF',
    });
  });

  it('moves a volume in the storage model it was given, at construction or later', () => {
    const build = () =>
      storageModel()
        .backend('c0@lvm')
        .pool('c0@lvm#a')
        .pool('c0@lvm#b')
        .volume(VOLUME, 'c0@lvm#a', { sizeGb: 40 })
        .build();
    const given = build();
    const atConstruction = new SolutionBuilder(new ClusterModel(), {}, given);
    expect(atConstruction.add('volume_migrate', migrateVolume(VOLUME, 'c0@lvm#b')).ok).toBe(true);
    expect(given.getVolume(VOLUME)?.pool).toBe('c0@lvm#b');
    expect(given.getPool('c0@lvm#b')?.allocatedCapacityGb).toBe(40);

    const later = build();
    const loadedLazily = new SolutionBuilder(new ClusterModel());
    loadedLazily.useStorage(later);
    expect(loadedLazily.add('volume_migrate', migrateVolume(VOLUME, 'c0@lvm#b')).ok).toBe(true);
    expect(later.getVolume(VOLUME)?.pool).toBe('c0@lvm#b');
  });

  it('runs moves into a pool side by side while they fit its room; one that needs a move out waits for it', () => {
    const storage = storageModel()
      .backend('c0@lvm')
      .pool('c0@lvm#a', { virtualFreeGb: 1000 })
      .pool('c0@lvm#b', { virtualFreeGb: 50 })
      .volume(VOLUME, 'c0@lvm#a', { sizeGb: 20 })
      .volume(VM2, 'c0@lvm#a', { sizeGb: 20 })
      .volume(VM3, 'c0@lvm#b', { sizeGb: 30 })
      .volume(VM, 'c0@lvm#a', { sizeGb: 30 })
      .build();
    const solution = new SolutionBuilder(new ClusterModel(), {}, storage);
    const volume = (uuid: string) => storage.getVolume(uuid)!;
    expect(solution.migrateVolume(volume(VOLUME), { to: 'c0@lvm#b' })).toEqual({ ok: true, index: 0 });
    expect(solution.migrateVolume(volume(VM2), { to: 'c0@lvm#b' })).toEqual({ ok: true, index: 1 });
    // 50 GB of room: full now; a third move in is refused until a move out frees room.
    expect(solution.migrateVolume(volume(VM), { to: 'c0@lvm#b' })).toMatchObject({
      ok: false,
      rule: 'POOL_CAPACITY',
    });
    expect(storage.getVolume(VM)!.pool).toBe('c0@lvm#a');
    expect(solution.migrateVolume(volume(VM3), { to: 'c0@lvm#a' })).toEqual({ ok: true, index: 2 });
    expect(solution.migrateVolume(volume(VM), { to: 'c0@lvm#b' })).toEqual({ ok: true, index: 3 });
    expect(solution.actions.map((action) => action.requires ?? [])).toEqual([[], [], [], [0, 1, 2]]);
    expect(solution.actions[3]!.inputParameters).toEqual({
      resource_id: VM,
      migration_type: 'migrate',
      destination_node: 'c0@lvm#b',
      resource_name: `vol-${VM}`,
    });
  });

  it('orders a move of an attached volume with the other actions on its server', () => {
    const model = cluster([{ hostname: 'a' }, { hostname: 'b' }], [{ uuid: VM, hostname: 'a' }]);
    const storage = storageModel()
      .backend('c0@lvm')
      .pool('c0@lvm#a')
      .pool('c0@lvm#b')
      .volume(VOLUME, 'c0@lvm#a', { status: 'in-use', attachments: [{ serverId: VM }] })
      .build();
    const solution = new SolutionBuilder(model, {}, storage);
    expect(solution.stop(model.getInstance(VM)!).ok).toBe(true);
    // Stopped: Nova cannot copy the volume for it.
    expect(solution.migrateVolume(storage.getVolume(VOLUME)!, { to: 'c0@lvm#b' })).toMatchObject({
      rule: 'VOLUME_SERVER_STATE',
    });
    model.getInstance(VM)!.state = 'active';
    expect(solution.migrateVolume(storage.getVolume(VOLUME)!, { to: 'c0@lvm#b' })).toEqual({
      ok: true,
      index: 1,
    });
    expect(solution.migrate(model.getInstance(VM)!, { to: 'b', live: true })).toEqual({ ok: true, index: 2 });
    expect(solution.actions.map((action) => action.requires ?? [])).toEqual([[], [0], [1]]);
  });

  it('retypes a volume to where Cinder’s scheduler would put it, and checks hand-written volume moves too', () => {
    const storage = storageModel()
      .backend('c0@lvm', { volumeType: ['lvm'] })
      .backend('c1@ssd', { volumeType: ['ssd'] })
      .pool('c0@lvm#a', { volumeTypes: ['lvm'] })
      .pool('c1@ssd#c', { volumeTypes: ['ssd'], virtualFreeGb: 200 })
      .pool('c1@ssd#d', { volumeTypes: ['ssd'], virtualFreeGb: 300 })
      .volume(VOLUME, 'c0@lvm#a', { volumeType: 'lvm', sizeGb: 40 })
      .build();
    const solution = new SolutionBuilder(new ClusterModel(), {}, storage);
    expect(solution.add('volume_migrate', migrateVolume(VOLUME, 'c1@ssd#c'))).toMatchObject({
      rule: 'POOL_VOLUME_TYPE',
    });
    expect(solution.retypeVolume(storage.getVolume(VOLUME)!, { type: 'ssd' }).ok).toBe(true);
    expect(storage.getVolume(VOLUME)).toMatchObject({ pool: 'c1@ssd#d', volumeType: 'ssd' });
    expect(storage.getPool('c1@ssd#d')!.virtualFreeGb).toBe(260);
    expect(solution.actions[0]!.inputParameters).toEqual({
      resource_id: VOLUME,
      migration_type: 'retype',
      destination_type: 'ssd',
      resource_name: `vol-${VOLUME}`,
    });
  });

  it('records efficacy indicators by name, the last value winning', () => {
    const solution = new SolutionBuilder(new ClusterModel());
    solution.indicator('instance_migrations_count', 1);
    solution.indicator('instance_migrations_count', 3);
    expect([...solution.indicators]).toEqual([['instance_migrations_count', 3]]);
  });
});

function flavorWith(extraSpecs: Record<string, string>): Instance['flavor'] {
  return { id: 'f', name: 'f', vcpus: 2, memoryMb: 2048, diskGb: 10, extraSpecs };
}

function host(hostname: string, overrides: Partial<ComputeNode> = {}): ComputeNode {
  return computeNode(hostname, {
    uuid: `uuid-${hostname}`,
    vcpus: 8,
    memoryMb: 16384,
    diskGb: 100,
    availabilityZone: null,
    ...overrides,
  });
}

function vm(uuid: string, hostname: string, overrides: Partial<Instance> = {}): Instance {
  const shape = overrides.flavor ?? flavorOf({ id: 'f', name: 'f', vcpus: 2, memoryMb: 2048, diskGb: 10 });
  return instance(uuid, hostname, { name: uuid, projectId: 'p', ...overrides, flavor: shape });
}

function migrateVolume(volumeUuid: string, pool: string) {
  return {
    resource_id: volumeUuid,
    migration_type: 'migrate',
    destination_node: pool,
  } as const;
}
