/**
 * Full compute-model sync of a 1,000-host / 10,000-instance simulated cloud over loopback HTTP, through Keystone,
 * with Steward's real clients (`collectComputeModel`). Baseline, in the same run against the same server: the
 * same requests (servers/detail paged by 1,000, hypervisors, services, aggregates, server groups, and per host
 * Placement inventories and traits with the same number in flight) made with bare `fetch` + `JSON.parse`, building
 * nothing. The ratio is what Steward's clients, validation and model building cost over the wire time itself.
 * The real Watcher's anchor: 2 minutes for > 1,000 VMs (15-20 min on Rocky), performance-anchors.md B6.
 */
import { createCloudClients } from '../src/cloud/openstack.js';
import { collectComputeModel } from '../src/collectors/nova-sync.js';
import { ManualClock } from '../src/lib/clock.js';
import { createSimulatedCloud } from '../src/simulator/index.js';

export interface ModelSyncBenchResult {
  name: 'model-sync';
  hosts: number;
  instances: number;
  /** Best of `runs` full syncs, seconds. */
  seconds: number;
  baselineSeconds: number;
  /** seconds / baselineSeconds: how much slower than the bare requests. */
  ratio: number;
  targetSeconds: number;
  passed: boolean;
  runs: number;
  details: Record<string, number>;
}

const CONCURRENCY = 32;

export async function runModelSyncBench(
  options: { hosts?: number; instances?: number; runs?: number } = {},
): Promise<ModelSyncBenchResult> {
  const hosts = options.hosts ?? 1000;
  const instances = options.instances ?? 10_000;
  const runs = options.runs ?? 3;
  const clock = new ManualClock();
  const cloud = createSimulatedCloud({ clock, cluster: { hosts, instances, seed: 42 } });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  const credentials = cloud.credentials;
  const clients = createCloudClients({
    auth: {
      authUrl: credentials.authUrl,
      username: credentials.username,
      password: credentials.password,
      projectName: credentials.projectName,
    },
    clock,
  });
  try {
    const token = (await clients.session.token()) ?? '';
    const headers = { 'x-auth-token': token, 'openstack-api-version': 'compute 2.100, placement 1.39' };
    const get = async (url: string): Promise<unknown> =>
      JSON.parse(await (await fetch(url, { headers })).text()) as unknown;

    const bare = async (): Promise<number> => {
      const start = performance.now();
      const servers = async () => {
        let marker = '';
        for (;;) {
          const page = (await get(
            `${cloud.urls.compute}/servers/detail?all_tenants=1&limit=1000${marker ? `&marker=${marker}` : ''}`,
          )) as {
            servers: { id: string }[];
            servers_links?: unknown;
          };
          if (!page.servers_links || page.servers.length === 0) return;
          marker = page.servers.at(-1)!.id;
        }
      };
      const [hypervisors] = await Promise.all([
        get(`${cloud.urls.compute}/os-hypervisors/detail`) as Promise<{ hypervisors: { id: string }[] }>,
        get(`${cloud.urls.compute}/os-services?binary=nova-compute`),
        get(`${cloud.urls.compute}/os-aggregates`),
        get(`${cloud.urls.compute}/os-server-groups?all_projects=True`),
        servers(),
      ]);
      const queue = hypervisors.hypervisors.map((hypervisor) => hypervisor.id);
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
            await Promise.all([
              get(`${cloud.urls.placement}/resource_providers/${id}/inventories`),
              get(`${cloud.urls.placement}/resource_providers/${id}/traits`),
            ]);
          }
        }),
      );
      return (performance.now() - start) / 1000;
    };

    const steward = async (): Promise<{ seconds: number; nodes: number; instances: number }> => {
      const start = performance.now();
      const { model } = await collectComputeModel(clients, { concurrency: CONCURRENCY });
      return {
        seconds: (performance.now() - start) / 1000,
        nodes: model.nodeCount,
        instances: model.instanceCount,
      };
    };

    // Alternate the two so neither gets all the warm caches; the best run of each counts.
    const bareRuns: number[] = [];
    const stewardRuns: { seconds: number; nodes: number; instances: number }[] = [];
    for (let i = 0; i < runs; i++) {
      bareRuns.push(await bare());
      stewardRuns.push(await steward());
    }
    const baselineSeconds = Math.min(...bareRuns);
    const best = stewardRuns.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const targetSeconds = 5;
    return {
      name: 'model-sync',
      hosts,
      instances,
      seconds: Number(best.seconds.toFixed(3)),
      baselineSeconds: Number(baselineSeconds.toFixed(3)),
      ratio: Number((best.seconds / baselineSeconds).toFixed(3)),
      targetSeconds,
      passed: best.seconds < targetSeconds && best.nodes === hosts,
      runs,
      details: {
        modelNodes: best.nodes,
        modelInstances: best.instances,
        firstSyncSeconds: Number(stewardRuns[0]!.seconds.toFixed(3)),
        placementRequests: hosts * 2,
        concurrency: CONCURRENCY,
      },
    };
  } finally {
    await clients.close();
    await cloud.close();
  }
}
