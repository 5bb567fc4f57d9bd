import { describe, expect, it } from 'vitest';
import { clusterModel, uuidOf, type ClusterModelBuilder } from '../../test/helpers/cluster-model-builder.js';
import { executeStrategy, expectValidPlan } from '../../test/helpers/strategy-run.js';
import type { ComputeNode } from '../model/elements.js';
import { savingEnergy } from './saving-energy.js';
import type { SolutionBuilder } from './solution-builder.js';

/** `count` hosts named `<prefix>0…`, each holding one instance (uuids from `firstUuid`). */
function busyHosts(
  cluster: ClusterModelBuilder,
  prefix: string,
  count: number,
  firstUuid = 1,
): ClusterModelBuilder {
  for (let h = 0; h < count; h++)
    cluster.host(`${prefix}${h}`).instance(uuidOf(firstUuid + h), `${prefix}${h}`);
  return cluster;
}

/** `count` empty hosts named `<prefix>0…`. */
function emptyHosts(
  cluster: ClusterModelBuilder,
  prefix: string,
  count: number,
  overrides: Partial<ComputeNode> = {},
): ClusterModelBuilder {
  for (let h = 0; h < count; h++) cluster.host(`${prefix}${h}`, overrides);
  return cluster;
}

/** The hosts the solution powers to `state`, sorted. */
const powered = (solution: SolutionBuilder, state: 'on' | 'off'): string[] =>
  solution.actions
    .filter((a) => a.actionType === 'change_node_power_state' && a.inputParameters.state === state)
    .map((a) => String(a.inputParameters.resource_name))
    .sort();

describe('saving_energy', () => {
  describe('powering empty hosts off', () => {
    it('keeps min_free_hosts_num empty hosts on, powers the other empty ones off and never a host with instances', async () => {
      const model = emptyHosts(busyHosts(clusterModel(), 'busy', 2), 'free', 4).build();
      const initial = model.clone();
      const solution = await executeStrategy(savingEnergy, model, undefined, {
        free_used_percent: 0,
        min_free_hosts_num: 1,
      });
      const off = powered(solution, 'off');
      expect(off).toHaveLength(3);
      expect(off.every((hostname) => hostname.startsWith('free'))).toBe(true);
      expect(powered(solution, 'on')).toEqual([]);
      expect(Object.fromEntries(solution.indicators)).toEqual({
        compute_nodes_count: 6,
        powered_off_nodes_count: 3,
        powered_on_nodes_count: 0,
      });
      expect(
        [...model.nodes()]
          .filter((node) => node.powerState === 'on')
          .map((node) => node.hostname)
          .sort(),
      ).toEqual([
        'busy0',
        'busy1',
        ...['free0', 'free1', 'free2', 'free3'].filter((hostname) => !off.includes(hostname)),
      ]);
      expectValidPlan(initial, solution.actions);
    });

    it('keeps free_used_percent of the hosts with instances on when that is more than min_free_hosts_num (rounded down)', async () => {
      // 25 busy hosts at 10 %: 2.5, rounded down to 2 spares of the 6 empty hosts.
      const model = emptyHosts(busyHosts(clusterModel(), 'busy', 25), 'free', 6).build();
      const solution = await executeStrategy(savingEnergy, model, undefined, {
        free_used_percent: 10,
        min_free_hosts_num: 1,
      });
      expect(powered(solution, 'off')).toHaveLength(4);
    });

    it('powers the disabled empty hosts off before the enabled ones', async () => {
      const cluster = busyHosts(clusterModel(), 'busy', 1);
      emptyHosts(cluster, 'enabled', 3);
      emptyHosts(cluster, 'disabled', 2, {
        status: 'disabled',
        disabledReason: 'emptied by a consolidation',
      });
      const solution = await executeStrategy(savingEnergy, cluster.build(), undefined, {
        min_free_hosts_num: 3,
      });
      expect(powered(solution, 'off')).toEqual(['disabled0', 'disabled1']);
    });

    it('leaves hosts in maintenance alone and does nothing when the pool of empty hosts is the right size', async () => {
      const cluster = busyHosts(clusterModel(), 'busy', 1);
      emptyHosts(cluster, 'free', 2);
      emptyHosts(cluster, 'maintained', 2, { inMaintenance: true });
      const solution = await executeStrategy(savingEnergy, cluster.build(), undefined, {
        min_free_hosts_num: 2,
      });
      expect(solution.actions).toEqual([]);
      expect(solution.indicators.get('powered_off_nodes_count')).toBe(0);
    });
  });

  describe('powering hosts back on', () => {
    it('powers powered-off hosts on until min_free_hosts_num empty hosts are on', async () => {
      const cluster = busyHosts(clusterModel(), 'busy', 3);
      emptyHosts(cluster, 'spare', 1);
      emptyHosts(cluster, 'dark', 4, { powerState: 'off', state: 'down' });
      const model = cluster.build();
      const initial = model.clone();
      const solution = await executeStrategy(savingEnergy, model, undefined, {
        free_used_percent: 0,
        min_free_hosts_num: 3,
      });
      const on = powered(solution, 'on');
      expect(on).toHaveLength(2);
      expect(on.every((hostname) => hostname.startsWith('dark'))).toBe(true);
      expect(powered(solution, 'off')).toEqual([]);
      expect(Object.fromEntries(solution.indicators)).toEqual({
        compute_nodes_count: 8,
        powered_off_nodes_count: 0,
        powered_on_nodes_count: 2,
      });
      for (const hostname of on) expect(model.getNode(hostname)?.powerState).toBe('on');
      expectValidPlan(initial, solution.actions);
    });

    it('powers hosts on when free_used_percent of the hosts with instances asks for more spares than are on', async () => {
      // 30 busy hosts at 10 %: 3 spares; one is on, so two of the five dark hosts come on.
      const cluster = busyHosts(clusterModel(), 'busy', 30);
      emptyHosts(cluster, 'spare', 1);
      emptyHosts(cluster, 'dark', 5, { powerState: 'off', state: 'down' });
      const solution = await executeStrategy(savingEnergy, cluster.build(), undefined, {
        free_used_percent: 10,
        min_free_hosts_num: 1,
      });
      expect(powered(solution, 'on')).toHaveLength(2);
    });

    it('powers on every powered-off host when there are fewer than it needs, and never a host with instances', async () => {
      const cluster = busyHosts(clusterModel(), 'busy', 2);
      emptyHosts(cluster, 'dark', 2, { powerState: 'off', state: 'down' });
      // A powered-off host that still holds an instance is not a spare: it is no empty host to power on.
      cluster.host('stranded', { powerState: 'off', state: 'down' }).instance(uuidOf(99), 'stranded');
      const solution = await executeStrategy(savingEnergy, cluster.build(), undefined, {
        min_free_hosts_num: 5,
      });
      expect(powered(solution, 'on')).toEqual(['dark0', 'dark1']);
    });
  });
});
