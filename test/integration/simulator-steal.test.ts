/**
 * Steal in the simulated cloud, over its HTTP APIs only: a host serves at most its physical cores, so starting a
 * hungry instance (Nova `os-start`) beside others raises their steal in the simulated Prometheus (libvirt's
 * per-vCPU steal, node_exporter's steal mode), and live-migrating it away (`os-migrateLive`) lowers it again. The
 * simulator before this (a constant 1 % of each instance's CPU, 3 % of a host's busy time) fails every assertion
 * on the over-demanded host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { createSimulatedCloud, type SimulatedCloud } from '../../src/simulator/index.js';
import { simulatedLogin } from '../helpers/simulated-keystone.js';

const SCENARIO = 'test/fixtures/simulator/steal-noisy-neighbour.json';
const T = Date.parse('2026-03-01T12:00:00Z') / 1000;

type Json = Record<string, unknown>;
let cloud: SimulatedCloud;
let clock: ManualClock;
let token = '';

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      'x-auth-token': token,
      'openstack-api-version': 'compute 2.100',
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
}

/** One value per `key` label of an instant query at the clock's now. */
async function query(promql: string, key: string): Promise<Record<string, number>> {
  const time = clock.now().getTime() / 1000;
  const { body } = await call(
    'GET',
    `${cloud.urls.prometheus}/api/v1/query?query=${encodeURIComponent(promql)}&time=${time}`,
  );
  const result = (body.data as { result: { metric: Record<string, string>; value: [number, string] }[] })
    .result;
  return Object.fromEntries(result.map((r) => [r.metric[key]!, Number(r.value[1])]));
}

/** Each server's steal over the last 5 minutes, in % of its vCPUs, by name. */
async function instanceSteal(): Promise<Record<string, number>> {
  const { body } = await call('GET', `${cloud.urls.compute}/servers/detail?all_tenants=1`);
  const names = new Map((body.servers as Json[]).map((s) => [String(s.id), String(s.name)]));
  const vcpus = await query('max by (domain)(libvirt_domain_info_virtual_cpus)', 'domain');
  const steal = await query(
    'sum by (domain)(rate(libvirt_domain_vcpu_steal_seconds_total[300s])) * 100',
    'domain',
  );
  return Object.fromEntries(Object.entries(steal).map(([id, pct]) => [names.get(id)!, pct / vcpus[id]!]));
}
const hostSteal = () =>
  query("avg by (fqdn)(rate(node_cpu_seconds_total{mode='steal'}[300s])) * 100", 'fqdn');
const hostIdle = () => query("avg by (fqdn)(rate(node_cpu_seconds_total{mode='idle'}[300s]))", 'fqdn');
const serverId = async (name: string): Promise<string> => {
  const { body } = await call('GET', `${cloud.urls.compute}/servers/detail?all_tenants=1&name=${name}`);
  return String((body.servers as Json[]).find((s) => s.name === name)!.id);
};

beforeAll(async () => {
  clock = new ManualClock(new Date(T * 1000));
  cloud = createSimulatedCloud({
    clock,
    cluster: { scenarioFile: SCENARIO },
    migrationBandwidthMbPerS: 1_048_576,
  });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  ({ token } = await simulatedLogin(cloud.urls.identity, { name: 'admin', password: 'admin' }));
});
afterAll(async () => {
  await cloud.close();
});

describe('steal in the simulated cloud', () => {
  it('rises when a host is over-demanded and falls after the hungry instance is live-migrated away', async () => {
    // compute-00000: 8 cores; vm-victim-a (2 vCPUs at 80 %) and vm-victim-b (4 at 70 %) fit with room to spare.
    const quiet = await instanceSteal();
    expect(quiet['vm-victim-a']).toBeCloseTo(0.01 * 80, 6); // the 1 % scheduling baseline of the CPU served
    expect((await hostSteal())['compute-00000']).toBe(0);

    // vm-noisy (8 vCPUs at 75 %) starts: 0.16 + 1.6 + 2.8 + 6 = 10.56 cores wanted of 8.
    const noisy = await serverId('vm-noisy');
    expect(
      (await call('POST', `${cloud.urls.compute}/servers/${noisy}/action`, { 'os-start': null })).status,
    ).toBe(202);
    const busy = 10.56 / 8;
    const served = 1 / busy;
    const crowded = await instanceSteal();
    expect(crowded['vm-victim-a']).toBeCloseTo(80 * (0.01 * served + (1 - served)), 6);
    expect(crowded['vm-victim-b']).toBeCloseTo(70 * (0.01 * served + (1 - served)), 6);
    expect(crowded['vm-victim-a']).toBeGreaterThan(15);
    expect((await hostSteal())['compute-00000']).toBeCloseTo(100 * (1 - served), 6);
    expect((await hostIdle())['compute-00000']).toBeCloseTo(0, 9); // the cores are all busy, never more
    expect(crowded['vm-web-1']).toBeCloseTo(0.01 * 20, 6); // other hosts are untouched

    const moved = await call('POST', `${cloud.urls.compute}/servers/${noisy}/action`, {
      'os-migrateLive': { host: 'compute-00001', block_migration: 'auto' },
    });
    expect(moved.status).toBe(202);
    await clock.advance(1000);
    const { body } = await call('GET', `${cloud.urls.compute}/servers/${noisy}`);
    expect((body.server as Json)['OS-EXT-SRV-ATTR:host']).toBe('compute-00001');

    const relieved = await instanceSteal();
    expect(relieved['vm-victim-a']).toBeCloseTo(0.01 * 80, 6);
    expect(relieved['vm-victim-b']).toBeCloseTo(0.01 * 70, 6);
    // 6 + 0.2 + 0.16 cores on compute-00001's 8: it serves vm-noisy in full.
    expect(relieved['vm-noisy']).toBeCloseTo(0.01 * 75, 6);
    expect(await hostSteal()).toEqual({ 'compute-00000': 0, 'compute-00001': 0, 'compute-00002': 0 });
  });
});
