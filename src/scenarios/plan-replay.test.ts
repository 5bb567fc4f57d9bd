import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clusterModel, flavor } from '../../test/helpers/cluster-model-builder.js';
import { validatePlan } from '../strategies/plan-validator.js';
import { replayPlan, type ReplayAction } from './plan-replay.js';
import { loadScenario } from './load-scenario.js';

const FIXTURES = 'test/fixtures/scenarios';

function watcherCase(dir: string, size: string, strategy: string) {
  const { document, model } = loadScenario(`${dir}/scenario-${size}-seed42.json`);
  const solution = JSON.parse(readFileSync(`${dir}/solution-${size}-seed42-${strategy}.json`, 'utf8')) as {
    actions: { action_type: string; input_parameters: Record<string, unknown> }[];
  };
  const actions: ReplayAction[] = solution.actions.map((action) => ({
    actionType: action.action_type,
    inputParameters: action.input_parameters,
  }));
  const instanceCpuPct = new Map(
    document.instances.map((instance) => [instance.uuid, instance.metrics.instance_cpu_usage ?? 0]),
  );
  return { model, outcome: replayPlan(model, actions, { instanceCpuPct }) };
}

describe('plan replay', () => {
  // The shared scenarios' README, "Feasibility" and overcommit/README.md: Watcher 9.0.0's plans replayed in order.
  it.each([
    [FIXTURES, '10x50', 'basic', 6, 17, 5, 0],
    [FIXTURES, '100x1000', 'basic', 42, 130, 38, 0],
    [`${FIXTURES}/overcommit`, '10x50', 'basic', 8, 30, 7, 0],
    [`${FIXTURES}/overcommit`, '100x1000', 'vm_workload_consolidation', 72, 525, 72, 0],
  ])(
    'replays Watcher’s plan in %s %s (%s) to its recorded empty hosts and migrations',
    (dir, size, strategy, emptyHostsAfter, migrations, serviceStateChanges, capacityBreaks) => {
      expect(watcherCase(dir, size, strategy).outcome).toMatchObject({
        emptyHostsAfter,
        migrations,
        serviceStateChanges,
        capacityBreaks,
      });
    },
  );

  it.each([
    ['10x50', 'vm_workload_consolidation', 88.8],
    ['100x1000', 'vm_workload_consolidation', 103.7],
    ['10x50', 'basic', 89.3],
    ['100x1000', 'basic', 102.4],
  ])(
    'measures the highest host CPU after Watcher’s overcommit %s %s plan as recorded (%s %%)',
    (size, strategy, pct) => {
      const { outcome } = watcherCase(`${FIXTURES}/overcommit`, size, strategy);
      expect(outcome.maxHostCpuPct).toBeCloseTo(pct, 1);
      expect(outcome.hostsOverCpu! > 0).toBe(pct > 100);
    },
  );

  it('counts the moves of Watcher’s ratio-1.0 vm_workload_consolidation plan that Placement would refuse, as the validator does', () => {
    const { model, outcome } = watcherCase(FIXTURES, '10x50', 'vm_workload_consolidation');
    expect(outcome).toMatchObject({ emptyHostsAfter: 8, migrations: 30 });
    expect(outcome.capacityBreaks).toBe(18);
    const chained = outcome.actions.map((action, index) => ({
      uuid: `a${index}`,
      ...action,
      parents: index === 0 ? [] : [`a${index - 1}`],
    }));
    expect(validatePlan(model, chained).filter((finding) => finding.rule === 'VCPU_CAPACITY')).toHaveLength(
      18,
    );
  });

  it('sends a migration without destination where Nova’s scheduler would, among the enabled hosts with room', () => {
    const { model, outcome } = watcherCase(FIXTURES, '10x50', 'node_resource_consolidation');
    expect(outcome).toMatchObject({
      migrations: 5,
      scheduledMigrations: 5,
      unschedulable: 0,
      capacityBreaks: 0,
    });
    const disabled = new Set(
      outcome.actions
        .filter((action) => action.inputParameters.state === 'disabled')
        .map((action) => action.inputParameters.resource_name),
    );
    for (const action of outcome.actions.filter((candidate) => candidate.actionType === 'migrate'))
      expect(disabled.has(action.inputParameters.destination_node)).toBe(false);
    const chained = outcome.actions.map((action, index) => ({
      uuid: `a${index}`,
      ...action,
      parents: index === 0 ? [] : [`a${index - 1}`],
    }));
    expect(validatePlan(model, chained)).toEqual([]);
  });

  it('weighs free RAM, vCPU and disk like Nova’s default weighers and leaves an instance no host can take', () => {
    const model = clusterModel()
      .host('source')
      .host('roomy', { memoryMb: 131072 })
      .host('full', { vcpus: 2 })
      .host('off', { status: 'disabled' })
      .instance('i1', 'source')
      .instance('i2', 'source', { vcpus: 40 })
      .instance('i3', 'full')
      .build();
    const outcome = replayPlan(model, [
      {
        actionType: 'migrate',
        inputParameters: { resource_id: 'i1', migration_type: 'live', source_node: 'source' },
      },
      {
        actionType: 'migrate',
        inputParameters: { resource_id: 'i2', migration_type: 'live', source_node: 'source' },
      },
    ]);
    expect(outcome.actions[0]!.inputParameters.destination_node).toBe('roomy');
    expect(outcome.actions[1]!.inputParameters.destination_node).toBeUndefined();
    expect(outcome).toMatchObject({ scheduledMigrations: 1, unschedulable: 1, emptyHostsAfter: 1 });
    expect(outcome.maxHostCpuPct).toBeUndefined();
  });

  it('schedules on the hosts as the plan has left them: a host disabled or given a trait earlier in the plan counts', () => {
    const model = clusterModel()
      .host('source')
      .host('roomy', { memoryMb: 131072 })
      .host('plain')
      .instance('i1', 'source')
      .instance('i2', 'source', { flavor: flavor({ extraSpecs: { 'trait:CUSTOM_FAST': 'required' } }) })
      .build();
    const move = (uuid: string): ReplayAction => ({
      actionType: 'migrate',
      inputParameters: { resource_id: uuid, migration_type: 'live', source_node: 'source' },
    });
    const outcome = replayPlan(model, [
      {
        actionType: 'change_nova_service_state',
        inputParameters: { resource_id: 'roomy', state: 'disabled' },
      },
      move('i1'),
      move('i2'),
      { actionType: 'add_trait', inputParameters: { resource_id: 'node-plain', trait: 'CUSTOM_FAST' } },
      move('i2'),
    ]);
    expect(outcome.actions.map((action) => action.inputParameters.destination_node)).toEqual([
      undefined,
      'plain',
      undefined,
      undefined,
      'plain',
    ]);
    expect(outcome).toMatchObject({
      scheduledMigrations: 2,
      unschedulable: 1,
      capacityBreaks: 0,
      emptyHostsAfter: 2,
    });
  });
});
