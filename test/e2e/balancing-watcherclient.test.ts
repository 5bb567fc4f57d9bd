/**
 * The balancing strategies end to end, driven by the real python-watcherclient, each on a fresh embedded simulated
 * cloud with flat load (so the simulated Prometheus serves the same loads before and after, but for the moves): the
 * audit succeeds, its plan runs to SUCCEEDED with every action SUCCEEDED, and the cloud's own metrics, read from its
 * Prometheus afterwards, show the cluster balanced as asked — the host CPU standard deviation down under the audit's
 * threshold, and matching the plan's efficacy indicators (workload_stabilization); no host left at or above the
 * threshold by its instances' load (workload_balance).
 */
import { describe, expect, it } from 'vitest';
import { destinations, hasOpenstackClient, useOptimizeClient } from '../helpers/openstack-optimize.js';
import { eventually } from '../helpers/server.js';

/** Ten hosts, eighty instances placed with the simulator's skew (earlier hosts fuller), constant load, fast moves. */
const FLAT_CLOUD = {
  'cloud.simulator.hosts': 10,
  'cloud.simulator.instances': 80,
  'cloud.simulator.loadPattern': 'flat',
  'cloud.simulator.migrationBandwidthMbPerS': 1_048_576,
};
/** The window the strategies read host and instance load over (workload_stabilization's default periods). */
const WINDOW = { periodSeconds: 600, aggregate: 'mean' as const };

function useSteward() {
  const client = useOptimizeClient(FLAT_CLOUD);
  /** An auto-triggered audit, to its plan's end; returns the audit, the plan and its actions. */
  const optimise = (strategy: string, ...parameters: string[]) =>
    client.optimise('workload_balancing', strategy, ...parameters);
  /** Hosts and their instances as Steward's data model has them, once it shows the given instances where asked. */
  const placement = async (expected: ReadonlyMap<string, string> = new Map()) => {
    const rows = await eventually(client.dataModel, (context) =>
      [...expected].every(([uuid, host]) =>
        context.some((row) => row.server_uuid === uuid && row.node_hostname === host),
      ),
    );
    const hosts = new Map<string, { vcpus: number; instances: { uuid: string; vcpus: number }[] }>();
    for (const row of rows) {
      const host = String(row.node_hostname);
      const entry = hosts.get(host) ?? { vcpus: Number(row.node_vcpus), instances: [] };
      if (typeof row.server_uuid === 'string')
        entry.instances.push({ uuid: row.server_uuid, vcpus: Number(row.server_vcpus) });
      hosts.set(host, entry);
    }
    return hosts;
  };
  /**
   * The load the simulated cloud's Prometheus reports over the strategies' window: per host, its CPU busy (% of all
   * cores, host_cpu_usage) and its instances' busy cores as a % of its vCPUs (workload_balance's measure).
   */
  const cloudLoad = async (expected?: ReadonlyMap<string, string>) => {
    const hosts = await placement(expected);
    const prometheus = client.prometheus();
    const hostCpu = await prometheus.statistics(
      [...hosts.keys()].map((hostname) => ({ kind: 'host' as const, hostname })),
      'host_cpu_usage',
      WINDOW,
    );
    const instances = [...hosts.values()].flatMap((host) => host.instances);
    const instanceCpu = await prometheus.statistics(
      instances.map((instance) => ({
        kind: 'instance' as const,
        uuid: instance.uuid,
        vcpus: instance.vcpus,
      })),
      'instance_cpu_usage',
      WINDOW,
    );
    expect(hostCpu.size).toBe(hosts.size);
    return [...hosts].map(([hostname, host]) => ({
      hostname,
      cpuPct: hostCpu.get(hostname)!,
      instancesPct:
        (host.instances.reduce((sum, i) => sum + ((instanceCpu.get(i.uuid) ?? 0) * i.vcpus) / 100, 0) /
          host.vcpus) *
        100,
    }));
  };
  return { optimise, cloudLoad };
}

const standardDeviation = (values: readonly number[]) => {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
};

describe.skipIf(!hasOpenstackClient)(
  'workload_stabilization through openstack optimize',
  { timeout: 300_000 },
  () => {
    const { optimise, cloudLoad } = useSteward();

    it('plans migrations that run to SUCCEEDED and leave the host CPU deviation under its threshold, as the plan said', async () => {
      // The simulated cluster is less skewed than the shared scenarios (sd ≈ 0.08): a tighter threshold makes it act.
      const threshold = 0.04;
      const before = standardDeviation((await cloudLoad()).map((host) => host.cpuPct / 100));
      expect(before).toBeGreaterThan(threshold);
      const { audit, plan, actions } = await optimise(
        'workload_stabilization',
        '-p',
        `thresholds={"instance_cpu_usage": ${threshold}}`,
      );
      expect(audit.State).toBe('SUCCEEDED');
      expect(plan.State).toBe('SUCCEEDED');
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
      const after = standardDeviation(
        (await cloudLoad(destinations(actions))).map((host) => host.cpuPct / 100),
      );
      expect(after).toBeLessThan(0.1);
      const indicators = plan['Efficacy indicators'] as { name: string; value: number }[];
      const reported = Object.fromEntries(indicators.map((indicator) => [indicator.name, indicator.value]));
      expect(reported.standard_deviation_before_audit).toBeCloseTo(before, 2);
      expect(reported.standard_deviation_after_audit).toBeCloseTo(after, 2);
    });
  },
);

describe.skipIf(!hasOpenstackClient)(
  'workload_balance through openstack optimize',
  { timeout: 300_000 },
  () => {
    const { optimise, cloudLoad } = useSteward();

    it('with max_migrations 0, plans migrations that run to SUCCEEDED and leave no host at or above the threshold', async () => {
      const threshold = 25;
      const over = (load: { instancesPct: number }[]) =>
        load.filter((host) => host.instancesPct >= threshold).length;
      expect(over(await cloudLoad())).toBeGreaterThan(0);
      const { audit, plan, actions } = await optimise(
        'workload_balance',
        '-p',
        'max_migrations=0',
        '-p',
        `threshold=${threshold}`,
      );
      expect(audit.State).toBe('SUCCEEDED');
      expect(plan.State).toBe('SUCCEEDED');
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
      expect(over(await cloudLoad(destinations(actions)))).toBe(0);
    });
  },
);
