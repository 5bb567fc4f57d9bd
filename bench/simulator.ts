/**
 * Simulator sync speed: a 1,000-host / 10,000-instance cloud read over HTTP the way a sync does it (servers/detail
 * paged by 1,000, hypervisors, Placement usages per provider, one all-hosts CPU query). Baseline: the same page
 * bodies serialised in-process, so the ratio shows the HTTP cost. `npm run bench -- simulator`.
 */
import { ManualClock } from '../src/lib/clock.js';
import { createSimulatedCloud } from '../src/simulator/index.js';

export interface SimulatorBenchResult {
  hosts: number;
  instances: number;
  buildMs: number;
  serversMs: number;
  hypervisorsMs: number;
  usagesMs: number;
  hostCpuQueryMs: number;
  totalSyncMs: number;
  baselineSerializeMs: number;
}

export async function runSimulatorBench(
  options: { hosts?: number; instances?: number } = {},
): Promise<SimulatorBenchResult> {
  const hosts = options.hosts ?? 1000;
  const instances = options.instances ?? 10_000;
  const t0 = performance.now();
  const cloud = createSimulatedCloud({ clock: new ManualClock(), cluster: { hosts, instances, seed: 42 } });
  const buildMs = performance.now() - t0;
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  try {
    const auth = await fetch(`${cloud.urls.identity}/auth/tokens`, {
      method: 'POST',
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', password: 'admin' } } },
        },
      }),
    });
    const headers = {
      'x-auth-token': auth.headers.get('x-subject-token') ?? '',
      'openstack-api-version': 'compute 2.100',
    };
    const get = async <T>(url: string): Promise<T> => (await (await fetch(url, { headers })).json()) as T;

    let t = performance.now();
    const pages: unknown[] = [];
    let marker = '';
    for (;;) {
      const page = await get<{ servers: { id: string }[]; servers_links?: unknown }>(
        `${cloud.urls.compute}/servers/detail?all_tenants=1&limit=1000${marker ? `&marker=${marker}` : ''}`,
      );
      pages.push(page);
      if (!page.servers_links) break;
      marker = page.servers[page.servers.length - 1]?.id ?? '';
    }
    const serversMs = performance.now() - t;
    t = performance.now();
    await get(`${cloud.urls.compute}/os-hypervisors/detail`);
    const hypervisorsMs = performance.now() - t;
    t = performance.now();
    // 16 requests in flight, as a sync worker pool would keep, rather than 1,000 sockets at once.
    const queue = cloud.state.hosts.map((h) => h.id);
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let id = queue.pop(); id !== undefined; id = queue.pop())
          await get(`${cloud.urls.placement}/resource_providers/${id}/usages`);
      }),
    );
    const usagesMs = performance.now() - t;
    t = performance.now();
    await get(
      `${cloud.urls.prometheus}/api/v1/query?query=${encodeURIComponent("100 - (avg by (fqdn)(rate(node_cpu_seconds_total{mode='idle'}[300s])) * 100)")}`,
    );
    const hostCpuQueryMs = performance.now() - t;
    t = performance.now();
    for (const page of pages) JSON.parse(JSON.stringify(page));
    const baselineSerializeMs = performance.now() - t;
    return {
      hosts,
      instances,
      buildMs,
      serversMs,
      hypervisorsMs,
      usagesMs,
      hostCpuQueryMs,
      totalSyncMs: serversMs + hypervisorsMs + usagesMs,
      baselineSerializeMs,
    };
  } finally {
    await cloud.close();
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const r = await runSimulatorBench();
  process.stdout.write(
    `${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v), 2)}\n`,
  );
}
