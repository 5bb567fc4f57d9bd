import { describe, expect, it } from 'vitest';
import { parseScenario, readScenario } from './scenario-file.js';

const SCENARIO_10X50 = 'test/fixtures/scenarios/scenario-10x50-seed42.json';

describe('scenario files', () => {
  it('reads the shared 10x50 scenario with its hosts, instances and units', () => {
    const doc = readScenario(SCENARIO_10X50);
    expect(doc.nodes).toHaveLength(10);
    expect(doc.instances).toHaveLength(50);
    expect(doc.units?.host_ram_usage).toBe('KiB');
    expect(doc.nodes[0]).toMatchObject({ hostname: 'compute-00000', vcpus: 48, vcpu_ratio: 1 });
  });

  it('names every problem of a malformed scenario with its path', () => {
    const broken = {
      nodes: [{ uuid: 'n1', hostname: 'h1', vcpus: 'many' }],
      instances: [{ uuid: 'i1' }],
    };
    let message = '';
    try {
      parseScenario(broken, 'broken.json');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('scenario broken.json is not in the shared scenario format');
    expect(message).toContain('/nodes/0');
    expect(message).toContain('/instances/0');
  });

  it('says which file is not JSON', () => {
    expect(() => readScenario('package.json.missing')).toThrow(
      /scenario package\.json\.missing cannot be read/,
    );
  });
});
