import { describe, expect, it } from 'vitest';
import { clusterModel } from '../../test/helpers/cluster-model-builder.js';
import { consolidationBounds } from './consolidation-bounds.js';
import { loadScenario } from './load-scenario.js';

const FIXTURES = 'test/fixtures/scenarios';

describe('consolidation lower bounds', () => {
  it.each([
    ['10x50, ratios 1.0', `${FIXTURES}/scenario-10x50-seed42.json`, 'vcpus', 4, 6, 7],
    ['100x1000, ratios 1.0', `${FIXTURES}/scenario-100x1000-seed42.json`, 'vcpus', 58, 42, 126],
    ['10x50, overcommit', `${FIXTURES}/overcommit/scenario-10x50-seed42.json`, 'memoryMb', 2, 8, 27],
    ['100x1000, overcommit', `${FIXTURES}/overcommit/scenario-100x1000-seed42.json`, 'diskGb', 28, 72, 492],
  ])(
    'gives the shared scenarios’ documented bounds on %s',
    (_name, path, binding, minHostsInUse, maxEmptyHosts, minMigrations) => {
      expect(consolidationBounds(loadScenario(path).model)).toMatchObject({
        binding,
        minHostsInUse,
        maxEmptyHosts,
        minMigrations,
      });
    },
  );

  it('counts instances too big to share a host, which the sum alone misses (Martello–Toth)', () => {
    // Three 20-vCPU instances on 32-vCPU hosts: 60 vCPU fit in two hosts by the sum, but no two share a host.
    const model = clusterModel()
      .host('h1')
      .host('h2')
      .host('h3')
      .host('h4')
      .instance('a', 'h1', { vcpus: 20 })
      .instance('b', 'h2', { vcpus: 20 })
      .instance('c', 'h3', { vcpus: 20 })
      .build();
    expect(consolidationBounds(model)).toMatchObject({
      minHostsInUse: 3,
      maxEmptyHosts: 1,
      minMigrations: 0,
    });
  });

  it('takes the largest hosts first when hosts differ, and honours reserved amounts and ratios', () => {
    const model = clusterModel()
      .host('big', { vcpus: 64, vcpuReserved: 16 })
      .host('small', { vcpus: 16, vcpuRatio: 2 })
      .host('tiny', { vcpus: 8 })
      .instance('a', 'small', { vcpus: 30 })
      .instance('b', 'tiny', { vcpus: 8 })
      .instance('c', 'tiny', { vcpus: 2 })
      .build();
    // 40 vCPU: the 48 left on 'big' hold them all; emptying two hosts moves at least the one instance of 'small'.
    expect(consolidationBounds(model)).toMatchObject({
      minHostsByResource: { vcpus: 1 },
      maxEmptyHosts: 2,
      emptyBefore: 1,
      minMigrations: 1,
    });
  });
});
