/**
 * Host-level action types end to end on the embedded defaults: an actuator plan disables and enables a host's
 * nova-compute service, and powers an emptied node off and on through the simulated Ironic. Each test reads the
 * cloud's final state over HTTP and Steward's live model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudClients } from '../../src/cloud/openstack.js';
import { actionPlans } from '../helpers/action-plans.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

describe('host actions executed against the embedded simulated cloud', () => {
  let server: TestServer;
  let cloud: CloudClients;
  const { runPlan, cloudClients, model } = actionPlans(() => server);

  beforeAll(async () => {
    server = await startTestServer();
    cloud = cloudClients();
    await eventually(
      () => Promise.resolve([...(server.steward.models?.current?.instances() ?? [])].length),
      (n) => n === 120,
    );
  });

  afterAll(async () => {
    await cloud?.close();
    await server?.stop();
  });

  const serviceOf = async (host: string) =>
    (await cloud.compute.listServices({ binary: 'nova-compute', host }))[0]!;

  it('disables a host with a reason and enables it again; Nova and the model agree each time', async () => {
    const node = [...model().nodes()][1]!;
    const disable = await runPlan([
      {
        action_type: 'change_nova_service_state',
        resource_id: node.uuid,
        input_parameters: { state: 'disabled', resource_name: node.hostname, disabled_reason: 'steward e2e' },
      },
    ]);
    expect(disable.plan.state).toBe('SUCCEEDED');
    expect(disable.actions.map((a) => a.state)).toEqual(['SUCCEEDED']);
    expect(await serviceOf(node.hostname)).toMatchObject({
      status: 'disabled',
      disabledReason: 'steward e2e',
    });
    // The applier waited for the model to show it (Nova's service.update) before the action SUCCEEDED.
    expect(model().getNode(node.hostname)).toMatchObject({
      status: 'disabled',
      disabledReason: 'steward e2e',
    });

    const enable = await runPlan([
      {
        action_type: 'change_nova_service_state',
        resource_id: node.uuid,
        input_parameters: { state: 'enabled', resource_name: node.hostname },
      },
    ]);
    expect(enable.plan.state).toBe('SUCCEEDED');
    expect(await serviceOf(node.hostname)).toMatchObject({ status: 'enabled', disabledReason: null });
    expect(model().getNode(node.hostname)?.status).toBe('enabled');
  });

  it('powers an emptied node off and back on through Ironic; Nova shows it down meanwhile and the model follows', async () => {
    const node = [...model().nodes()]
      .map((n) => ({ n, count: model().instancesOn(n.hostname).length }))
      .sort((a, b) => a.count - b.count)[0]!.n;
    // Empty the host through Nova, as a consolidation plan would before powering it off.
    for (const server of await cloud.compute.listServers({ host: node.hostname, allTenants: true }))
      await cloud.compute.liveMigrate(server.uuid, { host: null, blockMigration: 'auto' });
    await eventually(
      () => cloud.compute.listServers({ host: node.hostname, allTenants: true }),
      (servers) => servers.length === 0,
    );
    await eventually(
      () => Promise.resolve(model().instancesOn(node.hostname).length),
      (n) => n === 0,
    );

    const off = await runPlan([
      {
        action_type: 'change_node_power_state',
        resource_id: node.uuid,
        input_parameters: { state: 'off', resource_name: node.hostname },
      },
    ]);
    expect(off.plan.state).toBe('SUCCEEDED');
    expect(off.actions.map((a) => a.state)).toEqual(['SUCCEEDED']);
    expect(await cloud.baremetal!.getNode(node.uuid)).toMatchObject({
      powerState: 'off',
      targetPowerState: null,
    });
    expect((await cloud.compute.listHypervisors()).find((h) => h.id === node.uuid)?.state).toBe('down');
    // No notification carries a power change: the applier re-read the node before the action SUCCEEDED.
    expect(model().getNode(node.hostname)).toMatchObject({ powerState: 'off', state: 'down' });

    const on = await runPlan([
      {
        action_type: 'change_node_power_state',
        resource_id: node.uuid,
        input_parameters: { state: 'on', resource_name: node.hostname },
      },
    ]);
    expect(on.plan.state).toBe('SUCCEEDED');
    expect((await cloud.baremetal!.getNode(node.uuid))?.powerState).toBe('on');
    expect(model().getNode(node.hostname)).toMatchObject({ powerState: 'on', state: 'up' });
  });

  it('fails the power-off of a host that still holds instances, naming them, and leaves the node on', async () => {
    const node = [...model().nodes()].find((n) => model().instancesOn(n.hostname).length > 0)!;
    const { plan, actions } = await runPlan([
      {
        action_type: 'change_node_power_state',
        resource_id: node.uuid,
        input_parameters: { state: 'off', resource_name: node.hostname },
      },
    ]);
    expect(plan.state).toBe('FAILED');
    expect(actions[0]!.status_message).toMatch(/still holds \d+ instance/);
    expect((await cloud.baremetal!.getNode(node.uuid))?.powerState).toBe('on');
  });
});
