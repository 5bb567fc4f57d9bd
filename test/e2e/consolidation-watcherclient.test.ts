/**
 * The consolidation and energy strategies end to end on the embedded defaults, driven by the real
 * python-watcherclient: each audit succeeds, its plan runs to SUCCEEDED with every action SUCCEEDED, and the data
 * model shows the result (instances packed onto fewer hosts, the emptied hosts disabled, then powered off by
 * saving_energy, which the simulated cloud's Ironic shows too). Small clusters with fast migrations: the plans are
 * real, the wait is short.
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
  /** Hosts of the compute data model: instances on each, the service status and state. */
  const hosts = async () => {
    const byHost = new Map<string, { instances: number; status: unknown; state: unknown }>();
    for (const row of await client.dataModel()) {
      const host = String(row.node_hostname);
      const entry = byHost.get(host) ?? { instances: 0, status: row.node_status, state: row.node_state };
      if (row.server_uuid) entry.instances += 1;
      byHost.set(host, entry);
    }
    return byHost;
  };
  /** The simulated cloud's node power, as its Ironic reports it: hostname → `on` / `off`. */
  const powerStates = async () => {
    const baremetal = client.cloud().baremetal;
    if (!baremetal) throw new Error('the simulated cloud offers Ironic');
    return new Map((await baremetal.listNodes()).map((node) => [String(node.name), node.powerState]));
  };
  return { optimise: client.optimise, hosts, powerStates };
}

describe.skipIf(!hasOpenstackClient)(
  'vm_workload_consolidation, then saving_energy, through openstack optimize',
  { timeout: 300_000 },
  () => {
    const { optimise, hosts, powerStates } = useSteward();

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

    it('saving_energy powers off the emptied hosts, keeping one spare on; the cloud and the model show it', async () => {
      const before = await hosts();
      const empty = [...before].filter(([, host]) => host.instances === 0).map(([name]) => name);
      const { plan, actions } = await optimise('saving_energy', 'saving_energy');
      expect(plan.State).toBe('SUCCEEDED');
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
      const off = actions.map((action) => {
        const parameters = action.Parameters as Record<string, string>;
        expect(`${String(action.Action)} ${parameters.state}`).toBe('change_node_power_state off');
        return parameters.resource_name!;
      });
      // Every empty host but one spare (min_free_hosts_num 1; 10 % of the few busy hosts rounds down to 0).
      expect(off).toHaveLength(empty.length - 1);
      expect(empty).toEqual(expect.arrayContaining(off));

      const power = await powerStates();
      expect([...power.keys()].sort()).toEqual([...before.keys()].sort());
      for (const [hostname, state] of power)
        expect(state, hostname).toBe(off.includes(hostname) ? 'off' : 'on');

      // A powered-off host's nova-compute stops reporting: the model shows it down, with no sync, because the
      // applier re-read each node it powered off (nothing notifies a power change); the rest are up.
      const after = await hosts();
      for (const [hostname, host] of after)
        expect(host.state, hostname).toBe(off.includes(hostname) ? 'down' : 'up');
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
