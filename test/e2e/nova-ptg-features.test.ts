/**
 * The simulated Nova's 2025.2 PTG features met by Steward end to end, on a cloud built from a scenario: four equal
 * hosts, every instance on `compute-0`. Hand-written migrations that leave the destination to Nova (the `actuator`
 * strategy, an audit over Steward's API) land where the trait-preference weigher and the boring-host weigher send
 * them; a plan whose destination enters maintenance before it runs gets Nova's 409 and its action FAILS with that
 * reason; then a `host_maintenance` audit with `force_refresh` sees the host in maintenance in its model (it is not
 * a destination, though it is the backup node) and honours a `lifecycle:live-migratable=false` key an admin set and
 * the project's member could not remove (metadata protection): that instance is cold-migrated, never live.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasOpenstackClient, useOptimizeClient } from '../helpers/openstack-optimize.js';
import { eventually } from '../helpers/server.js';
import { simulatedLogin } from '../helpers/simulated-keystone.js';

type Json = Record<string, unknown>;
const HOSTS = ['compute-0', 'compute-1', 'compute-2', 'compute-3'];
const uuidOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** Each instance has a size of its own, so each gets a flavor of its own whose extra specs a test may change. */
const VMS = { trait: 1, boring: 2, maintenance: 3, protectedKey: 4 } as const;

function writeScenario(): string {
  const nodes = HOSTS.map((hostname, at) => ({
    uuid: `00000000-0000-4000-b000-${String(at).padStart(12, '0')}`,
    hostname,
    state: 'up',
    status: 'enabled',
    disabled_reason: null,
    vcpus: 32,
    vcpu_reserved: 0,
    vcpu_ratio: 1,
    memory: 65536,
    memory_mb_reserved: 0,
    memory_ratio: 1,
    disk: 1000,
    disk_gb_reserved: 0,
    disk_ratio: 1,
    metrics: { host_cpu_usage: 10, host_ram_usage: 0.1 * 65536 * 1024 },
  }));
  const instances = Object.values(VMS).map((n) => ({
    uuid: uuidOf(n),
    name: `vm-${n}`,
    state: 'active',
    host: nodes[0]!.uuid,
    vcpus: 1,
    memory: 256 + 64 * n,
    disk: 3,
    project_id: 'p1',
    locked: false,
    metadata: {},
    metrics: { instance_cpu_usage: 10, instance_ram_usage: 128 },
  }));
  const path = join(mkdtempSync(join(tmpdir(), 'steward-nova-ptg-')), 'scenario.json');
  writeFileSync(path, JSON.stringify({ nodes, instances }));
  return path;
}

describe.skipIf(!hasOpenstackClient)('Nova’s 2025.2 features met by Steward', { timeout: 120_000 }, () => {
  const client = useOptimizeClient({
    'cloud.simulator.scenario': writeScenario(),
    'cloud.simulator.loadPattern': 'flat',
  });
  const cloud = () => client.server().steward.simulator!;

  /** The simulated Nova's API as `user` (admin, or the member demo). */
  const nova = async (
    method: string,
    path: string,
    body?: unknown,
    user: 'admin' | 'demo' = 'admin',
  ): Promise<{ status: number; body: Json }> => {
    const { token } = await simulatedLogin(cloud().credentials.authUrl, { name: user, password: user });
    const response = await fetch(`${cloud().urls.compute}${path}`, {
      method,
      headers: {
        'x-auth-token': token,
        'content-type': 'application/json',
        'openstack-api-version': 'compute 2.100',
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const hostOf = async (n: number): Promise<string> =>
    String(((await nova('GET', `/servers/${uuidOf(n)}`)).body.server as Json)['OS-EXT-SRV-ATTR:host']);
  const refusedRequests = async (n: number): Promise<Json[]> =>
    ((await nova('GET', `/servers/${uuidOf(n)}/os-instance-actions`)).body.instanceActions as Json[]).filter(
      (action) => action.message === 'Error',
    );

  const steward = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const response = await fetch(`${client.server().url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'OpenStack-API-Version': 'infra-optim latest' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    expect(response.status, text).toBeLessThan(300);
    return (text ? JSON.parse(text) : {}) as Json;
  };
  const finished = (path: string, states: string[]) =>
    eventually(
      () => steward('GET', path),
      (shown) => states.includes(String(shown.state)),
      60_000,
    );

  /** Runs an audit (with `force_refresh`, so the model re-reads what changed behind the notifications) to its plan. */
  const audit = async (spec: Json): Promise<{ plan: Json; actions: Json[] }> => {
    const created = await steward('POST', '/v1/audits', {
      audit_type: 'ONESHOT',
      force_refresh: true,
      ...spec,
    });
    const done = await finished(`/v1/audits/${String(created.uuid)}`, ['SUCCEEDED', 'FAILED']);
    expect(done.state, JSON.stringify(done)).toBe('SUCCEEDED');
    const [plan] = await eventually(
      async () =>
        (await steward('GET', `/v1/action_plans?audit_uuid=${String(created.uuid)}`)).action_plans as Json[],
      (plans) => plans.length > 0,
    );
    const ended = spec.auto_trigger
      ? await finished(`/v1/action_plans/${String(plan!.uuid)}`, ['SUCCEEDED', 'FAILED', 'CANCELLED'])
      : plan!;
    const actions = (await steward('GET', `/v1/actions/detail?action_plan_uuid=${String(plan!.uuid)}`))
      .actions as Json[];
    return { plan: ended, actions };
  };
  /** A hand-written live migration of instance `n` out of compute-0; no destination, so Nova's scheduler picks. */
  const migrateByScheduler = (n: number) =>
    audit({
      goal: 'unclassified',
      strategy: 'actuator',
      auto_trigger: true,
      parameters: {
        actions: [
          {
            action_type: 'migrate',
            input_parameters: { resource_id: uuidOf(n), migration_type: 'live', source_node: 'compute-0' },
          },
        ],
      },
    });
  const addTrait = (hostname: string, trait: string) => {
    cloud().state.customTraits.add(trait);
    cloud().state.hostsByName.get(hostname)!.traits.push(trait);
  };
  const instance = (n: number) => cloud().state.instances.get(uuidOf(n))!;

  it('lands a migration left to Nova on the host with the trait its flavor prefers', async () => {
    addTrait('compute-3', 'CUSTOM_FAST');
    instance(VMS.trait).flavor.extraSpecs['trait:CUSTOM_FAST'] = 'preferred';
    // Without the preference compute-1 would win: the hosts are equal, and it is boring and first.
    const { plan, actions } = await migrateByScheduler(VMS.trait);
    expect(plan.state, JSON.stringify(actions)).toBe('SUCCEEDED');
    expect(await hostOf(VMS.trait)).toBe('compute-3');
  });

  it('lands a migration with no trait preference on a boring host, not on one with custom traits', async () => {
    addTrait('compute-1', 'CUSTOM_GPU');
    // compute-1 comes first and is as empty as compute-2; only the boring-host weigher tells them apart.
    const holding = (hostname: string) =>
      [...cloud().state.instances.values()].filter((i) => i.host === hostname).length;
    expect([holding('compute-1'), holding('compute-2')]).toEqual([0, 0]);
    const { plan } = await migrateByScheduler(VMS.boring);
    expect(plan.state).toBe('SUCCEEDED');
    expect(await hostOf(VMS.boring)).toBe('compute-2');
  });

  it('fails the action with Nova’s 409 when the destination entered maintenance after the plan was made', async () => {
    const { plan, actions } = await audit({
      goal: 'unclassified',
      strategy: 'actuator',
      parameters: {
        actions: [
          {
            action_type: 'migrate',
            input_parameters: {
              resource_id: uuidOf(VMS.maintenance),
              migration_type: 'live',
              source_node: 'compute-0',
              destination_node: 'compute-1',
            },
          },
        ],
      },
    });
    expect(plan.state).toBe('RECOMMENDED');
    expect(actions).toHaveLength(1);
    const serviceId = cloud().state.hostsByName.get('compute-1')!.serviceId;
    expect((await nova('PUT', `/os-services/${serviceId}`, { maintenance: true })).status).toBe(200);

    await steward('POST', `/v1/action_plans/${String(plan.uuid)}/start`);
    const ended = await finished(`/v1/action_plans/${String(plan.uuid)}`, ['SUCCEEDED', 'FAILED']);
    expect(ended.state).toBe('FAILED');
    const [action] = (await steward('GET', `/v1/actions/detail?action_plan_uuid=${String(plan.uuid)}`))
      .actions as Json[];
    expect(action!.state).toBe('FAILED');
    expect(String(action!.status_message)).toContain('Target host compute-1 is in maintenance');
    expect(await hostOf(VMS.maintenance)).toBe('compute-0');
    expect(await refusedRequests(VMS.maintenance)).toHaveLength(1);
  });

  it('plans around the host in maintenance and honours a lifecycle key protected by an admin', async () => {
    const key = 'lifecycle:live-migratable';
    const protectedVm = uuidOf(VMS.protectedKey);
    expect(
      (await nova('POST', `/servers/${protectedVm}/metadata`, { metadata: { [key]: 'false' } })).status,
    ).toBe(200);
    const removal = await nova('DELETE', `/servers/${protectedVm}/metadata/${key}`, undefined, 'demo');
    expect(removal.status).toBe(403);

    const { plan, actions } = await audit({
      goal: 'cluster_maintaining',
      strategy: 'host_maintenance',
      auto_trigger: true,
      parameters: { maintenance_node: 'compute-0', backup_node: 'compute-1' },
    });
    expect(plan.state, JSON.stringify(actions)).toBe('SUCCEEDED');
    const moves = actions.filter((action) => action.action_type === 'migrate');
    const byInstance = new Map(
      moves.map((action) => [(action.input_parameters as Json).resource_id, action]),
    );
    expect([...byInstance.keys()].sort()).toEqual([uuidOf(VMS.maintenance), protectedVm].sort());
    // compute-1 is the backup node, but in maintenance: no destination for any strategy.
    for (const action of moves)
      expect((action.input_parameters as Json).destination_node).not.toBe('compute-1');
    expect((byInstance.get(protectedVm)!.input_parameters as Json).migration_type).toBe('cold');
    expect((byInstance.get(uuidOf(VMS.maintenance))!.input_parameters as Json).migration_type).toBe('live');
    for (const n of [VMS.maintenance, VMS.protectedKey]) expect(await hostOf(n)).not.toMatch(/compute-[01]/);
    // Nothing was refused this time: the one refusal is the 409 of the test before.
    expect(await refusedRequests(VMS.protectedKey)).toEqual([]);
    expect(await refusedRequests(VMS.maintenance)).toHaveLength(1);
    const live = cloud().state.migrations.filter(
      (m) => m.instanceId === protectedVm && m.type === 'live-migration',
    );
    expect(live).toEqual([]);
  });
});
