/**
 * The admin dashboard on the embedded simulated cloud, over HTTP as the web app reads it: seven days of history
 * from the first second (the simulator computes history from its load model), the cluster and a host's series, and
 * the hosts an action plan (an actuator plan of migrations) would empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StewardClient } from '../../src/contract/client.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

type Json = Record<string, unknown>;
interface AdminView {
  range: { step_seconds: number; max_points: number };
  timestamps: number[];
  host: string | null;
  panels: {
    id: string;
    unit: string;
    series: { resource: string; values: (number | null)[]; limit: number | null }[];
  }[];
  hosts: {
    hostname: string;
    metrics: Record<string, { mean: number | null; p95: number | null; max: number | null }>;
  }[];
  instances: { uuid: string; project_id: string }[];
  instance_panels: { id: string; series: { resource: string; values: (number | null)[] }[] }[];
  emptied_hosts: {
    hosts: { hostname: string; instances_moved_out: number }[];
    unplaced_moves: number;
  } | null;
}

describe('admin dashboard on the embedded simulated cloud', () => {
  let server: TestServer;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        'OpenStack-API-Version': 'infra-optim latest',
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
  };

  beforeAll(async () => {
    server = await startTestServer({ 'cloud.simulator.hosts': 3, 'cloud.simulator.instances': 6 });
    await api('POST', '/v1/data_model/refresh');
  }, 30_000);
  afterAll(async () => server?.stop());

  it('serves 7 days of history at start: every panel, every point, at most 500 of them', async () => {
    const { status, body } = await api('GET', '/v1/dashboards/admin?range=7d');
    expect(status).toBe(200);
    const view = body as unknown as AdminView;
    expect(view.range.step_seconds).toBe(1800);
    expect(view.timestamps).toHaveLength(337);
    expect(view.panels.map((panel) => panel.id)).toEqual([
      'cpu',
      'memory',
      'disk',
      'network_rx',
      'network_tx',
      'pressure_cpu',
      'pressure_memory',
      'pressure_io',
    ]);
    expect(view.instance_panels).toEqual([]);
    for (const panel of view.panels) {
      expect(panel.series.map((series) => series.resource)).toEqual(['cluster']);
      expect(
        panel.series[0]!.values.every((value) => typeof value === 'number'),
        panel.id,
      ).toBe(true);
    }
    const cpu = view.panels[0]!.series[0]!;
    expect(cpu.limit).toBe(100);
    expect(Math.max(...(cpu.values as number[]))).toBeLessThanOrEqual(100);
    expect(view.hosts.map((host) => host.hostname)).toEqual([
      'compute-00000',
      'compute-00001',
      'compute-00002',
    ]);
    expect(view.hosts[0]!.metrics.host_cpu_usage!.p95).toBeGreaterThan(0);
    // The typed client the web app uses reads the same answer.
    const client = new StewardClient({ endpoint: server.url });
    const typed = await client.adminDashboard({ range: '7d' });
    expect(typed.datasource).toBe('prometheus');
    expect(typed.timestamps).toEqual(view.timestamps);
    // The local operator of noauth has no project: the tenant dashboard needs one.
    await expect(client.tenantDashboard({ range: '1h' })).rejects.toThrow(/needs a project-scoped token/);
  });

  it('answers the same grid again from memory, counting hits and misses in /metrics', async () => {
    const lookups = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const count = (result: string) =>
        Number(
          new RegExp(`^steward_dashboard_cache_lookups_total\\{result="${result}"\\} (\\d+)`, 'm').exec(
            text,
          )?.[1] ?? 0,
        );
      return { hit: count('hit'), miss: count('miss') };
    };
    // A range unused so far: its first view asks the datasource for each of the 8 panels, the second none.
    const before = await lookups();
    const first = await api('GET', '/v1/dashboards/admin?range=5d');
    const afterFirst = await lookups();
    const second = await api('GET', '/v1/dashboards/admin?range=5d');
    const afterSecond = await lookups();
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body).toEqual(first.body);
    expect(afterFirst.miss - before.miss).toBe(8);
    expect(afterSecond.hit - afterFirst.hit).toBe(8);
    expect(afterSecond.miss).toBe(afterFirst.miss);
  });

  it("drills down to one host's series, and says 404 for a host it does not have", async () => {
    const { status, body } = await api('GET', '/v1/dashboards/admin?range=6h&host=compute-00001');
    expect(status).toBe(200);
    const view = body as unknown as AdminView;
    expect(view.host).toBe('compute-00001');
    expect(view.timestamps).toHaveLength(361);
    for (const panel of view.panels)
      expect(panel.series.map((series) => series.resource)).toEqual(['compute-00001']);
    expect(view.hosts.map((host) => host.hostname)).toEqual(['compute-00001']);
    // On to the host's instances, whatever their project: this is the admin's view.
    const onHost = [...server.steward.simulator!.state.instances.values()]
      .filter((instance) => instance.host === 'compute-00001')
      .map((instance) => instance.id)
      .sort();
    expect(view.instances.map((instance) => instance.uuid).sort()).toEqual(onHost);
    expect(view.instance_panels.map((panel) => panel.id)).toEqual([
      'cpu',
      'memory',
      'disk',
      'network_rx',
      'network_tx',
    ]);
    for (const panel of view.instance_panels) {
      expect(panel.series.map((series) => series.resource)).toEqual(onHost);
      for (const series of panel.series)
        expect(series.values.every((value) => typeof value === 'number')).toBe(true);
    }
    expect((await api('GET', '/v1/dashboards/admin?range=6h&host=compute-99999')).status).toBe(404);
  });

  it('lists the hosts an action plan would empty', async () => {
    const state = server.steward.simulator!.state;
    const on = (host: string) => [...state.instances.values()].filter((instance) => instance.host === host);
    const source = ['compute-00000', 'compute-00001', 'compute-00002'].find((host) => on(host).length > 0)!;
    const destination = ['compute-00000', 'compute-00001', 'compute-00002'].find((host) => host !== source)!;
    const audit = await api('POST', '/v1/audits', {
      goal: 'unclassified',
      strategy: 'actuator',
      audit_type: 'ONESHOT',
      parameters: {
        actions: on(source).map((instance) => ({
          action_type: 'migrate',
          input_parameters: {
            resource_id: instance.id,
            migration_type: 'live',
            source_node: source,
            destination_node: destination,
          },
        })),
      },
    });
    expect(audit.status).toBe(201);
    await eventually(
      () => api('GET', `/v1/audits/${audit.body.uuid as string}`),
      (answer) => answer.body.state === 'SUCCEEDED',
    );
    const plans = (await api('GET', `/v1/action_plans?audit_uuid=${audit.body.uuid as string}`)).body
      .action_plans as Json[];
    const { status, body } = await api(
      'GET',
      `/v1/dashboards/admin?range=1h&action_plan=${plans[0]!.uuid as string}`,
    );
    expect(status).toBe(200);
    expect((body as unknown as AdminView).emptied_hosts).toEqual({
      action_plan: plans[0]!.uuid,
      hosts: [{ hostname: source, instances_moved_out: on(source).length }],
      unplaced_moves: 0,
    });
    const unknown = await api(
      'GET',
      '/v1/dashboards/admin?range=1h&action_plan=00000000-0000-4000-8000-000000000000',
    );
    expect(unknown.status).toBe(404);
    // Not a uuid (36 hex digits and dashes in any order): a 400, never a database error.
    const malformed = await api('GET', `/v1/dashboards/admin?range=1h&action_plan=${'-'.repeat(36)}`);
    expect(malformed.status).toBe(400);
  });
});
