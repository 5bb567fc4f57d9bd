/**
 * The full compute sync over HTTP against the simulated cloud: the model it builds must be what Nova and Placement
 * hold (hosts with Placement capacity, ratios and traits, service state, aggregates and zones, instances with
 * flavors, metadata and groups), and the data-model rows must have upstream's shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import { toDataModelRows } from '../../src/collectors/data-model-rows.js';
import { collectComputeModel } from '../../src/collectors/nova-sync.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createSimulatedCloud, type SimulatedCloud } from '../../src/simulator/index.js';

let cloud: SimulatedCloud;
let clients: CloudClients;

beforeAll(async () => {
  const clock = new ManualClock();
  cloud = createSimulatedCloud({ clock, cluster: { hosts: 6, instances: 30, seed: 7 } });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  const c = cloud.credentials;
  clients = createCloudClients({
    auth: { authUrl: c.authUrl, username: c.username, password: c.password, projectName: c.projectName },
    clock,
    pageSize: 7,
    timeoutMs: 5_000,
  });
});

afterAll(async () => {
  await clients?.close();
  await cloud?.close();
});

describe('collectComputeModel against the simulated cloud', () => {
  it('reads every host with its Placement capacity, ratios, reserved and traits', async () => {
    const host = cloud.state.hosts[1]!;
    host.vcpuReserved = 2;
    host.memoryRatio = 1.5;
    host.traits = [...host.traits, 'CUSTOM_GOLD'];
    const { model, skippedHosts } = await collectComputeModel(clients);
    expect(skippedHosts).toEqual([]);
    expect(model.nodeCount).toBe(cloud.state.hosts.length);
    const node = model.getNode(host.hostname)!;
    expect(node).toMatchObject({
      uuid: host.id,
      vcpus: host.vcpus,
      vcpuReserved: 2,
      vcpuRatio: host.vcpuRatio,
      memoryMb: host.memoryMb,
      memoryRatio: 1.5,
      diskGb: host.diskGb,
      state: 'up',
      status: 'enabled',
      availabilityZone: host.az,
    });
    expect(node.traits).toContain('CUSTOM_GOLD');
  });

  it('reads a disabled service with its reason', async () => {
    const host = cloud.state.hosts[2]!;
    host.status = 'disabled';
    host.disabledReason = 'maintenance window';
    const { model } = await collectComputeModel(clients);
    expect(model.getNode(host.hostname)).toMatchObject({
      status: 'disabled',
      disabledReason: 'maintenance window',
    });
    host.status = 'enabled';
    host.disabledReason = null;
  });

  it('places every server on its host with its flavor, metadata and lock, across pages', async () => {
    const { model } = await collectComputeModel(clients);
    const placed = [...cloud.state.instances.values()].filter(
      (instance) => instance.host !== null && instance.vmState !== 'deleted',
    );
    expect(model.instanceCount).toBe(placed.length);
    for (const sim of placed) {
      const instance = model.getInstance(sim.id)!;
      expect(instance.hostname).toBe(sim.host);
      expect(instance).toMatchObject({
        vcpus: sim.flavor.vcpus,
        memoryMb: sim.flavor.ramMb,
        projectId: sim.projectId,
        locked: sim.locked,
        createdAt: new Date(sim.created),
      });
      expect(instance.metadata).toEqual(sim.metadata);
      expect(instance.flavor.extraSpecs).toEqual(sim.flavor.extraSpecs);
    }
    const usage = model.usage(placed[0]!.host!);
    const onHost = placed.filter((instance) => instance.host === placed[0]!.host);
    expect(usage.vcpus).toBe(onHost.reduce((sum, instance) => sum + instance.flavor.vcpus, 0));
  });

  it('gives rows in upstream data_model shape: nodes by uuid, one row per instance, 1.6 fields only when extended', async () => {
    const { model } = await collectComputeModel(clients);
    const rows = toDataModelRows(model, { extended: false });
    const withServer = rows.filter((row) => 'server_uuid' in row);
    expect(withServer.length).toBe(model.instanceCount);
    const nodeUuids = rows.map((row) => row.node_uuid);
    expect(nodeUuids).toEqual([...nodeUuids].sort());
    expect(Object.keys(withServer[0]!).sort()).toEqual(
      [
        'node_disabled_reason',
        'node_disk',
        'node_disk_gb_reserved',
        'node_disk_ratio',
        'node_hostname',
        'node_memory',
        'node_memory_mb_reserved',
        'node_memory_ratio',
        'node_state',
        'node_status',
        'node_uuid',
        'node_vcpu_ratio',
        'node_vcpu_reserved',
        'node_vcpus',
        'server_disk',
        'server_locked',
        'server_memory',
        'server_metadata',
        'server_name',
        'server_project_id',
        'server_state',
        'server_uuid',
        'server_vcpus',
        'server_watcher_exclude',
      ].sort(),
    );
    const extended = toDataModelRows(model, { extended: true }).find((row) => 'server_uuid' in row)!;
    expect(extended).toHaveProperty('server_flavor_extra_specs');
    expect(extended).toHaveProperty('server_pinned_az');
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('audit cancelled'));
    await expect(collectComputeModel(clients, { signal: controller.signal })).rejects.toThrow();
  });
});
