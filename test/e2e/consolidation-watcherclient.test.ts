/**
 * The consolidation and energy strategies end to end on the embedded defaults, driven by the real
 * python-watcherclient: each audit succeeds, its plan runs to SUCCEEDED with every action SUCCEEDED, and the data
 * model shows the result (instances packed onto fewer hosts, the emptied hosts disabled, then powered off by
 * saving_energy). Small clusters with fast migrations: the plans are real, the wait is short.
 */
import { describe, expect, it } from 'vitest';
import { hasOpenstackClient, useOptimizeClient } from '../helpers/openstack-optimize.js';
import { eventually } from '../helpers/server.js';

const FAST_SMALL_CLOUD = {
  'cloud.simulator.hosts': 6,
  'cloud.simulator.instances': 24,
  'cloud.simulator.migrationBandwidthMbPerS': 1_048_576,
};

/** A Steward on a small fresh simulated cloud, and the `openstack optimize` client pointed at it. */
function useSteward() {
  const client = useOptimizeClient(FAST_SMALL_CLOUD);
  /** Hosts of the compute data model: instances on each and the service status. */
  const hosts = async () => {
    const byHost = new Map<string, { instances: number; status: unknown }>();
    for (const row of await client.dataModel()) {
      const host = String(row.node_hostname);
      const entry = byHost.get(host) ?? { instances: 0, status: row.node_status };
      if (row.server_uuid) entry.instances += 1;
      byHost.set(host, entry);
    }
    return byHost;
  };
  return { optimise: client.optimise, hosts };
}

describe.skipIf(!hasOpenstackClient)(
  'vm_workload_consolidation, then saving_energy, through openstack optimize',
  { timeout: 300_000 },
  () => {
    const { optimise, hosts } = useSteward();

    it('vm_workload_consolidation empties hosts, disables them, and the model shows it', async () => {
      const before = await hosts();
      const used = [...before.values()].filter((host) => host.instances > 0).length;
      const { plan, actions } = await optimise('server_consolidation', 'vm_workload_consolidation');
      expect(plan.State).toBe('SUCCEEDED');
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
      expect((plan['Global efficacy'] as { value: number }[])[0]!.value).toBeGreaterThan(0);
      // The model follows the cloud's notifications: the hosts the plan emptied hold nothing and are disabled.
      const after = await eventually(
        hosts,
        (model) => [...model.values()].filter((host) => host.instances > 0).length < used,
      );
      const emptied = [...after].filter(
        ([name, host]) => host.instances === 0 && (before.get(name)?.instances ?? 0) > 0,
      );
      expect(emptied.length).toBeGreaterThan(0);
      expect(emptied.every(([, host]) => host.status === 'disabled')).toBe(true);
    });

    it('saving_energy powers off the emptied hosts, keeping one spare on', async () => {
      const { plan, actions } = await optimise('saving_energy', 'saving_energy');
      expect(plan.State).toBe('SUCCEEDED');
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
    });
  },
);

describe.skipIf(!hasOpenstackClient).each([
  ['basic', []],
  ['node_resource_consolidation', []],
  ['node_resource_consolidation', ['-p', 'host_choice=specify']],
])(
  '%s %j through openstack optimize on a fresh simulated cloud',
  { timeout: 300_000 },
  (strategy, parameters) => {
    const { optimise } = useSteward();

    it('plans migrations that run to SUCCEEDED', async () => {
      const { plan, actions } = await optimise('server_consolidation', strategy, ...parameters);
      expect(plan.State).toBe('SUCCEEDED');
      expect(actions.filter((action) => action.State === 'SUCCEEDED').length).toBeGreaterThan(0);
      expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
    });
  },
);
