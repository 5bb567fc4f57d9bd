/**
 * host_maintenance end to end through the real python-watcherclient, on a simulated cloud built from a scenario: the
 * maintenance host holds one instance for every combination of state (active, stopped), `lifecycle:live-migratable`,
 * `lifecycle:cold-migratable` and `ha:maintenance-strategy`, with `ha:role`/`ha:priority` spread over them. One
 * audit runs with `disable_live_migration=true`, another (on a fresh cloud) with both kinds of move disabled, a third
 * with both allowed (where `lifecycle:live-migratable=false` is what keeps an instance from a live move). Each
 * plan runs to SUCCEEDED; then the simulated Nova, read over its API, shows the host disabled and each instance
 * moved, stopped or left exactly as an oracle written from the rules says, and its records (os-migrations, every
 * instance's os-instance-actions, refused requests included) show no operation the metadata or the audit forbids.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeActions, hasOpenstackClient, useOptimizeClient } from '../helpers/openstack-optimize.js';
import { simulatedLogin } from '../helpers/simulated-keystone.js';

const MAINTAINED = 'compute-m';
const uuidOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

interface Case {
  uuid: string;
  name: string;
  state: 'active' | 'stopped';
  metadata: Record<string, string>;
}

/** Every combination, in a fixed order; roles and priorities cycle so each tier holds several kinds. */
function cases(): Case[] {
  const all: Case[] = [];
  for (const state of ['active', 'stopped'] as const)
    for (const live of [undefined, 'false'])
      for (const cold of [undefined, 'false'])
        for (const handling of [undefined, 'in_place', 'power_off', 'migrate']) {
          const n = all.length + 1;
          const role = [undefined, 'standby', 'primary'][n % 3];
          all.push({
            uuid: uuidOf(n),
            name: `vm-${n}`,
            state,
            metadata: {
              ...(live && { 'lifecycle:live-migratable': live }),
              ...(cold && { 'lifecycle:cold-migratable': cold }),
              ...(handling && { 'ha:maintenance-strategy': handling }),
              ...(role && { 'ha:role': role }),
              ...(n % 4 === 0 && { 'ha:priority': String(n % 3) }),
            },
          });
        }
  return all;
}

/** Three hosts with room for everything; the cases on the maintenance host. */
function writeScenario(): string {
  const node = (hostname: string) => ({
    uuid: `node-${hostname}`,
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
    metrics: {},
  });
  const scenario = {
    nodes: [node(MAINTAINED), node('compute-a'), node('compute-b')],
    instances: cases().map((c) => ({
      uuid: c.uuid,
      name: c.name,
      state: c.state,
      host: `node-${MAINTAINED}`,
      vcpus: 1,
      memory: 512,
      disk: 1,
      project_id: 'p1',
      locked: false,
      metadata: c.metadata,
      metrics: {},
    })),
  };
  const path = join(mkdtempSync(join(tmpdir(), 'steward-maintenance-')), 'scenario.json');
  writeFileSync(path, JSON.stringify(scenario));
  return path;
}

type Outcome = { moved: 'live' | 'cold' | false; state: 'active' | 'stopped' };

/** What the rules say must happen to an instance, written from the words, not from the strategy's code. */
function expected(c: Case, disableLive: boolean, disableCold: boolean): Outcome {
  const liveAllowed = !disableLive && c.metadata['lifecycle:live-migratable'] !== 'false';
  const coldAllowed = !disableCold && c.metadata['lifecycle:cold-migratable'] !== 'false';
  const handling = c.metadata['ha:maintenance-strategy'] ?? 'migrate';
  if (handling === 'in_place') return { moved: false, state: c.state };
  if (handling === 'power_off') return { moved: false, state: 'stopped' };
  if (c.state === 'active') {
    if (liveAllowed) return { moved: 'live', state: 'active' };
    if (coldAllowed) return { moved: 'cold', state: 'active' };
    return { moved: false, state: 'stopped' };
  }
  return coldAllowed ? { moved: 'cold', state: 'stopped' } : { moved: false, state: 'stopped' };
}

type Json = Record<string, unknown>;

describe.skipIf(!hasOpenstackClient).each([
  // Both kinds allowed: only here does `lifecycle:live-migratable=false` decide anything.
  { disableLive: false, disableCold: false },
  { disableLive: true, disableCold: false },
  { disableLive: true, disableCold: true },
])(
  'host_maintenance through openstack optimize with %j',
  { timeout: 300_000 },
  ({ disableLive, disableCold }) => {
    const client = useOptimizeClient({
      'cloud.simulator.scenario': writeScenario(),
      'cloud.simulator.migrationBandwidthMbPerS': 1_048_576,
    });

    /** The simulated Nova's API, as admin. */
    const nova = async (path: string): Promise<Json> => {
      const cloud = client.server().steward.simulator!;
      const { username, password, projectName, authUrl } = cloud.credentials;
      const { token } = await simulatedLogin(authUrl, { name: username, password, projectName });
      const response = await fetch(`${cloud.urls.compute}${path}`, {
        headers: { 'x-auth-token': token, 'openstack-api-version': 'compute 2.100' },
      });
      expect(response.status, path).toBe(200);
      return (await response.json()) as Json;
    };

    it('leaves the host disabled and each instance moved, stopped or in place as its metadata says, attempting nothing forbidden', async () => {
      const parameters = ['-p', `maintenance_node=${MAINTAINED}`];
      if (disableLive) parameters.push('-p', 'disable_live_migration=true');
      if (disableCold) parameters.push('-p', 'disable_cold_migration=true');
      const { plan, actions } = await client.optimise(
        'cluster_maintaining',
        'host_maintenance',
        ...parameters,
      );
      expect(plan.State, describeActions(actions)).toBe('SUCCEEDED');
      expect(actions.every((action) => action.State === 'SUCCEEDED')).toBe(true);
      expect(actions.length).toBeGreaterThan(0);
      // The host is disabled first: every other action descends from the disable.
      const disable = actions.filter((action) => action.Action === 'change_nova_service_state');
      expect(disable).toHaveLength(1);
      expect(disable[0]!.Parents).toEqual([]);
      for (const action of actions)
        if (action !== disable[0]) expect((action.Parents as unknown[]).length).toBeGreaterThan(0);

      const services = (await nova(`/os-services?host=${MAINTAINED}`)).services as Json[];
      expect(services).toMatchObject([{ status: 'disabled', disabled_reason: 'watcher_maintaining' }]);

      const migrations = (await nova('/os-migrations')).migrations as Json[];
      const wrong: string[] = [];
      for (const c of cases()) {
        const want = expected(c, disableLive, disableCold);
        const { server } = (await nova(`/servers/${c.uuid}`)) as { server: Json };
        const host = server['OS-EXT-SRV-ATTR:host'];
        const state = server['OS-EXT-STS:vm_state'];
        if ((want.moved === false) !== (host === MAINTAINED) || state !== want.state)
          wrong.push(
            `${c.name} ${c.state} ${JSON.stringify(c.metadata)}: on ${String(host)}, ${String(state)}`,
          );
        // Nova's records: the only migration of the instance is the one the rules allow; its actions are that
        // migration (and the confirm of a cold one) or a stop, none of them refused.
        const kinds = migrations
          .filter((m) => m.instance_uuid === c.uuid)
          .map((m) => (m.migration_type === 'live-migration' ? 'live' : 'cold'));
        expect(kinds, c.name).toEqual(want.moved === false ? [] : [want.moved]);
        const { instanceActions } = (await nova(`/servers/${c.uuid}/os-instance-actions`)) as {
          instanceActions: Json[];
        };
        expect(instanceActions.filter((a) => a.message !== null)).toEqual([]);
        const names = instanceActions.map((a) => String(a.action)).reverse();
        const stopped = c.state === 'active' && want.state === 'stopped';
        expect(names, c.name).toEqual(
          want.moved === 'live'
            ? ['live-migration']
            : want.moved === 'cold'
              ? ['migrate', 'confirmResize']
              : stopped
                ? ['stop']
                : [],
        );
      }
      expect(wrong).toEqual([]);
    });
  },
);
