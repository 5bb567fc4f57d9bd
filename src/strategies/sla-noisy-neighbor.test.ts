import { describe, expect, it } from 'vitest';
import { computeNode, flavor, instance, uuidOf } from '../../test/helpers/cluster-model-builder.js';
import { executeStrategy, expectValidPlan, metricsSource } from '../../test/helpers/strategy-run.js';
import type { MetricName, MetricsSource } from '../datasources/metrics-source.js';
import { isStewardError } from '../errors.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';
import { slaNoisyNeighbor } from './sla-noisy-neighbor.js';

/** An instance: its host, vCPUs, and its mean readings (CPU served and steal in %, I/O wait %, miss rate). */
interface Spec {
  host: string;
  vcpus: number;
  cpu: number;
  steal?: number;
  ioWait?: number;
  missRate?: number;
  overrides?: Partial<Instance>;
}

function cluster(
  hosts: Record<string, Partial<ComputeNode>>,
  instances: Record<string, Spec>,
): { model: ClusterModel; metrics: MetricsSource } {
  const model = new ClusterModel();
  for (const [hostname, overrides] of Object.entries(hosts))
    model.upsertNode(
      computeNode(hostname, { vcpus: 8, vcpuRatio: 4, memoryMb: 65536, diskGb: 1000, ...overrides }),
    );
  const specs = new Map<string, Spec>();
  for (const [name, spec] of Object.entries(instances)) {
    const uuid = uuidOf(specs.size);
    specs.set(uuid, spec);
    model.upsertInstance(
      instance(uuid, spec.host, {
        name,
        flavor: flavor({ id: `f${spec.vcpus}`, vcpus: spec.vcpus, memoryMb: 2048, diskGb: 20 }),
        ...spec.overrides,
      }),
    );
  }
  const read = (uuid: string, metric: MetricName): number | undefined => {
    const spec = specs.get(uuid);
    if (!spec) return undefined;
    if (metric === 'instance_cpu_usage') return spec.cpu;
    if (metric === 'instance_cpu_steal_pct') return spec.steal ?? 1;
    if (metric === 'instance_io_wait_pct') return spec.ioWait ?? 2;
    if (metric === 'instance_cache_miss_rate') return spec.missRate ?? 0.05;
    return undefined;
  };
  const metrics = metricsSource('table', (resource, metric) =>
    resource.kind === 'instance' ? read(resource.uuid, metric) : undefined,
  );
  return { model, metrics };
}

async function run(
  setup: { model: ClusterModel; metrics: MetricsSource | undefined },
  params: Record<string, unknown> = {},
) {
  const { model, metrics } = setup;
  const initial = model.clone();
  const solution = await executeStrategy(slaNoisyNeighbor, model, metrics, params);
  expectValidPlan(initial, solution.actions);
  return {
    moves: solution.actions.map((action) => [
      initial.getInstance(String(action.inputParameters.resource_id))?.name,
      action.inputParameters.source_node,
      action.inputParameters.destination_node,
    ]),
    indicators: Object.fromEntries(solution.indicators),
  };
}

/**
 * The simulator's noisy-neighbour host: 8 cores asked for 10.4 (victim-a 2 × 80 %, victim-b 4 × 70 %, noisy 8 × 75 %),
 * so each is served 77 % of its demand and steals the rest: every one of them is over the 10 % threshold.
 */
const crowded = (served = 8 / 10.4): Record<string, Spec> => ({
  'victim-a': { host: 'h0', vcpus: 2, cpu: 80 * served, steal: 80 * (1 - served) },
  'victim-b': { host: 'h0', vcpus: 4, cpu: 70 * served, steal: 70 * (1 - served) },
  noisy: { host: 'h0', vcpus: 8, cpu: 75 * served, steal: 75 * (1 - served) },
  'web-1': { host: 'h1', vcpus: 1, cpu: 20 },
  'web-2': { host: 'h2', vcpus: 4, cpu: 50 },
});

describe('sla_noisy_neighbor', () => {
  it('moves the neighbour demanding the most CPU, not its victims, to the host with the most cores to spare', async () => {
    const { moves, indicators } = await run(cluster({ h0: {}, h1: {}, h2: {} }, crowded()));
    expect(moves).toEqual([['noisy', 'h0', 'h1']]);
    expect(indicators).toEqual({
      instances_count: 5,
      breached_instances_before_audit: 3,
      breached_instances_after_audit: 0,
      noisy_neighbours_moved_count: 1,
    });
  });

  it('leaves a breach alone when no host has the physical cores for the neighbour, and says it stays', async () => {
    const { moves, indicators } = await run(
      cluster(
        { h0: {}, h1: {} },
        {
          ...crowded(),
          'web-1': { host: 'h1', vcpus: 4, cpu: 80 },
          'web-2': { host: 'h0', vcpus: 1, cpu: 0 },
        },
      ),
    );
    expect(moves).toEqual([]);
    expect(indicators.breached_instances_before_audit).toBe(3);
    expect(indicators.breached_instances_after_audit).toBe(3);
    expect(indicators.noisy_neighbours_moved_count).toBe(0);
  });

  it('never moves a lone instance for its own breach: it has no neighbour to blame', async () => {
    const { moves, indicators } = await run(
      cluster({ h0: {}, h1: {} }, { alone: { host: 'h0', vcpus: 4, cpu: 50, steal: 30 } }),
    );
    expect(moves).toEqual([]);
    expect(indicators.breached_instances_before_audit).toBe(1);
  });

  it('leaves the victims where they are when Nova would not live-migrate the noisy neighbour', async () => {
    const instances = crowded();
    instances.noisy!.overrides = { metadata: { 'lifecycle:live-migratable': 'false' } };
    const { moves, indicators } = await run(cluster({ h0: {}, h1: {}, h2: {} }, instances));
    expect(moves).toEqual([]);
    expect(indicators.breached_instances_after_audit).toBe(3);
  });

  it.each([
    [
      'I/O wait on the neighbour doing the most I/O',
      { ioWait: 40 },
      { db: { ioWait: 12 }, batch: { ioWait: 18 } },
      'batch',
    ],
    [
      'cache misses on the neighbour causing the most',
      { missRate: 0.4 },
      { db: { missRate: 0.2 }, batch: { missRate: 0.1 } },
      'db',
    ],
  ] as const)(
    'blames %s and counts the breach relieved once it left',
    async (_name, victim, others, blamed) => {
      const { moves, indicators } = await run(
        cluster(
          { h0: {}, h1: {} },
          {
            victim: { host: 'h0', vcpus: 2, cpu: 50, ...victim },
            db: { host: 'h0', vcpus: 4, cpu: 60, ...others.db },
            batch: { host: 'h0', vcpus: 2, cpu: 60, ...others.batch },
          },
        ),
      );
      expect(moves).toEqual([[blamed, 'h0', 'h1']]);
      expect(indicators.breached_instances_before_audit).toBe(1);
      expect(indicators.breached_instances_after_audit).toBe(0);
    },
  );

  it('moves at most max_migrations noisy neighbours, hosts with the most breaches first; 0 for no limit', async () => {
    const twoHosts: Record<string, Spec> = {
      ...crowded(),
      'quiet-a': { host: 'h3', vcpus: 2, cpu: 40, steal: 12 },
      loud: { host: 'h3', vcpus: 8, cpu: 60, steal: 12 },
      'web-2': { host: 'h2', vcpus: 1, cpu: 10 },
    };
    const hosts = { h0: {}, h1: {}, h2: {}, h3: {} };
    const one = await run(cluster(hosts, twoHosts), { max_migrations: 1 });
    expect(one.moves).toEqual([['noisy', 'h0', 'h2']]);
    expect(one.indicators.breached_instances_after_audit).toBe(2);
    const all = await run(cluster(hosts, twoHosts), { max_migrations: 0 });
    expect(all.moves).toEqual([
      ['noisy', 'h0', 'h2'],
      ['loud', 'h3', 'h1'],
    ]);
    expect(all.indicators).toMatchObject({ noisy_neighbours_moved_count: 2 });
  });

  it('plans nothing when every instance is within its service level', async () => {
    const { moves, indicators } = await run(cluster({ h0: {}, h1: {} }, crowded(1)));
    expect(moves).toEqual([]);
    expect(indicators.breached_instances_before_audit).toBe(0);
  });

  it('fails the audit naming the metric when no datasource is configured', async () => {
    const { model } = cluster({ h0: {} }, crowded());
    const error = await run({ model, metrics: undefined }).catch((e: unknown) => e);
    expect(isStewardError(error) && error.code).toBe('METRIC_UNAVAILABLE');
  });
});
