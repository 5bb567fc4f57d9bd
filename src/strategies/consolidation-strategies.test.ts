import {
  computeNode,
  flavor as flavorOf,
  instance,
  uuidOf,
} from '../../test/helpers/cluster-model-builder.js';
import { executeStrategy, metricsSource } from '../../test/helpers/strategy-run.js';
import { describe, expect, it } from 'vitest';
import { resourceKey, type MetricsSource } from '../datasources/metrics-source.js';
import { isStewardError } from '../errors.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';
import { nodeResourceConsolidationPlanner } from '../planners/index.js';
import { basicConsolidation } from './basic-consolidation.js';
import { nodeResourceConsolidation } from './node-resource-consolidation.js';
import { validatePlan } from './plan-validator.js';
import { savingEnergy } from './saving-energy.js';
import type { Strategy } from './strategy.js';
import { vmWorkloadConsolidation } from './vm-workload-consolidation.js';

function host(hostname: string, overrides: Partial<ComputeNode> = {}): ComputeNode {
  return computeNode(hostname, { vcpus: 16, ...overrides });
}

function vm(n: number, hostname: string, vcpus = 4): Instance {
  const shape = { id: `f${vcpus}`, name: `f${vcpus}`, vcpus, memoryMb: 2048 * vcpus, diskGb: 20 * vcpus };
  return instance(uuidOf(n), hostname, { name: `vm-${n}`, projectId: 'p', flavor: flavorOf(shape) });
}

/** Four hosts a quarter full: everything fits on one. */
function quarterFull(): ClusterModel {
  const model = new ClusterModel();
  for (let h = 0; h < 4; h++) {
    model.upsertNode(host(`h${h}`));
    model.upsertInstance(vm(h, `h${h}`));
  }
  return model;
}

/** Every instance at `cpuPct` CPU and 1024 MiB RAM, every host at `hostCpuPct`; `skip` (a hostname or uuid) has no reading. */
function constantMetrics(cpuPct: number, skip?: string, hostCpuPct = cpuPct / 4): MetricsSource {
  return metricsSource('constant', (resource, metric) => {
    if (resourceKey(resource) === skip) return undefined;
    return metric === 'instance_ram_usage' ? 1024 : metric === 'host_cpu_usage' ? hostCpuPct : cpuPct;
  });
}

describe('consolidation strategies', () => {
  it.each([
    ['basic', basicConsolidation],
    ['vm_workload_consolidation', vmWorkloadConsolidation],
  ])(
    '%s empties three of four quarter-full hosts with three migrations and disables them',
    async (_name, strategy) => {
      const model = quarterFull();
      const solution = await executeStrategy(strategy, model, constantMetrics(20));
      expect(solution.actions.filter((a) => a.actionType === 'migrate')).toHaveLength(3);
      expect(solution.actions.filter((a) => a.actionType === 'change_nova_service_state')).toHaveLength(3);
      expect(Object.fromEntries(solution.indicators)).toEqual({
        compute_nodes_count: 4,
        released_compute_nodes_count: 3,
        instance_migrations_count: 3,
      });
    },
  );

  it('vm_workload_consolidation keeps every host under its measured-CPU ceiling', async () => {
    // Each instance uses 4 of 16 cores at 100 %: a 60 % ceiling lets two share a host, not three or four.
    const model = quarterFull();
    const solution = await executeStrategy(vmWorkloadConsolidation, model, constantMetrics(100), {
      cpu_ceiling: 60,
    });
    expect(solution.indicators.get('released_compute_nodes_count')).toBe(2);
  });

  it('fails loudly, naming the metric and the instance, when the datasource lacks one instance’s data', async () => {
    const error = await executeStrategy(
      vmWorkloadConsolidation as Strategy,
      quarterFull(),
      constantMetrics(20, uuidOf(2)),
    ).catch((caught: unknown) => caught);
    expect(isStewardError(error) && error.code).toBe('METRIC_UNAVAILABLE');
    expect((error as Error).message).toMatch(new RegExp(`instance_cpu_usage.*${uuidOf(2)}`));
  });

  it('node_resource_consolidation (auto) disables the hosts it empties first, migrates without destination, re-enables them last', async () => {
    const model = quarterFull();
    const initial = model.clone();
    const solution = await executeStrategy(nodeResourceConsolidation, model, undefined);
    let n = 0;
    const planned = nodeResourceConsolidationPlanner.plan(solution.actions, () => `a${++n}`);
    const shape = planned.map((a) =>
      a.actionType === 'migrate'
        ? `migrate:${'destination_node' in a.inputParameters}`
        : String(a.inputParameters.state),
    );
    expect(shape).toEqual([
      'disabled',
      'disabled',
      'disabled',
      'migrate:false',
      'migrate:false',
      'migrate:false',
      'enabled',
      'enabled',
      'enabled',
    ]);
    expect(validatePlan(initial, planned)).toEqual([]);
  });

  it('saving_energy powers off the empty hosts beyond the ones it keeps on, and keeps min_free_hosts_num on', async () => {
    const model = new ClusterModel();
    for (let h = 0; h < 5; h++) model.upsertNode(host(`h${h}`));
    model.upsertInstance(vm(1, 'h0'));
    const solution = await executeStrategy(savingEnergy, model, undefined, { min_free_hosts_num: 1 });
    const off = solution.actions.filter((a) => a.actionType === 'change_node_power_state');
    expect(off).toHaveLength(3);
    expect(off.every((a) => a.inputParameters.state === 'off')).toBe(true);
    expect(solution.indicators.get('powered_off_nodes_count')).toBe(3);
  });
});
