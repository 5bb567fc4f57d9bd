/**
 * Instance, volume and trait action types end to end on the embedded defaults: an actuator plan stops and starts
 * an instance, cold-migrates one (confirmed), resizes one (confirmed), migrates and retypes volumes, and sets and
 * clears traits. Each test reads the cloud's final state over HTTP and Steward's live models.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudClients } from '../../src/cloud/openstack.js';
import { actionPlans } from '../helpers/action-plans.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

describe('instance, volume and trait actions executed against the embedded simulated cloud', () => {
  let server: TestServer;
  let cloud: CloudClients;
  const { runPlan, cloudClients, model } = actionPlans(() => server);
  const storage = () => {
    const current = server.steward.storageModels?.current;
    if (!current) throw new Error('the test server keeps no storage model');
    return current;
  };
  /** Active instances no earlier test touched, smallest first (quick moves). */
  const used = new Set<string>();
  const freshInstance = () => {
    const instance = [...model().instances()]
      .filter((i) => i.state === 'active' && i.taskState === null && !used.has(i.uuid))
      .sort((a, b) => a.memoryMb - b.memoryMb)[0]!;
    used.add(instance.uuid);
    return instance;
  };

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

  it('stops an instance and starts it again; Nova and the model follow', async () => {
    const instance = freshInstance();
    const stopped = await runPlan([
      { action_type: 'stop', resource_id: instance.uuid, input_parameters: {} },
    ]);
    expect(stopped.plan.state).toBe('SUCCEEDED');
    expect(stopped.actions.map((a) => a.state)).toEqual(['SUCCEEDED']);
    expect((await cloud.compute.getServer(instance.uuid))?.status).toBe('SHUTOFF');
    await eventually(
      () => Promise.resolve(model().getInstance(instance.uuid)?.state),
      (state) => state === 'stopped',
      10_000,
    );

    const started = await runPlan([
      { action_type: 'start', resource_id: instance.uuid, input_parameters: {} },
    ]);
    expect(started.plan.state).toBe('SUCCEEDED');
    expect((await cloud.compute.getServer(instance.uuid))?.status).toBe('ACTIVE');
    await eventually(
      () => Promise.resolve(model().getInstance(instance.uuid)?.state),
      (state) => state === 'active',
      10_000,
    );
  });

  it('cold-migrates an instance to a destination and confirms it: ACTIVE there, in Nova and in the model', async () => {
    const instance = freshInstance();
    const source = instance.hostname!;
    const destination = [...model().nodes()].find(
      (n) => n.hostname !== source && n.status === 'enabled',
    )!.hostname;
    const { plan, actions } = await runPlan([
      {
        action_type: 'migrate',
        resource_id: instance.uuid,
        input_parameters: { migration_type: 'cold', source_node: source, destination_node: destination },
      },
    ]);
    expect(plan.state).toBe('SUCCEEDED');
    expect(actions.map((a) => a.state)).toEqual(['SUCCEEDED']);
    expect(await cloud.compute.getServer(instance.uuid)).toMatchObject({
      hostname: destination,
      status: 'ACTIVE',
      taskState: null,
    });
    await eventually(
      () => Promise.resolve(model().getInstance(instance.uuid)?.hostname),
      (host) => host === destination,
      10_000,
    );
  });

  it('resizes an instance and confirms it: ACTIVE with the new flavor, in Nova and in the model', async () => {
    const instance = freshInstance();
    const flavor = (await cloud.compute.listFlavors()).find(
      (f) => f.name !== instance.flavor.name && f.memoryMb > instance.memoryMb && f.memoryMb <= 8192,
    )!;
    const { plan } = await runPlan([
      { action_type: 'resize', resource_id: instance.uuid, input_parameters: { flavor: flavor.name } },
    ]);
    expect(plan.state).toBe('SUCCEEDED');
    const after = await cloud.compute.getServer(instance.uuid);
    expect(after).toMatchObject({ status: 'ACTIVE', taskState: null });
    expect(after?.flavor.name).toBe(flavor.name);
    await eventually(
      () => Promise.resolve(model().getInstance(instance.uuid)),
      (i) => i?.flavor.name === flavor.name && i.memoryMb === flavor.memoryMb,
      10_000,
    );
  });

  it('migrates a volume to another pool and retypes another across backends; Cinder and the storage model follow', async () => {
    // The smallest volumes, so the copies take a few seconds.
    const volumes = (await cloud.blockStorage!.listVolumes()).sort((a, b) => a.sizeGb - b.sizeGb);
    const pools = await cloud.blockStorage!.listPools();
    const moving = volumes.find((v) => v.volumeType === 'lvmdriver-1')!;
    const pool = pools.find((p) => p.backendName === 'lvm' && p.name !== moving.host)!.name;
    const retyping = volumes.find((v) => v.volumeType === 'lvmdriver-1' && v.uuid !== moving.uuid)!;
    const { plan, actions } = await runPlan(
      [
        {
          action_type: 'volume_migrate',
          resource_id: moving.uuid,
          input_parameters: { migration_type: 'migrate', destination_node: pool },
        },
        {
          action_type: 'volume_migrate',
          resource_id: retyping.uuid,
          input_parameters: { migration_type: 'retype', destination_type: 'ssd' },
        },
      ],
      180_000,
    );
    expect(plan.state).toBe('SUCCEEDED');
    expect(actions.map((a) => a.state)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(await cloud.blockStorage!.getVolume(moving.uuid)).toMatchObject({
      host: pool,
      migrationStatus: 'success',
      status: 'in-use',
    });
    const retyped = await cloud.blockStorage!.getVolume(retyping.uuid);
    expect(retyped).toMatchObject({ volumeType: 'ssd', status: 'in-use' });
    expect(retyped?.host).toMatch(/@ssd#/);
    await eventually(
      () => Promise.resolve([storage().getVolume(moving.uuid), storage().getVolume(retyping.uuid)]),
      ([moved, typed]) => moved?.pool === pool && typed?.volumeType === 'ssd',
      20_000,
    );
  });

  it('sets a new custom trait and a standard one on a host, then clears them; Placement and the model agree', async () => {
    const node = [...model().nodes()][2]!;
    const set = await runPlan([
      {
        action_type: 'add_trait',
        resource_id: node.uuid,
        input_parameters: { trait: 'CUSTOM_STEWARD_E2E', resource_name: node.hostname },
      },
      {
        action_type: 'add_trait',
        resource_id: node.uuid,
        input_parameters: { trait: 'PRESSURE_CPU', resource_name: node.hostname },
      },
    ]);
    expect(set.plan.state).toBe('SUCCEEDED');
    expect(set.actions.map((a) => a.state)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect((await cloud.placement.getTraits(node.uuid)).traits).toEqual(
      expect.arrayContaining(['CUSTOM_STEWARD_E2E', 'PRESSURE_CPU']),
    );
    // Placement sends no notifications: the applier re-read the node before each action SUCCEEDED.
    expect(model().getNode(node.hostname)?.traits).toEqual(
      expect.arrayContaining(['CUSTOM_STEWARD_E2E', 'PRESSURE_CPU']),
    );

    const cleared = await runPlan([
      {
        action_type: 'remove_trait',
        resource_id: node.uuid,
        input_parameters: { trait: 'CUSTOM_STEWARD_E2E', resource_name: node.hostname },
      },
      {
        action_type: 'remove_trait',
        resource_id: node.uuid,
        input_parameters: { trait: 'PRESSURE_CPU', resource_name: node.hostname },
      },
    ]);
    expect(cleared.plan.state).toBe('SUCCEEDED');
    const traits = (await cloud.placement.getTraits(node.uuid)).traits;
    expect(traits).not.toContain('CUSTOM_STEWARD_E2E');
    expect(traits).not.toContain('PRESSURE_CPU');
    expect(model().getNode(node.hostname)?.traits).not.toContain('CUSTOM_STEWARD_E2E');
    expect(model().getNode(node.hostname)?.traits).not.toContain('PRESSURE_CPU');
  });
});
