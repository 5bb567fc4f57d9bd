import { describe, expect, it } from 'vitest';
import { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';
import { SolutionBuilder, SolutionLimitReached } from './solution-builder.js';

const VM = '6ae05517-a512-462d-9d83-90c313b5a8ff';

describe('SolutionBuilder', () => {
  it('drops exact duplicate actions', () => {
    const solution = new SolutionBuilder(new ClusterModel());
    solution.nop('same');
    solution.nop('same');
    solution.nop('other');
    expect(solution.actions.map((a) => a.inputParameters.message)).toEqual(['same', 'other']);
  });

  it('refuses action types the audit does not allow, and more actions than the limit', () => {
    const solution = new SolutionBuilder(new ClusterModel(), { allowedActionTypes: ['nop'], maxActions: 1 });
    expect(() => solution.sleep(1)).toThrow(SolutionLimitReached);
    solution.nop('one');
    expect(() => solution.nop('two')).toThrow(/at most 1 actions/);
  });

  it('refuses input parameters that break the action schema', () => {
    const solution = new SolutionBuilder(new ClusterModel());
    expect(() => solution.add('sleep', { duration: -1 })).toThrow(/sleep/);
  });

  it('refuses to migrate or resize an instance the audit scope excludes, and leaves the model alone', () => {
    const model = new ClusterModel();
    model.upsertNode(host('a'));
    model.upsertNode(host('b'));
    model.upsertInstance({ ...vm(VM, 'a'), watcherExclude: true });
    const solution = new SolutionBuilder(model);
    expect(solution.canTouch(VM)).toBe(false);
    expect(() => solution.migrate(model.getInstance(VM)!, { from: 'a', to: 'b', live: true })).toThrow(
      /excluded by the audit scope/,
    );
    expect(() => solution.resize(VM, 'm1.large')).toThrow(SolutionLimitReached);
    expect(model.getInstance(VM)!.hostname).toBe('a');
    expect(solution.actions).toEqual([]);
  });

  it('applies a planned migration to the working model so later decisions see it', () => {
    const model = new ClusterModel();
    model.upsertNode(host('a'));
    model.upsertNode(host('b'));
    model.upsertInstance(vm(VM, 'a'));
    const solution = new SolutionBuilder(model);
    solution.migrate(model.getInstance(VM)!, { from: 'a', to: 'b', live: true });
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

  it('records efficacy indicators by name, the last value winning', () => {
    const solution = new SolutionBuilder(new ClusterModel());
    solution.indicator('instance_migrations_count', 1);
    solution.indicator('instance_migrations_count', 3);
    expect([...solution.indicators]).toEqual([['instance_migrations_count', 3]]);
  });
});

function host(hostname: string): ComputeNode {
  return {
    uuid: `uuid-${hostname}`,
    hostname,
    state: 'up',
    status: 'enabled',
    disabledReason: null,
    vcpus: 8,
    vcpuReserved: 0,
    vcpuRatio: 1,
    memoryMb: 16384,
    memoryMbReserved: 0,
    memoryRatio: 1,
    diskGb: 100,
    diskGbReserved: 0,
    diskRatio: 1,
    availabilityZone: null,
    aggregates: [],
    traits: [],
    inMaintenance: false,
  };
}

function vm(uuid: string, hostname: string): Instance {
  return {
    uuid,
    name: uuid,
    state: 'active',
    taskState: null,
    hostname,
    projectId: 'p',
    flavor: { id: 'f', name: 'f', vcpus: 2, memoryMb: 2048, diskGb: 10, extraSpecs: {} },
    vcpus: 2,
    memoryMb: 2048,
    diskGb: 10,
    locked: false,
    metadata: {},
    pinnedAvailabilityZone: null,
    schedulerHints: {},
    imageProperties: {},
    serverGroup: null,
    updatedAt: new Date('2026-01-01T00:00:00Z'),
  };
}
