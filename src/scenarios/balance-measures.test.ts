import { computeNode, flavor, instance } from '../../test/helpers/cluster-model-builder.js';
import { describe, expect, it } from 'vitest';
import { ClusterModel } from '../model/cluster-model.js';
import { measureBalance, thresholdLowerBound, type BalanceInputs } from './balance-measures.js';

const uuidOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Two 16-vCPU hosts: h0 runs 4 instances of 2 vCPUs at 100 % (8 cores, 50 %), h1 nothing; 2 % overhead each. */
function inputs(): BalanceInputs {
  const model = new ClusterModel();
  model.upsertNode(computeNode('h0', { vcpus: 16 }));
  model.upsertNode(computeNode('h1', { vcpus: 16 }));
  model.upsertNode(computeNode('off', { vcpus: 16, status: 'disabled' }));
  for (let n = 0; n < 4; n++)
    model.upsertInstance(instance(uuidOf(n), 'h0', { flavor: flavor({ vcpus: 2 }), vcpus: 2 }));
  return {
    model,
    hostCpuPct: new Map([
      ['h0', 52],
      ['h1', 2],
      ['off', 2],
    ]),
    instanceCpuPct: new Map([0, 1, 2, 3].map((n) => [uuidOf(n), 100])),
  };
}

const move = (n: number, to: string) => ({
  actionType: 'migrate',
  inputParameters: { resource_id: uuidOf(n), destination_node: to },
});

describe('balance measures of a plan on a recorded cluster', () => {
  it('measures the host CPU deviation and the hosts at or above the threshold over the enabled hosts', () => {
    expect(measureBalance(inputs())).toEqual({ cpuStdDev: 0.25, hostsAtOrAboveThreshold: 1, migrations: 0 });
  });

  it('moves each migrated instance’s share from its host to its destination', () => {
    // Two each: both hosts at 27 % (25 % of it their instances', which is at the threshold).
    const after = measureBalance(inputs(), [move(0, 'h1'), move(1, 'h1')]);
    expect(after).toEqual({ cpuStdDev: 0, hostsAtOrAboveThreshold: 2, migrations: 2 });
    expect(measureBalance(inputs(), [move(0, 'h1')]).cpuStdDev).toBeCloseTo(0.125, 12);
  });

  it('bounds the migrations that clear every host from below: the largest movable instances first', () => {
    // h0 is at 50 % of 25 %: two 2-core instances leave it at 25 %, still at the threshold; three are needed.
    expect(thresholdLowerBound(inputs(), 25)).toBe(3);
    const locked = inputs();
    for (let n = 0; n < 2; n++)
      locked.model.upsertInstance({ ...locked.model.getInstance(uuidOf(n))!, locked: true });
    // Only two may move: h0 cannot get under, so no plan clears it and it adds nothing to the bound.
    expect(thresholdLowerBound(locked, 25)).toBe(0);
  });
});
