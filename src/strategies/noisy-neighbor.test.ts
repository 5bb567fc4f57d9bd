import { describe, expect, it } from 'vitest';
import { computeNode, flavor, instance, uuidOf } from '../../test/helpers/cluster-model-builder.js';
import { executeStrategy, expectValidPlan, metricsSource } from '../../test/helpers/strategy-run.js';
import type { MetricsSource } from '../datasources/metrics-source.js';
import { isStewardError } from '../errors.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode } from '../model/elements.js';
import { noisyNeighbor } from './noisy-neighbor.js';
import type { StrategyLog } from './strategy.js';

const warnings: string[] = [];
const log: StrategyLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: (_fields, message) => warnings.push(message),
};

/** An instance: its host, its `watcher-priority` (none when undefined) and its L3 MiB [previous period, last period]. */
interface Spec {
  host: string;
  priority?: string;
  l3: [previous: number, current: number];
  vcpus?: number;
}

function cluster(
  hosts: Record<string, Partial<ComputeNode>>,
  instances: Record<string, Spec>,
): { model: ClusterModel; metrics: MetricsSource } {
  const model = new ClusterModel();
  for (const [hostname, overrides] of Object.entries(hosts))
    model.upsertNode(computeNode(hostname, { vcpus: 16, memoryMb: 65536, diskGb: 1000, ...overrides }));
  const uuids = new Map<string, string>();
  for (const [name, spec] of Object.entries(instances)) {
    const vcpus = spec.vcpus ?? 4;
    const uuid = uuidOf(uuids.size);
    uuids.set(uuid, name);
    model.upsertInstance(
      instance(uuid, spec.host, {
        name,
        flavor: flavor({ id: `f${vcpus}`, vcpus, memoryMb: 4096, diskGb: 40 }),
        metadata: spec.priority === undefined ? {} : { 'watcher-priority': spec.priority },
      }),
    );
  }
  // The mean over `period` is the last period's; over 2 × `period`, the mean of both.
  const mean = (uuid: string, periodSeconds: number): number | undefined => {
    const l3 = instances[uuids.get(uuid) ?? '']?.l3;
    if (!l3) return undefined;
    return periodSeconds > 100 ? (l3[0] + l3[1]) / 2 : l3[1];
  };
  const metrics = metricsSource(
    'l3',
    (resource, _metric, options) =>
      resource.kind === 'instance' ? mean(resource.uuid, options.periodSeconds) : undefined,
    (metric) => metric === 'instance_l3_cache_usage',
  );
  return { model, metrics };
}

async function run(
  setup: { model: ClusterModel; metrics: MetricsSource | undefined },
  params: Record<string, unknown> = {},
) {
  const { model, metrics } = setup;
  const initial = model.clone();
  const solution = await executeStrategy(noisyNeighbor, model, metrics, params, { log });
  expectValidPlan(initial, solution.actions);
  return {
    // Instances by name, for reading.
    moves: solution.actions.map((action) => [
      initial.getInstance(String(action.inputParameters.resource_id))?.name,
      action.inputParameters.source_node,
      action.inputParameters.destination_node,
      action.inputParameters.migration_type,
    ]),
    indicators: Object.fromEntries(solution.indicators),
  };
}

describe('noisy_neighbor', () => {
  it('moves the lower-priority neighbour whose L3 share rose away from the priority instance whose share fell', async () => {
    const { moves, indicators } = await run(
      cluster(
        { shared: {}, other: {} },
        {
          victim: { host: 'shared', priority: '1', l3: [8, 4] },
          steady: { host: 'shared', l3: [2, 2] },
          noisy: { host: 'shared', priority: '9', l3: [1, 6] },
          elsewhere: { host: 'other', l3: [3, 3] },
        },
      ),
    );
    expect(moves).toEqual([['noisy', 'shared', 'other', 'live']]);
    expect(indicators).toEqual({
      instances_count: 4,
      noisy_neighbour_victims_count: 1,
      noisy_neighbours_moved_count: 1,
    });
  });

  it('warns that it is deprecated', async () => {
    warnings.length = 0;
    await run(cluster({ a: {} }, { x: { host: 'a', l3: [1, 1] } }));
    expect(warnings.some((message) => message.includes('deprecated'))).toBe(true);
  });

  it('needs a fall and a rise strictly past cache_threshold', async () => {
    const shared = (victim: [number, number], noisy: [number, number]) =>
      cluster(
        { shared: {}, other: {} },
        { victim: { host: 'shared', priority: '1', l3: victim }, noisy: { host: 'shared', l3: noisy } },
      );
    // A fall of exactly 35 %, then a rise of exactly 35 %: neither counts (upstream compares strictly).
    expect((await run(shared([10, 6.5], [1, 3]))).moves).toEqual([]);
    expect((await run(shared([10, 6], [2, 2.7]))).moves).toEqual([]);
    expect((await run(shared([10, 6], [2, 2.8]))).moves).toHaveLength(1);
    expect((await run(shared([10, 8], [2, 2.8]), { cache_threshold: 15 })).moves).toHaveLength(1);
  });

  it('takes the first victim in priority order and looks for its neighbour only among lower priorities', async () => {
    const { moves } = await run(
      cluster(
        { shared: {}, other: {} },
        {
          // `riser` outranks the victim, so it is no noisy neighbour of it, however its share grew.
          riser: { host: 'shared', priority: '0', l3: [1, 9] },
          victim: { host: 'shared', priority: '2', l3: [8, 3] },
          quiet: { host: 'shared', priority: '7', l3: [3, 3] },
          noisy: { host: 'shared', l3: [2, 5] },
        },
      ),
    );
    expect(moves).toEqual([['noisy', 'shared', 'other', 'live']]);
  });

  it('counts one victim per host, the first in priority order, as upstream', async () => {
    const { moves, indicators } = await run(
      cluster(
        { shared: {}, other: {} },
        {
          first: { host: 'shared', priority: '1', l3: [8, 3] },
          second: { host: 'shared', priority: '2', l3: [8, 3] },
          noisy: { host: 'shared', l3: [1, 6] },
        },
      ),
    );
    expect(moves).toEqual([['noisy', 'shared', 'other', 'live']]);
    expect(indicators.noisy_neighbour_victims_count).toBe(1);
  });

  it('finds no noisy neighbour when no lower-priority instance’s share rose', async () => {
    const { moves, indicators } = await run(
      cluster(
        { shared: {}, other: {} },
        {
          victim: { host: 'shared', priority: '1', l3: [8, 3] },
          shrinking: { host: 'shared', l3: [4, 2] },
        },
      ),
    );
    expect(moves).toEqual([]);
    expect(indicators.noisy_neighbour_victims_count).toBe(0);
  });

  it('relieves the host whose victim has the highest priority, and moves only one neighbour', async () => {
    const { moves, indicators } = await run(
      cluster(
        { a: {}, b: {}, free: {} },
        {
          'victim-a': { host: 'a', priority: '3', l3: [8, 2] },
          'noisy-a': { host: 'a', l3: [1, 5] },
          'victim-b': { host: 'b', priority: '1', l3: [8, 4] },
          'noisy-b': { host: 'b', l3: [1, 5] },
        },
      ),
    );
    expect(moves).toEqual([['noisy-b', 'b', 'free', 'live']]);
    expect(indicators).toMatchObject({ noisy_neighbour_victims_count: 2, noisy_neighbours_moved_count: 1 });
  });

  it('passes over a neighbour Nova will not live-migrate, and targets Nova would refuse', async () => {
    const setup = cluster(
      {
        shared: {},
        disabled: { status: 'disabled', disabledReason: 'maintenance' },
        full: { vcpus: 4 },
        free: {},
      },
      {
        victim: { host: 'shared', priority: '1', l3: [8, 3] },
        calmer: { host: 'shared', priority: '6', l3: [1, 4] },
        locked: { host: 'shared', priority: '8', l3: [1, 6] },
        filler: { host: 'full', l3: [2, 2] },
      },
    );
    [...setup.model.instances()].find((candidate) => candidate.name === 'locked')!.locked = true;
    const { moves } = await run(setup);
    expect(moves).toEqual([['calmer', 'shared', 'free', 'live']]);
  });

  it('reads watcher-priority as a number, 5 when absent or unreadable', async () => {
    const { moves } = await run(
      cluster(
        { shared: {}, other: {} },
        {
          // As strings "10" sorts before "5"; as numbers the victim (5, unreadable) comes before the noisy one (10).
          victim: { host: 'shared', priority: 'high', l3: [8, 3] },
          noisy: { host: 'shared', priority: '10', l3: [1, 5] },
        },
      ),
    );
    expect(moves).toEqual([['noisy', 'shared', 'other', 'live']]);
  });

  it('fails the audit naming the metric when an instance has no L3 reading or no datasource is configured', async () => {
    const setup = cluster({ a: {} }, { x: { host: 'a', l3: [1, 1] } });
    setup.model.upsertInstance(instance(uuidOf(99), 'a'));
    for (const metrics of [setup.metrics, undefined]) {
      const error = await run({ model: setup.model.clone(), metrics }).catch((e: unknown) => e);
      expect(isStewardError(error) && error.code).toBe('METRIC_UNAVAILABLE');
      expect((error as Error).message).toContain('instance_l3_cache_usage');
    }
  });
});
