import { describe, expect, it } from 'vitest';
import { loadScenario, scenarioMetrics, scenarioModel } from './load-scenario.js';
import { readScenario } from './scenario-file.js';

const SCENARIO_10X50 = 'test/fixtures/scenarios/scenario-10x50-seed42.json';

describe('a scenario as a strategy sees it', () => {
  const window = { periodSeconds: 3600, aggregate: 'mean' as const };

  it('places every instance on its host, with the host capacity Nova would allow', () => {
    const { model } = loadScenario(SCENARIO_10X50);
    expect(model.nodeCount).toBe(10);
    expect(model.instanceCount).toBe(50);
    const node = model.getNode('compute-00000')!;
    expect(model.capacity(node)).toEqual({ vcpus: 48, memoryMb: 196608, diskGb: 2000 });
    expect(model.instancesOn('compute-00000')).toHaveLength(9);
    const vm = model.getInstance('ca4cd413-50e2-5193-8bcd-c99ffca8ded9')!;
    expect(vm).toMatchObject({ name: 'vm-000000', vcpus: 1, memoryMb: 2048, diskGb: 20, state: 'active' });
    expect(vm.flavor.name).toBe('m1.small');
    expect(model.getNode(vm.hostname!)?.uuid).toBe('09439291-0c17-578d-aa5a-c9c4b4211a6c');
  });

  it('keeps the overcommit variant’s allocation ratios', () => {
    const { model } = loadScenario('test/fixtures/scenarios/overcommit/scenario-10x50-seed42.json');
    expect(model.capacity(model.getNode('compute-00000')!)).toEqual({
      vcpus: 192,
      memoryMb: 294912,
      diskGb: 2000,
    });
  });

  it('serves host RAM in MiB although the file stores KiB, and CPU in %', async () => {
    const { metrics } = loadScenario(SCENARIO_10X50);
    const host = { kind: 'host' as const, hostname: 'compute-00000' };
    const vm = { kind: 'instance' as const, uuid: 'ca4cd413-50e2-5193-8bcd-c99ffca8ded9' };
    expect(await metrics.statistic(host, 'host_ram_usage', window)).toBeCloseTo(38158028.8 / 1024, 6);
    expect(await metrics.statistic(host, 'host_cpu_usage', window)).toBe(37.573);
    expect(await metrics.statistic(vm, 'instance_cpu_usage', window)).toBe(5.942);
    expect(await metrics.statistic(vm, 'instance_ram_usage', window)).toBe(885.3);
    expect(metrics.supports('host_cpu_steal_pct')).toBe(false);
  });

  it('converts a host RAM stored in MB as it is', async () => {
    const doc = readScenario(SCENARIO_10X50);
    const metrics = scenarioMetrics({ ...doc, units: { ...doc.units, host_ram_usage: 'MB' } }, 'mb.json');
    expect(
      await metrics.statistic({ kind: 'host', hostname: 'compute-00000' }, 'host_ram_usage', window),
    ).toBe(38158028.8);
  });

  it('refuses a unit it cannot convert, naming the metric', () => {
    const doc = readScenario(SCENARIO_10X50);
    expect(() =>
      scenarioMetrics({ ...doc, units: { ...doc.units, instance_cpu_usage: 'cores' } }, 'cores.json'),
    ).toThrow(/scenario cores\.json stores instance_cpu_usage in cores/);
  });

  it('refuses an instance on a host the scenario does not have', () => {
    const doc = readScenario(SCENARIO_10X50);
    const [first, ...rest] = doc.instances;
    expect(() => scenarioModel({ ...doc, instances: [{ ...first!, host: 'nowhere' }, ...rest] })).toThrow(
      /on nowhere/,
    );
  });
});
