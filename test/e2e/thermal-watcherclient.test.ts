/**
 * The thermal strategies end to end, driven by the real python-watcherclient, each on a fresh embedded simulated
 * cloud built from a scenario: the audit succeeds, its plan runs to SUCCEEDED with every action SUCCEEDED, and the
 * simulator's Prometheus, read afterwards, shows the cloud moved the way the goal says — the hottest host's outlet
 * temperature and the outlet spread down (outlet_temperature), no host left at the airflow threshold and the airflow
 * spread down (uniform_airflow), the victim's L3-cache share back once its noisy neighbour has gone (noisy_neighbor).
 * The simulator computes IPMI and L3 readings from load (docs/simulator.md), so they follow the moves.
 */
import { describe, expect, it } from 'vitest';
import type { MetricName, MetricsSource } from '../../src/datasources/metrics-source.js';
import {
  describeActions,
  hasOpenstackClient,
  useOptimizeClient,
  type OptimizeRun,
  type Row,
} from '../helpers/openstack-optimize.js';
import { eventually } from '../helpers/server.js';
import { SkippingClock } from '../helpers/skipping-clock.js';

/** Four 32-vCPU hosts, one 73 % busy (outlet ≈ 37.9 °C, airflow ≈ 410 × 0.1 CFM), the others 3–7 %. */
const HOT_HOST_CLOUD = {
  'cloud.simulator.scenario': 'test/fixtures/simulator/thermal-hot-host.json',
  'cloud.simulator.migrationBandwidthMbPerS': 1_048_576,
};
/**
 * Three 8-vCPU hosts (8 MiB of L3 each); on compute-00000 a priority instance (`watcher-priority` 1, wanting 2 MiB),
 * a small batch job, and a stopped m1.xlarge that wants 12 MiB once started.
 */
const NOISY_NEIGHBOUR_CLOUD = {
  'cloud.simulator.scenario': 'test/fixtures/simulator/noisy-neighbour.json',
  'cloud.simulator.migrationBandwidthMbPerS': 1_048_576,
};
/** The simulator's Prometheus scrapes every 30 s; the thermal strategies' windows are read over one scrape. */
const SCRAPE_SECONDS = 30;

const HOSTS = ['compute-00000', 'compute-00001', 'compute-00002', 'compute-00003'];

/** Each host's mean of an IPMI metric over the last scrape, as the strategies read it. */
async function hostReadings(prometheus: MetricsSource, metric: MetricName): Promise<Map<string, number>> {
  const values = await prometheus.statistics(
    HOSTS.map((hostname) => ({ kind: 'host' as const, hostname })),
    metric,
    { periodSeconds: SCRAPE_SECONDS, aggregate: 'mean' },
  );
  expect(values.size).toBe(HOSTS.length);
  return values;
}

const highest = (values: ReadonlyMap<string, number>): [string, number] =>
  [...values].reduce((best, entry) => (entry[1] > best[1] ? entry : best));
const spread = (values: ReadonlyMap<string, number>): number =>
  Math.max(...values.values()) - Math.min(...values.values());

/** Audit and plan SUCCEEDED, and every action of the plan a live migration that SUCCEEDED. */
function expectMigrationsSucceeded({ audit, plan, actions }: OptimizeRun): Record<string, string>[] {
  expect(audit.State).toBe('SUCCEEDED');
  expect(plan.State, describeActions(actions)).toBe('SUCCEEDED');
  expect(actions.length).toBeGreaterThan(0);
  for (const action of actions) {
    expect(action.Action).toBe('migrate');
    expect(action.State).toBe('SUCCEEDED');
  }
  return actions.map((action) => action.Parameters as Record<string, string>);
}

describe.skipIf(!hasOpenstackClient)(
  'outlet_temperature through openstack optimize',
  { timeout: 300_000 },
  () => {
    const client = useOptimizeClient(HOT_HOST_CLOUD);

    it('moves an instance off the hottest host: its outlet temperature and the hosts’ spread go down', async () => {
      const before = await hostReadings(client.prometheus(), 'host_outlet_temp');
      const [hottest, hottestBefore] = highest(before);
      expect(hottest).toBe('compute-00000');
      expect(hottestBefore).toBeGreaterThanOrEqual(35); // the default threshold
      const moves = expectMigrationsSucceeded(
        await client.optimise('thermal_optimization', 'outlet_temperature'),
      );
      expect(moves).toHaveLength(1); // upstream's one move per audit
      expect(moves[0]!.source_node).toBe(hottest);
      const after = await hostReadings(client.prometheus(), 'host_outlet_temp');
      expect(after.get(hottest)).toBeLessThan(hottestBefore - 0.5);
      expect(highest(after)[1]).toBeLessThan(hottestBefore);
      expect(spread(after)).toBeLessThan(spread(before));
    });
  },
);

describe.skipIf(!hasOpenstackClient)(
  'uniform_airflow through openstack optimize',
  { timeout: 300_000 },
  () => {
    const client = useOptimizeClient(HOT_HOST_CLOUD);

    it('moves load off the host with most airflow: none is left at the threshold, and the spread goes down', async () => {
      const threshold = 400; // the default threshold_airflow, in 0.1 CFM
      const before = await hostReadings(client.prometheus(), 'host_airflow');
      const [source, airflowBefore] = highest(before);
      expect(airflowBefore).toBeGreaterThanOrEqual(threshold);
      const moves = expectMigrationsSucceeded(
        await client.optimise('airflow_optimization', 'uniform_airflow'),
      );
      expect(moves.every((move) => move.source_node === source)).toBe(true);
      const after = await hostReadings(client.prometheus(), 'host_airflow');
      expect(highest(after)[1]).toBeLessThan(threshold);
      expect(spread(after)).toBeLessThan(spread(before));
    });
  },
);

describe.skipIf(!hasOpenstackClient)(
  'noisy_neighbor through openstack optimize',
  { timeout: 300_000 },
  () => {
    const clock = new SkippingClock();
    const client = useOptimizeClient(NOISY_NEIGHBOUR_CLOUD, { clock });

    /** The victim's L3 occupancy (MiB), mean over one scrape window. */
    const l3Of = async (uuid: string): Promise<number> => {
      const values = await client
        .prometheus()
        .statistics([{ kind: 'instance', uuid }], 'instance_l3_cache_usage', {
          periodSeconds: SCRAPE_SECONDS,
          aggregate: 'mean',
        });
      return values.get(uuid)!;
    };
    /** Moves the clock to 1 s past the next scrape of the simulator's Prometheus. */
    const skipPastNextScrape = () => {
      const nowMs = clock.now().getTime();
      clock.skip(SCRAPE_SECONDS * 1000 - (nowMs % (SCRAPE_SECONDS * 1000)) + 1000);
    };
    const byName = (rows: readonly Row[], name: string): Row => rows.find((row) => row.server_name === name)!;

    it('moves the neighbour that started hogging the L3 cache away, and the victim gets its share back', async () => {
      const rows = await client.dataModel();
      const victim = String(byName(rows, 'vm-victim').server_uuid);
      const noisy = String(byName(rows, 'vm-noisy').server_uuid);
      const alone = await l3Of(victim);
      expect(alone).toBeCloseTo(2, 6); // 2 MiB per busy vCPU: it holds all it wants

      // The start falls early in a scrape window, so that window's end is the first scrape that sees it.
      skipPastNextScrape();
      await client.cloud().compute.start(noisy);
      await eventually(client.dataModel, (model) => byName(model, 'vm-noisy').server_state === 'active');
      // Now just past the first scrape after the start: the last scrape has the neighbour running and the one before
      // not, what the strategy compares with period = one scrape. The audit has the rest of that window to read it.
      skipPastNextScrape();
      const crowded = await l3Of(victim);
      expect(crowded).toBeLessThan(alone * (1 - 0.35)); // past the default cache_threshold of 35 %

      const run = await client.optimise('noisy_neighbor', 'noisy_neighbor', '-p', `period=${SCRAPE_SECONDS}`);
      const moves = expectMigrationsSucceeded(run);
      expect(moves).toEqual([expect.objectContaining({ resource_id: noisy, source_node: 'compute-00000' })]);
      expect(await l3Of(victim)).toBeCloseTo(alone, 6);
    });
  },
);
