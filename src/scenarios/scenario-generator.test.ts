import { describe, expect, it } from 'vitest';
import { generateScenario, uuid5 } from './scenario-generator.js';
import { scenarioModel } from './load-scenario.js';
import { readScenario } from './scenario-file.js';

const shared = readScenario('test/fixtures/scenarios/scenario-100x1000-seed42.json');

/** The figures the shared scenarios' README gives for fake_cluster's clusters. */
function shape(doc: ReturnType<typeof generateScenario>) {
  const vcpusOn = new Map(doc.nodes.map((node) => [node.uuid, 0]));
  for (const instance of doc.instances)
    vcpusOn.set(instance.host, (vcpusOn.get(instance.host) ?? 0) + instance.vcpus);
  const share = (vcpus: number) =>
    doc.instances.filter((instance) => instance.vcpus === vcpus).length / doc.instances.length;
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    vcpusPerHost: mean([...vcpusOn.values()]),
    hostCpuPct: mean(doc.nodes.map((node) => node.metrics.host_cpu_usage ?? 0)),
    instanceCpuPct: mean(doc.instances.map((instance) => instance.metrics.instance_cpu_usage ?? 0)),
    flavorShares: [1, 2, 4, 8].map(share),
  };
}

describe('scenario generator', () => {
  it('names hosts and instances with fake_cluster.py’s own uuid5 ids', () => {
    const doc = generateScenario({ hosts: 3, instances: 5 });
    expect(doc.nodes.map((node) => node.uuid)).toEqual(shared.nodes.slice(0, 3).map((node) => node.uuid));
    expect(doc.instances[0]).toMatchObject({ uuid: shared.instances[0]!.uuid, name: 'vm-000000' });
    expect(uuid5('project-0')).toBe(shared.instances[0]!.project_id);
  });

  it('gives the same cluster for the same seed and another for another seed', () => {
    const a = generateScenario({ hosts: 20, instances: 200, seed: 7 });
    expect(generateScenario({ hosts: 20, instances: 200, seed: 7 })).toEqual(a);
    expect(generateScenario({ hosts: 20, instances: 200, seed: 8 })).not.toEqual(a);
  });

  it('has the shared scenarios’ flavor mix, allocation and load (1,000 hosts, 10,000 instances)', () => {
    const generated = shape(generateScenario({ hosts: 1000, instances: 10_000, seed: 42 }));
    // shared 1000x10000: 28.1 vCPU allocated and 25.3 % host CPU on average; Beta(2, 3) has mean 40 %.
    expect(generated.vcpusPerHost).toBeCloseTo(28.1, 0);
    expect(generated.hostCpuPct).toBeGreaterThan(24);
    expect(generated.hostCpuPct).toBeLessThan(26.5);
    expect(generated.instanceCpuPct).toBeCloseTo(40, 0);
    generated.flavorShares.forEach((share, index) =>
      expect(share).toBeCloseTo([0.3, 0.35, 0.25, 0.1][index]!, 1),
    );
  });

  it('places within each host’s physical size and leaves some hosts nearly empty, some well loaded', () => {
    const doc = generateScenario({ hosts: 100, instances: 1000 });
    const model = scenarioModel(doc);
    const loads = [...model.nodes()].map((node) => model.usage(node.hostname));
    for (const load of loads) {
      expect(load.vcpus).toBeLessThanOrEqual(48);
      expect(load.memoryMb).toBeLessThanOrEqual(196_608);
      expect(load.diskGb).toBeLessThanOrEqual(2000);
    }
    expect(Math.min(...loads.map((load) => load.vcpus))).toBeLessThan(8);
    expect(Math.max(...loads.map((load) => load.vcpus))).toBeGreaterThan(44);
  });

  it('derives host metrics from its instances as fake_cluster does', () => {
    const doc = generateScenario({ hosts: 5, instances: 40 });
    const node = doc.nodes[0]!;
    const mine = doc.instances.filter((instance) => instance.host === node.uuid);
    const cores = mine.reduce((sum, i) => sum + (i.vcpus * i.metrics.instance_cpu_usage!) / 100, 0);
    const ramMb = mine.reduce((sum, i) => sum + i.metrics.instance_ram_usage!, 0);
    expect(node.metrics.host_cpu_usage).toBeCloseTo(2 + (100 * cores) / 48, 3);
    expect(node.metrics.host_ram_usage).toBeCloseTo((ramMb + 4096) * 1024, 0);
    expect(node.instances).toEqual(mine.map((i) => i.uuid).sort());
  });

  it('builds the overcommitted variant with the ratios given and the same placement', () => {
    const plain = generateScenario({ hosts: 10, instances: 50 });
    const overcommit = generateScenario({
      hosts: 10,
      instances: 50,
      ratios: { vcpu: 4, memory: 1.5, disk: 1 },
    });
    expect(overcommit.nodes[0]).toMatchObject({ vcpu_ratio: 4, memory_ratio: 1.5, disk_ratio: 1 });
    expect(overcommit.instances).toEqual(plain.instances);
  });

  it('says so when the hosts cannot hold the instances', () => {
    expect(() => generateScenario({ hosts: 1, instances: 100 })).toThrow(/1 hosts cannot hold 100 instances/);
  });
});
