/**
 * The applier's workflow with the real action types and Steward's real cloud clients, against the simulated cloud
 * over HTTP, on one manual clock: skip and failure semantics (operator skips, a deleted instance, a failing action
 * cancelling its dependants, rollback), the configured migration timeout, and cancel aborting a live migration in
 * Nova.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { actionTypes } from '../../src/applier/actions/index.js';
import type { ApplierSettings } from '../../src/applier/settings.js';
import { runWorkflow, type WorkflowDeps } from '../../src/applier/workflow.js';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import type { Server } from '../../src/cloud/ports.js';
import type { Bus } from '../../src/bus/bus.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import {
  createComputeModelProvider,
  type LiveComputeModelProvider,
} from '../../src/collectors/compute-model-provider.js';
import { collectComputeModel, readComputeNodeState } from '../../src/collectors/nova-sync.js';
import { loadConfig } from '../../src/config/config.js';
import type { ActionState } from '../../src/contract/states.js';
import { syncRegistries } from '../../src/decision-engine/sync.js';
import { goals } from '../../src/goals/index.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/observability/logger.js';
import { scoringEngines } from '../../src/scoring/index.js';
import { createSimulatedCloud, type SimulatedCloud } from '../../src/simulator/index.js';
import { strategies } from '../../src/strategies/index.js';
import type { Store } from '../../src/store/store.js';
import { createTestStore, type TestStore } from '../helpers/store.js';

interface Spec {
  name: string;
  type: string;
  params: Record<string, unknown>;
  after?: string[];
  state?: ActionState;
}

const uuids = new Map<string, string>();
const uuidOf = (name: string): string => {
  if (!uuids.has(name)) uuids.set(name, randomUUID());
  return uuids.get(name)!;
};

async function createPlan(store: Store, specs: Spec[]) {
  const strategy = (await store.strategies.find('actuator'))!;
  const audit = await store.audits.create({
    name: `applier-cloud-${Math.random()}`,
    auditType: 'ONESHOT',
    state: 'SUCCEEDED',
    parameters: {},
    interval: null,
    goalId: strategy.goalId,
    strategyId: strategy.id,
    scope: [],
    autoTrigger: false,
    nextRunTime: null,
    startTime: null,
    endTime: null,
    force: false,
    forceRefresh: false,
  });
  return store.actionPlans.create({
    auditId: audit.id,
    strategyId: strategy.id,
    state: 'ONGOING',
    globalEfficacy: [],
    efficacyIndicators: [],
    actions: specs.map((spec) => ({
      uuid: uuidOf(spec.name),
      actionType: spec.type,
      inputParameters: spec.params,
      parents: (spec.after ?? []).map(uuidOf),
      state: spec.state ?? 'PENDING',
    })),
  });
}

describe('the applier against the simulated cloud', () => {
  let clock: ManualClock;
  let cloud: SimulatedCloud;
  let clients: CloudClients;
  let testStore: TestStore;
  let provider: LiveComputeModelProvider | undefined;

  async function setup(
    options: { bandwidthMbPerS?: number; settings?: Partial<ApplierSettings>; bus?: Bus } = {},
  ) {
    clock = new ManualClock();
    cloud = createSimulatedCloud({
      clock,
      ...(options.bus && { bus: options.bus }),
      cluster: { hosts: 4, instances: 12, seed: 1 },
      ...(options.bandwidthMbPerS !== undefined && { migrationBandwidthMbPerS: options.bandwidthMbPerS }),
    });
    await cloud.listen({ host: '127.0.0.1', port: 0 });
    const c = cloud.credentials;
    clients = createCloudClients({
      auth: {
        authUrl: c.authUrl,
        username: c.username,
        password: c.password,
        projectName: c.projectName,
        userDomainName: c.userDomainName,
        projectDomainName: c.projectDomainName,
      },
      clock,
      timeoutMs: 5_000,
      retries: 1,
      backoffMs: 1,
    });
    testStore = await createTestStore('pglite');
    await syncRegistries(testStore.store, { goals, strategies, scoringEngines });
    const defaults = loadConfig({ env: {} }).applier;
    const deps: WorkflowDeps = {
      store: testStore.store,
      actionTypes,
      cloud: clients,
      clock,
      logger: silentLogger,
      settings: { ...defaults, concurrency: 2, ...options.settings },
    };
    return deps;
  }

  afterEach(async () => {
    uuids.clear();
    await clients?.close();
    await provider?.stop();
    provider = undefined;
    await cloud?.close();
    await testStore?.close();
  });

  /** Runs the workflow to its end, letting simulated time pass whenever everything waits on the clock. */
  async function drive(run: Promise<unknown>, stepMs = 1000): Promise<void> {
    let done = false;
    void run.finally(() => (done = true)).catch(() => undefined);
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (clock.pendingSleepers > 0) {
        await clock.advance(stepMs);
        await cloud.settle();
      }
    }
  }

  /** Three idle ACTIVE instances on three different hosts, and a fourth host to move them to. */
  async function pick(): Promise<{ servers: Server[]; spare: string }> {
    const servers = (await clients.compute.listServers({ allTenants: true })).filter(
      (s) => s.status === 'ACTIVE' && s.taskState === null && s.hostname !== null,
    );
    const chosen: Server[] = [];
    for (const server of servers)
      if (!chosen.some((s) => s.hostname === server.hostname)) chosen.push(server);
    const hosts = (await clients.compute.listServices({ binary: 'nova-compute' })).map((s) => s.host);
    const spare = hosts.find((host) => !chosen.slice(0, 3).some((s) => s.hostname === host))!;
    return { servers: chosen.slice(0, 3), spare };
  }

  const live = (server: Server, to: string | null) => ({
    resource_id: server.uuid,
    migration_type: 'live',
    source_node: server.hostname!,
    destination_node: to,
  });

  const hostOf = async (uuid: string) => (await clients.compute.getServer(uuid))?.hostname;

  it('never runs an operator-skipped action, skips one whose instance was deleted, and SUCCEEDS with the skips in status_message', async () => {
    const deps = await setup();
    const { servers, spare } = await pick();
    const [moved, skipped, deleted] = servers as [Server, Server, Server];
    const plan = await createPlan(deps.store, [
      { name: 'moved', type: 'migrate', params: live(moved, spare) },
      { name: 'skipped', type: 'migrate', params: live(skipped, spare), state: 'SKIPPED' },
      { name: 'deleted', type: 'migrate', params: live(deleted, spare), after: ['moved'] },
    ]);
    await deps.store.actions.update(uuidOf('skipped'), { statusMessage: 'the operator keeps it there' });
    const token = await clients.session.token();
    const compute = await clients.session.endpoint('compute');
    const answer = await fetch(`${compute}/servers/${deleted.uuid}`, {
      method: 'DELETE',
      headers: { 'X-Auth-Token': token! },
    });
    expect(answer.status).toBe(204);
    await cloud.settle();

    const run = runWorkflow(deps, plan.uuid);
    await drive(run);
    const result = await run;

    expect(result.state).toBe('SUCCEEDED');
    expect(await hostOf(moved.uuid)).toBe(spare);
    expect(await hostOf(skipped.uuid)).toBe(skipped.hostname);
    expect(result.actions.map((a) => a.state)).toEqual(['SUCCEEDED', 'SKIPPED', 'SKIPPED']);
    const reason = `Action was skipped automatically: instance ${deleted.uuid} was not found`;
    expect((await deps.store.actions.find(uuidOf('deleted')))!.statusMessage).toBe(reason);
    expect(result.statusMessage).toContain('2 action(s) skipped');
    expect(result.statusMessage).toContain(reason);
    expect(result.statusMessage).toContain('the operator keeps it there');
  });

  it.each([
    ['off', false],
    ['on', true],
  ])(
    'fails the plan on a failing action and cancels its dependants; with rollback %s',
    async (_label, rollbackOnFailure) => {
      const deps = await setup({ settings: { rollbackOnFailure, concurrency: 1 } });
      const { servers, spare } = await pick();
      const [first, failing, dependant] = servers as [Server, Server, Server];
      const plan = await createPlan(deps.store, [
        { name: 'first', type: 'migrate', params: live(first, spare) },
        { name: 'failing', type: 'migrate', params: live(failing, 'no-such-host'), after: ['first'] },
        { name: 'dependant', type: 'migrate', params: live(dependant, spare), after: ['failing'] },
      ]);
      const run = runWorkflow(deps, plan.uuid);
      await drive(run);
      const result = await run;

      expect(result.state).toBe('FAILED');
      expect(result.actions.map((a) => a.state)).toEqual(['SUCCEEDED', 'FAILED', 'CANCELLED']);
      expect(result.actions[1]!.reason).toBe(
        'Action failed in pre_condition: destination host no-such-host was not found',
      );
      expect(result.actions[2]!.reason).toBe(
        `Action was cancelled: it depends on action ${uuidOf('failing')}, which failed`,
      );
      expect(await hostOf(dependant.uuid)).toBe(dependant.hostname);
      expect(await hostOf(first.uuid)).toBe(rollbackOnFailure ? first.hostname : spare);
      if (rollbackOnFailure)
        expect(result.statusMessage).toContain('Rollback: 1 succeeded action(s) reverted.');
    },
  );

  it('fails a migration the cloud never finishes at the configured timeout, scaled by memory, not at 120 s', async () => {
    const deps = await setup({
      bandwidthMbPerS: 0.000_001,
      settings: {
        timeouts: { ...loadConfig({ env: {} }).applier.timeouts, migrate: 200, perMemoryGibSeconds: 10 },
      },
    });
    const { servers, spare } = await pick();
    const stuck = servers[0]!;
    const expectedMs = (200 + (stuck.flavor.memoryMb / 1024) * 10) * 1000;
    const plan = await createPlan(deps.store, [
      { name: 'stuck', type: 'migrate', params: live(stuck, spare) },
    ]);
    const started = clock.now().getTime();
    const run = runWorkflow(deps, plan.uuid);
    await drive(run);
    const result = await run;
    const elapsedMs = clock.now().getTime() - started;

    expect(result.state).toBe('FAILED');
    expect(result.actions[0]!.reason).toBe(
      `Action failed in execute: migration of ${stuck.uuid} did not finish within ${expectedMs / 1000} s`,
    );
    expect(expectedMs).toBeGreaterThan(120_000);
    expect(elapsedMs).toBeGreaterThanOrEqual(expectedMs);
    expect(elapsedMs).toBeLessThan(expectedMs + 5_000);
  });

  it('on cancel aborts a running live migration in Nova, leaving the instance on its source', async () => {
    const deps = await setup({ bandwidthMbPerS: 0.000_001 });
    const { servers, spare } = await pick();
    const moving = servers[0]!;
    const plan = await createPlan(deps.store, [
      { name: 'moving', type: 'migrate', params: live(moving, spare) },
    ]);
    const cancel = new AbortController();
    const run = runWorkflow(deps, plan.uuid, { cancel: cancel.signal });
    while ((await clients.compute.listServerMigrations(moving.uuid)).length === 0)
      await new Promise((resolve) => setTimeout(resolve, 5));
    cancel.abort(new Error('cancelled by the operator'));
    await drive(run);
    const result = await run;

    expect(result.state).toBe('CANCELLED');
    expect(result.actions[0]!.state).toBe('CANCELLED');
    await cloud.settle();
    expect(await clients.compute.listServerMigrations(moving.uuid)).toEqual([]);
    const after = await clients.compute.getServer(moving.uuid);
    expect(after!.hostname).toBe(moving.hostname);
    expect(cloud.state.migrations.find((m) => m.instanceId === moving.uuid)!.status).toBe('cancelled');
  });

  it('resizes an instance to another flavor, confirms it, and checks the result against Nova', async () => {
    const deps = await setup();
    const { servers } = await pick();
    const target = servers[0]!;
    const flavor = (await clients.compute.listFlavors()).find(
      (f) => f.name !== target.flavor.name && f.memoryMb <= 2 * target.flavor.memoryMb,
    )!;
    const plan = await createPlan(deps.store, [
      { name: 'resize', type: 'resize', params: { resource_id: target.uuid, flavor: flavor.name } },
    ]);
    const run = runWorkflow(deps, plan.uuid);
    await drive(run);
    const result = await run;
    expect(result.actions[0]).toEqual({ uuid: uuidOf('resize'), state: 'SUCCEEDED' });
    const after = (await clients.compute.getServer(target.uuid))!;
    expect(after.flavor.name).toBe(flavor.name);
    expect(after.status).toBe('ACTIVE');
  });

  /** A live compute model kept by the simulator's notifications (when it has a bus), counting targeted reads. */
  async function liveModel(bus: Bus | undefined) {
    const reads: string[] = [];
    const nodeReads: string[] = [];
    provider = createComputeModelProvider({
      collect: async (signal) =>
        (await collectComputeModel(clients, { now: clock.now(), ...(signal && { signal }) })).model,
      readServer: (uuid) => {
        reads.push(uuid);
        return clients.compute.getServer(uuid);
      },
      readNode: (node) => {
        nodeReads.push(node.hostname);
        return readComputeNodeState(clients, node);
      },
      ...(bus && { bus }),
      clock,
      logger: silentLogger,
      syncIntervalMs: 3_600_000,
    });
    await provider.start();
    await provider.getComputeModel(); // waits for the first sync
    return { model: provider, reads, nodeReads };
  }

  it.each([
    ['the notifications of the move', true],
    ['a targeted refresh when no notification comes', false],
  ])('after a migration, the model shows the instance on its new host through %s', async (_how, withBus) => {
    const bus = withBus ? new InProcessBus({ logger: silentLogger }) : undefined;
    const deps = await setup({ ...(bus && { bus }), settings: { modelWaitSeconds: 30 } });
    const { model, reads } = await liveModel(bus);
    const { servers, spare } = await pick();
    const moving = servers[0]!;
    expect(model.current!.getInstance(moving.uuid)!.hostname).toBe(moving.hostname);
    const plan = await createPlan(deps.store, [
      { name: 'moving', type: 'migrate', params: live(moving, spare) },
    ]);
    const started = clock.now().getTime();
    const run = runWorkflow({ ...deps, model }, plan.uuid);
    await drive(run);
    const result = await run;

    expect(result.state).toBe('SUCCEEDED');
    expect(model.current!.getInstance(moving.uuid)!.hostname).toBe(spare);
    if (withBus) {
      expect(reads).toEqual([]);
    } else {
      expect(reads).toEqual([moving.uuid]);
      expect(clock.now().getTime() - started).toBeGreaterThanOrEqual(30_000);
    }
  });

  it('with no notification, the model shows a set trait and a disabled service through a targeted node refresh and keeps the rest of the node', async () => {
    const deps = await setup({ settings: { modelWaitSeconds: 5 } });
    const { model, nodeReads } = await liveModel(undefined);
    const before = model.current!.clone();
    const node = [...before.nodes()][0]!;
    const plan = await createPlan(deps.store, [
      {
        name: 'trait',
        type: 'add_trait',
        params: { resource_id: node.uuid, resource_name: node.hostname, trait: 'CUSTOM_STEWARD_IT' },
      },
      {
        name: 'disable',
        type: 'change_nova_service_state',
        params: {
          resource_id: node.uuid,
          resource_name: node.hostname,
          state: 'disabled',
          disabled_reason: 'steward it',
        },
        after: ['trait'],
      },
    ]);
    const started = clock.now().getTime();
    const run = runWorkflow({ ...deps, model }, plan.uuid);
    await drive(run);
    expect((await run).state).toBe('SUCCEEDED');

    expect(nodeReads).toEqual([node.hostname, node.hostname]);
    // The trait is re-read at once (nothing notifies it); the service state after waiting for its notification.
    expect(clock.now().getTime() - started).toBeGreaterThanOrEqual(5_000);
    expect(clock.now().getTime() - started).toBeLessThan(10_000);
    expect(model.current!.getNode(node.hostname)).toEqual({
      ...node,
      // Nova's compute sets COMPUTE_STATUS_DISABLED on its provider with the service status.
      traits: [...node.traits, 'COMPUTE_STATUS_DISABLED', 'CUSTOM_STEWARD_IT'].sort(),
      status: 'disabled',
      disabledReason: 'steward it',
      updatedAt: expect.any(Date) as Date,
    });
    for (const other of before.nodes())
      if (other.hostname !== node.hostname) expect(model.current!.getNode(other.hostname)).toEqual(other);
    expect([...model.current!.instances()]).toEqual([...before.instances()]);
  });

  it('with no notification, the model shows a node powered off and on through a targeted node refresh', async () => {
    const deps = await setup({ settings: { modelWaitSeconds: 5 } });
    const { model, nodeReads } = await liveModel(undefined);
    const node = [...model.current!.nodes()][1]!;
    // Empty the host through Nova first, as a consolidation plan would before powering it off.
    const leaving = await clients.compute.listServers({ host: node.hostname, allTenants: true });
    for (const server of leaving)
      await clients.compute.liveMigrate(server.uuid, { host: null, blockMigration: 'auto' });
    while ((await clients.compute.listServers({ host: node.hostname, allTenants: true })).length > 0) {
      await clock.advance(1000);
      await cloud.settle();
    }

    const power = async (state: 'on' | 'off') => {
      const plan = await createPlan(deps.store, [
        {
          name: `power-${state}`,
          type: 'change_node_power_state',
          params: { resource_id: node.uuid, resource_name: node.hostname, state },
        },
      ]);
      const run = runWorkflow({ ...deps, model }, plan.uuid);
      await drive(run);
      expect((await run).state).toBe('SUCCEEDED');
    };
    await power('off');
    expect(model.current!.getNode(node.hostname)).toMatchObject({ powerState: 'off', state: 'down' });
    await power('on');
    expect(model.current!.getNode(node.hostname)).toMatchObject({ powerState: 'on', state: 'up' });
    expect(nodeReads).toEqual([node.hostname, node.hostname]);
  });
});
