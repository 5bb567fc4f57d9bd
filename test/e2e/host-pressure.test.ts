/**
 * host_pressure end to end on a simulated cloud built from a scenario: four hosts, two of them nearly empty by
 * allocation (so Nova's spreading weighers prefer them) but overloaded, one on CPU and one on memory, which the
 * simulator's PSI counters show. The audit (through the real `openstack optimize` client) sets PRESSURE_CPU and
 * PRESSURE_MEMORY on exactly those hosts' Placement providers; servers booted afterwards land on the other hosts,
 * where before the traits the scheduler chose an overloaded one. When the load falls, audits with `force_refresh`
 * (Placement sends no notification, so the model must re-read the traits) clear the traits, a host still between
 * the clear and set levels keeping its trait until it falls below the clear level.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeActions, hasOpenstackClient, useOptimizeClient } from '../helpers/openstack-optimize.js';
import { eventually } from '../helpers/server.js';
import { simulatedLogin } from '../helpers/simulated-keystone.js';

const HOSTS = ['compute-0', 'compute-1', 'compute-2', 'compute-3'];
const CPU_HOT = 'compute-0';
const MEMORY_HOT = 'compute-1';
const MEMORY_MB = 65536;
const providerOf = (hostname: string) =>
  `00000000-0000-4000-b000-${String(HOSTS.indexOf(hostname)).padStart(12, '0')}`;

/**
 * The hot hosts hold one m1.tiny each and are loaded by work outside their instances (the scenario's host metrics):
 * 95 % CPU busy (PSI cpu 0.5 × (0.95 − 0.7) = 0.125) and 97 % RAM used (PSI memory 0.97 − 0.85 = 0.12). The cool hosts
 * hold 8 of their 32 vCPUs and 16 GiB, at 20 % CPU.
 */
function writeScenario(): string {
  const nodes = HOSTS.map((hostname) => ({
    uuid: providerOf(hostname),
    hostname,
    state: 'up',
    status: 'enabled',
    disabled_reason: null,
    vcpus: 32,
    vcpu_reserved: 0,
    vcpu_ratio: 1,
    memory: MEMORY_MB,
    memory_mb_reserved: 0,
    memory_ratio: 1,
    disk: 1000,
    disk_gb_reserved: 0,
    disk_ratio: 1,
    metrics: {
      host_cpu_usage: hostname === CPU_HOT ? 95 : 20,
      // KiB, as the shared scenarios store it.
      host_ram_usage: (hostname === MEMORY_HOT ? 0.97 : 0.3) * MEMORY_MB * 1024,
    },
  }));
  const instances = HOSTS.map((hostname, at) => {
    const hot = hostname === CPU_HOT || hostname === MEMORY_HOT;
    return {
      uuid: `00000000-0000-4000-8000-${String(at + 1).padStart(12, '0')}`,
      name: `vm-${at + 1}`,
      state: 'active',
      host: providerOf(hostname),
      vcpus: hot ? 1 : 8,
      memory: hot ? 512 : 16384,
      disk: hot ? 1 : 160,
      project_id: 'p1',
      locked: false,
      metadata: {},
      metrics: { instance_cpu_usage: 10, instance_ram_usage: hot ? 256 : 4096 },
    };
  });
  const path = join(mkdtempSync(join(tmpdir(), 'steward-pressure-')), 'scenario.json');
  writeFileSync(path, JSON.stringify({ nodes, instances }));
  return path;
}

type Json = Record<string, unknown>;

describe.skipIf(!hasOpenstackClient)('host_pressure on a simulated overload', { timeout: 300_000 }, () => {
  const client = useOptimizeClient({
    'cloud.simulator.scenario': writeScenario(),
    'cloud.simulator.loadPattern': 'flat',
  });
  const cloud = () => client.server().steward.simulator!;

  /** The simulated cloud's API as admin: `compute` or `placement` paths. */
  const call = async (
    service: 'compute' | 'placement',
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> => {
    const { username, password, projectName, authUrl } = cloud().credentials;
    const { token } = await simulatedLogin(authUrl, { name: username, password, projectName });
    const response = await fetch(`${cloud().urls[service]}${path}`, {
      method,
      headers: {
        'x-auth-token': token,
        'content-type': 'application/json',
        'openstack-api-version': service === 'compute' ? 'compute 2.100' : 'placement 1.39',
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };

  /** The pressure traits on each host's provider, read from Placement. */
  const pressureTraits = async (): Promise<Record<string, string[]>> => {
    const traits: Record<string, string[]> = {};
    for (const hostname of HOSTS) {
      const { body } = await call('placement', 'GET', `/resource_providers/${providerOf(hostname)}/traits`);
      traits[hostname] = (body.traits as string[]).filter((trait) => trait.startsWith('PRESSURE_')).sort();
    }
    return traits;
  };

  /** Boots an m1.small; returns its id and the host the scheduler put it on. */
  const boot = async (name: string): Promise<{ id: string; host: string }> => {
    const created = await call('compute', 'POST', '/servers', {
      server: { name, flavorRef: '2', imageRef: 'any' },
    });
    expect(created.status).toBe(202);
    const id = (created.body.server as Json).id as string;
    const { body } = await call('compute', 'GET', `/servers/${id}`);
    return { id, host: String((body.server as Json)['OS-EXT-SRV-ATTR:host']) };
  };

  /** An auto-triggered audit created over Steward's API with `force_refresh`, run to its plan's end. */
  const refreshedAudit = async (): Promise<{ plan: Json; actions: Json[] }> => {
    const headers = { 'content-type': 'application/json', 'OpenStack-API-Version': 'infra-optim latest' };
    const steward = client.server().url;
    const created = await fetch(`${steward}/v1/audits`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        audit_type: 'ONESHOT',
        goal: 'cluster_maintaining',
        strategy: 'host_pressure',
        auto_trigger: true,
        force_refresh: true,
      }),
    });
    expect(created.status).toBe(201);
    const audit = ((await created.json()) as Json).uuid as string;
    const get = async (path: string) =>
      (await (await fetch(`${steward}${path}`, { headers })).json()) as Json;
    const done = await eventually(
      () => get(`/v1/audits/${audit}`),
      (shown) => ['SUCCEEDED', 'FAILED'].includes(String(shown.state)),
      120_000,
    );
    expect(done.state).toBe('SUCCEEDED');
    const [plan] = await eventually(
      async () => (await get(`/v1/action_plans?audit_uuid=${audit}`)).action_plans as Json[],
      (plans) => plans.length > 0,
    );
    const finished = await eventually(
      () => get(`/v1/action_plans/${String(plan!.uuid)}`),
      (shown) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(String(shown.state)),
      120_000,
    );
    const listed = await get(`/v1/actions/detail?action_plan_uuid=${String(plan!.uuid)}`);
    expect(listed.actions, JSON.stringify(listed)).toBeInstanceOf(Array);
    const actions = listed.actions as Json[];
    return { plan: finished, actions };
  };
  const changes = (actions: readonly Json[]) =>
    actions
      .map((action) => {
        const p = action.input_parameters as Json;
        return `${String(action.action_type)} ${String(p.trait)} ${String(p.resource_name)}`;
      })
      .sort();

  it('sets the traits on exactly the pressured hosts, new servers avoid them, and the traits clear when the pressure ends', async () => {
    // Before the traits Nova's spreading weighers pick an overloaded host: they are the emptiest.
    expect(await pressureTraits()).toEqual(Object.fromEntries(HOSTS.map((host) => [host, []])));
    const before = await boot('before-traits');
    expect([CPU_HOT, MEMORY_HOT]).toContain(before.host);
    // Gone again, so the hosts' load is the scenario's.
    expect((await call('compute', 'DELETE', `/servers/${before.id}`)).status).toBe(204);

    const { plan, actions } = await client.optimise('cluster_maintaining', 'host_pressure');
    expect(plan.State, describeActions(actions)).toBe('SUCCEEDED');
    expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
    expect(await pressureTraits()).toEqual({
      [CPU_HOT]: ['PRESSURE_CPU'],
      [MEMORY_HOT]: ['PRESSURE_MEMORY'],
      'compute-2': [],
      'compute-3': [],
    });

    const landed = [];
    for (let n = 0; n < 4; n++) landed.push((await boot(`after-traits-${n}`)).host);
    expect(landed.filter((host) => host === CPU_HOT || host === MEMORY_HOT)).toEqual([]);

    // The load falls: memory fully, CPU to 82 % busy (PSI 0.06), between the clear level (0.05) and the threshold.
    const state = cloud().state;
    const cpuHost = state.hostsByName.get(CPU_HOT)!;
    const memoryHost = state.hostsByName.get(MEMORY_HOT)!;
    const instancesBusy = 0.95 - cpuHost.baseCpu;
    cpuHost.baseCpu = 0.82 - instancesBusy;
    memoryHost.baseRamMb = 0.3 * MEMORY_MB;
    const easing = await refreshedAudit();
    expect(easing.plan.state, JSON.stringify(easing.actions)).toBe('SUCCEEDED');
    expect(changes(easing.actions)).toEqual([`remove_trait PRESSURE_MEMORY ${MEMORY_HOT}`]);
    expect((await pressureTraits())[CPU_HOT]).toEqual(['PRESSURE_CPU']);

    cpuHost.baseCpu = 0.1;
    const ended = await refreshedAudit();
    expect(changes(ended.actions)).toEqual([`remove_trait PRESSURE_CPU ${CPU_HOT}`]);
    expect(await pressureTraits()).toEqual(Object.fromEntries(HOSTS.map((host) => [host, []])));
  });
});
