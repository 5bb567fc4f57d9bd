import { describe, expect, it } from 'vitest';
import { runStrategy } from '../../test/contracts/strategy.contract.js';
import { clusterModel, uuidOf } from '../../test/helpers/cluster-model-builder.js';
import { executeStrategy, expectValidPlan, quietLog } from '../../test/helpers/strategy-run.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { Instance } from '../model/elements.js';
import { dependencyPlanner } from '../planners/dependency.js';
import type { PlannedAction } from '../planners/planner.js';
import { hostMaintenance, maintenanceTiers, REASON_FOR_MAINTAINING } from './host-maintenance.js';

type Setup = Partial<Pick<Instance, 'state' | 'metadata' | 'locked'>>;

/** Host `m` (to maintain) holding one instance per setup, `vm-1`…; hosts `b` (backup) and `o` (other). */
function cluster(setups: readonly Setup[], hosts: { b?: object } = {}): ClusterModel {
  const builder = clusterModel()
    .host('m')
    .host('b', hosts.b ?? {})
    .host('o');
  setups.forEach((setup, at) => builder.instance(uuidOf(at + 1), 'm', { name: `vm-${at + 1}`, ...setup }));
  return builder.build();
}

async function plan(
  model: ClusterModel,
  parameters: Record<string, unknown> = {},
): Promise<{ planned: PlannedAction[]; model: ClusterModel }> {
  const initial = model.clone();
  const solution = await runStrategy(hostMaintenance, model, { maintenance_node: 'm', ...parameters });
  const planned = expectValidPlan(initial, solution.actions, { planner: dependencyPlanner });
  return { planned, model };
}

/** One line per action: `migrate live vm-1 → b`, `stop vm-2`, `disable m`. */
function describe_(planned: readonly PlannedAction[], model: ClusterModel): string[] {
  const name = (uuid: unknown) => model.getInstance(String(uuid))?.name ?? String(uuid);
  return planned.map(({ actionType, inputParameters: p }) => {
    if (actionType === 'migrate')
      return `migrate ${String(p.migration_type)} ${name(p.resource_id)} → ${String(p.destination_node)}`;
    if (actionType === 'stop') return `stop ${name(p.resource_id)}`;
    if (actionType === 'change_nova_service_state')
      return `${String(p.state) === 'disabled' ? 'disable' : 'enable'} ${String(p.resource_name)}`;
    return actionType;
  });
}

describe('host_maintenance', () => {
  it('disables the host first, with upstream’s reason, and every other action waits for it', async () => {
    const { planned, model } = await plan(cluster([{}, { state: 'stopped' }]), { backup_node: 'b' });
    expect(describe_(planned, model)).toEqual([
      'disable m',
      'migrate live vm-1 → b',
      'migrate cold vm-2 → b',
    ]);
    expect(planned[0]!.inputParameters.disabled_reason).toBe(REASON_FOR_MAINTAINING);
    for (const action of planned.slice(1)) expect(action.parents).toContain(planned[0]!.uuid);
    expect(model.instancesOn('m')).toEqual([]);
    expect(model.getNode('m')!.status).toBe('disabled');
  });

  it('only disables a host without instances, and does nothing to one already disabled', async () => {
    expect(describe_((await plan(cluster([]))).planned, cluster([]))).toEqual(['disable m']);
    const disabled = clusterModel()
      .host('m', { status: 'disabled', disabledReason: 'watcher_maintaining' })
      .build();
    expect((await plan(disabled)).planned).toEqual([]);
  });

  it.each([
    // [parameters, instance state, metadata, expected actions]
    [{}, 'active', {}, ['migrate live vm-1 → b']],
    [{}, 'stopped', {}, ['migrate cold vm-1 → b']],
    [{ disable_live_migration: true }, 'active', {}, ['migrate cold vm-1 → b']],
    [{ disable_live_migration: true }, 'stopped', {}, ['migrate cold vm-1 → b']],
    [{ disable_cold_migration: true }, 'active', {}, ['migrate live vm-1 → b']],
    [{ disable_cold_migration: true }, 'stopped', {}, []],
    [{ disable_live_migration: true, disable_cold_migration: true }, 'active', {}, ['stop vm-1']],
    [{ disable_live_migration: true, disable_cold_migration: true }, 'stopped', {}, []],
    [{}, 'active', { 'lifecycle:live-migratable': 'false' }, ['migrate cold vm-1 → b']],
    [{}, 'active', { 'lifecycle:cold-migratable': 'false' }, ['migrate live vm-1 → b']],
    [
      {},
      'active',
      { 'lifecycle:live-migratable': 'false', 'lifecycle:cold-migratable': 'false' },
      ['stop vm-1'],
    ],
    [{}, 'stopped', { 'lifecycle:cold-migratable': 'false' }, []],
    [{ disable_live_migration: true }, 'active', { 'lifecycle:cold-migratable': 'false' }, ['stop vm-1']],
    [{ disable_cold_migration: true }, 'active', { 'lifecycle:live-migratable': 'False' }, ['stop vm-1']],
    [{}, 'active', { 'ha:maintenance-strategy': 'power_off' }, ['stop vm-1']],
    [{}, 'stopped', { 'ha:maintenance-strategy': 'power_off' }, []],
    [{}, 'active', { 'ha:maintenance-strategy': 'in_place' }, []],
    [
      { disable_live_migration: true, disable_cold_migration: true },
      'active',
      { 'ha:maintenance-strategy': 'in_place' },
      [],
    ],
    [{}, 'active', { 'ha:maintenance-strategy': 'migrate' }, ['migrate live vm-1 → b']],
    [{}, 'active', { 'ha:maintenance-strategy': 'reboot' }, ['migrate live vm-1 → b']],
    [{}, 'paused', {}, ['migrate live vm-1 → b']],
    [{ disable_live_migration: true }, 'paused', {}, []],
    [{}, 'error', {}, []],
  ] as const)('with %j an instance %s with %j gets %j', async (parameters, state, metadata, expected) => {
    const { planned, model } = await plan(cluster([{ state, metadata: { ...metadata } }]), {
      backup_node: 'b',
      ...parameters,
    });
    expect(describe_(planned, model).slice(1)).toEqual(expected);
  });

  it('never plans a move the instance’s lifecycle metadata forbids, whatever the parameters', async () => {
    const combos: Setup[] = [];
    for (const state of ['active', 'stopped', 'paused'] as const)
      for (const live of [undefined, 'false'])
        for (const cold of [undefined, 'false'])
          for (const handling of [undefined, 'in_place', 'power_off', 'migrate'])
            combos.push({
              state,
              metadata: {
                ...(live && { 'lifecycle:live-migratable': live }),
                ...(cold && { 'lifecycle:cold-migratable': cold }),
                ...(handling && { 'ha:maintenance-strategy': handling }),
              },
            });
    for (const disable_live_migration of [false, true])
      for (const disable_cold_migration of [false, true]) {
        const { planned, model } = await plan(cluster(combos, {}), {
          disable_live_migration,
          disable_cold_migration,
        });
        for (const action of planned.filter((a) => a.actionType === 'migrate')) {
          const instance = model.getInstance(String(action.inputParameters.resource_id))!;
          const kind = action.inputParameters.migration_type;
          expect(kind === 'live' ? disable_live_migration : disable_cold_migration).toBe(false);
          expect(instance.metadata[`lifecycle:${String(kind)}-migratable`]).toBeUndefined();
          expect(instance.metadata['ha:maintenance-strategy'] ?? 'migrate').toBe('migrate');
        }
        // What is left on the host is in place by request, or not running.
        for (const left of model.instancesOn('m'))
          expect(
            left.metadata['ha:maintenance-strategy'] === 'in_place' || left.state !== 'active',
            `${left.name} ${JSON.stringify(left.metadata)} ${left.state}`,
          ).toBe(true);
      }
  });

  it('stops a running instance no host can take, and spreads past a full backup node', async () => {
    const tiny = { vcpus: 2 };
    const { planned, model } = await plan(cluster([{}, {}, {}], { b: tiny }), { backup_node: 'b' });
    // Each instance takes 2 vCPUs: one fits the backup, the rest go to o.
    expect(describe_(planned, model)).toEqual([
      'disable m',
      'migrate live vm-1 → b',
      'migrate live vm-2 → o',
      'migrate live vm-3 → o',
    ]);
    const full = clusterModel().host('m').host('b', tiny).instance(uuidOf(1), 'm', { name: 'vm-1' });
    full.instance(uuidOf(2), 'm', { name: 'vm-2' });
    const crowded = await plan(full.build(), { backup_node: 'b' });
    expect(describe_(crowded.planned, crowded.model)).toEqual([
      'disable m',
      'migrate live vm-1 → b',
      'stop vm-2',
    ]);
  });

  it('enables a disabled backup node before moving instances there, as upstream', async () => {
    const { planned, model } = await plan(
      cluster([{}], { b: { status: 'disabled', disabledReason: 'spare' } }),
      { backup_node: 'b' },
    );
    expect(describe_(planned, model)).toEqual(['disable m', 'enable b', 'migrate live vm-1 → b']);
    expect(planned[2]!.parents).toEqual(expect.arrayContaining([planned[0]!.uuid, planned[1]!.uuid]));
  });

  it('handles standbys first and primaries last, higher ha:priority first, each tier after the one before', async () => {
    const model = cluster([
      { metadata: { 'ha:role': 'primary' } },
      { metadata: { 'ha:role': 'standby' } },
      { metadata: { 'ha:priority': '5' } },
      { metadata: { 'ha:priority': '1' } },
      { metadata: { 'ha:role': 'standby', 'ha:maintenance-strategy': 'power_off' } },
    ]);
    const { planned } = await plan(model.clone(), { disable_live_migration: true });
    expect(describe_(planned, model)).toEqual([
      'disable m',
      'migrate cold vm-2 → b',
      'stop vm-5',
      'migrate cold vm-3 → o',
      'migrate cold vm-4 → o',
      'migrate cold vm-1 → b',
    ]);
    const [disable, standby, stop, high, low, primary] = planned.map((action) => action.uuid);
    expect(planned[1]!.parents).toEqual([disable]);
    expect(planned[2]!.parents).toEqual([disable]);
    expect(planned[3]!.parents).toEqual([standby, stop]);
    expect(planned[4]!.parents).toContain(high);
    expect(planned[5]!.parents).toContain(low);
    expect(primary).toBeDefined();
  });

  it('orders tiers by role rank, then priority, then name', () => {
    const at = (name: string, metadata: Record<string, string>) =>
      ({ name, uuid: name, metadata }) as unknown as Instance;
    const tiers = maintenanceTiers([
      at('a', { 'ha:role': 'master' }),
      at('b', {}),
      at('c', { 'ha:role': 'replica', 'ha:priority': '-1' }),
      at('d', { 'ha:role': 'replica', 'ha:priority': '2' }),
      at('e', { 'ha:priority': 'high' }),
    ]);
    expect(tiers.map((tier) => tier.map((i) => i.name))).toEqual([['d'], ['c'], ['b', 'e'], ['a']]);
  });

  it('plans nothing, with a warning, for a node outside the audit’s model', async () => {
    const warnings: string[] = [];
    const model = cluster([{}]);
    const solution = await executeStrategy(
      hostMaintenance,
      model,
      undefined,
      { maintenance_node: 'nowhere' },
      { log: { ...quietLog, warn: (_fields, message) => warnings.push(message) } },
    );
    expect(solution.actions).toEqual([]);
    expect(warnings).toEqual(['host_maintenance: the node is not in the audit’s model']);
  });
});
