import { describe, expect, it } from 'vitest';
import { clusterModel, flavor } from '../test/helpers/cluster-model-builder.js';
import { minimumMigrations } from './consolidation-milp.js';

const one = flavor({ id: 'one', name: 'one', vcpus: 1, memoryMb: 1024, diskGb: 10 });
const two = flavor({ id: 'two', name: 'two', vcpus: 2, memoryMb: 2048, diskGb: 20 });
const group = (policy: string) => ({ serverGroup: { uuid: 'group-1', policy } });

/** Three hosts of 4 vCPUs: a holds three 1-vCPU instances, b and c one 2-vCPU instance each. */
function cluster(bAndC: Record<string, unknown> = {}) {
  return clusterModel()
    .host('a', { vcpus: 4 })
    .host('b', { vcpus: 4 })
    .host('c', { vcpus: 4 })
    .instance('a1', 'a', { flavor: one })
    .instance('a2', 'a', { flavor: one })
    .instance('a3', 'a', { flavor: one })
    .instance('b1', 'b', { flavor: two, ...bAndC })
    .instance('c1', 'c', { flavor: two, ...bAndC })
    .build();
}

describe('the consolidation MILP reference', () => {
  it('finds the single move that empties a host', async () => {
    const optimum = await minimumMigrations(cluster(), 1);
    expect(optimum).toMatchObject({ status: 'Optimal', migrations: 1 });
  });

  it('keeps anti-affine members apart, which costs a second move (a1 off a to make room for b1)', async () => {
    expect((await minimumMigrations(cluster(group('anti-affinity')), 1)).migrations).toBe(2);
  });

  it('leaves locked instances where they are', async () => {
    // b1 and c1 may not move, so emptying a host means moving the three small instances off a.
    expect((await minimumMigrations(cluster({ locked: true }), 1)).migrations).toBe(3);
  });

  it('says so when no assignment empties that many hosts', async () => {
    const optimum = await minimumMigrations(cluster({ locked: true }), 2);
    expect(optimum.migrations).toBeUndefined();
    expect(optimum.status).toBe('Infeasible');
  });

  it('answers 0 when nothing has to be emptied', async () => {
    expect((await minimumMigrations(cluster(), 0)).migrations).toBe(0);
  });
});
