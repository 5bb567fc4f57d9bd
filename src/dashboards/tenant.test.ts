import { describe, expect, it } from 'vitest';
import { clusterModel, flavor } from '../../test/helpers/cluster-model-builder.js';
import { createPrometheusSource } from '../datasources/prometheus.js';
import { StewardError } from '../errors.js';
import { ManualClock } from '../lib/clock.js';
import { silentLogger } from '../observability/logger.js';
import { buildTenantDashboard, TENANT_PANELS } from './tenant.js';

const OURS = ['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002'];
const THEIRS = 'bbbbbbbb-0000-4000-8000-000000000003';

/**
 * A Prometheus that ignores label matchers altogether and answers every query with a series for each instance
 * of the cloud: the worst case, showing the uuids sent and that the answer is still filtered.
 */
function leakyPrometheus() {
  const queries: string[] = [];
  const fetchFn: typeof fetch = (_input, init) => {
    const form = new URLSearchParams(typeof init?.body === 'string' ? init.body : '');
    const query = form.get('query') ?? '';
    queries.push(query);
    const start = Number(form.get('start'));
    const end = Number(form.get('end'));
    const step = Number(form.get('step'));
    const values: [number, string][] = [];
    for (let t = start; t <= end; t += step) values.push([t, '12.5']);
    const key = query.includes('resource') ? 'resource' : 'domain';
    const result = [...OURS, THEIRS].map((uuid) => ({ metric: { [key]: uuid }, values }));
    return Promise.resolve(
      new Response(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } })),
    );
  };
  return { queries, fetchFn };
}

function deps(fetchFn: typeof fetch) {
  const model = clusterModel()
    .host('h1')
    .instance(OURS[0]!, 'h1', { projectId: 'p-ours', flavor: flavor({ vcpus: 4, memoryMb: 8192 }) })
    .instance(OURS[1]!, 'h1', { projectId: 'p-ours' })
    .instance(THEIRS, 'h1', { projectId: 'p-theirs' })
    .build();
  return {
    source: createPrometheusSource({ baseUrl: 'http://127.0.0.1:9', fetch: fetchFn, logger: silentLogger }),
    model: () => model,
    flavors: () =>
      Promise.resolve([flavor({ id: 'tiny', name: 'tiny', vcpus: 1, memoryMb: 512, diskGb: 20 })]),
    planMoves: () => Promise.resolve(undefined),
    clock: new ManualClock(new Date('2026-12-04T12:00:00Z')),
  };
}

describe('tenant dashboard', () => {
  it("injects exactly the project's instance uuids into every query and drops any other series", async () => {
    const prometheus = leakyPrometheus();
    const view = await buildTenantDashboard(deps(prometheus.fetchFn), { range: '6h', projectId: 'p-ours' });
    expect(prometheus.queries).toHaveLength(TENANT_PANELS.length);
    for (const query of prometheus.queries) {
      const regex = /(?:resource|domain)=~'\^\(\?:([^)]*)\)\$'/.exec(query);
      expect(regex, query).not.toBeNull();
      expect(regex![1]!.split('|').sort()).toEqual([...OURS].sort());
      expect(query).not.toContain(THEIRS);
    }
    expect(view.instances.map((instance) => instance.uuid).sort()).toEqual([...OURS].sort());
    for (const panel of view.panels) {
      expect(panel.series.map((series) => series.resource).sort()).toEqual([...OURS].sort());
      expect(panel.series.every((series) => series.values.every((value) => typeof value === 'number'))).toBe(
        true,
      );
    }
    expect(JSON.stringify(view)).not.toContain(THEIRS);
    // The backend's whole-domain CPU percent is divided by the flavor's vCPUs the model gives (4 and 2).
    const cpu = view.panels.find((panel) => panel.id === 'cpu')!.series;
    expect(cpu.map((series) => [series.resource, series.values[0], series.limit])).toEqual([
      [OURS[0], 12.5 / 4, 100],
      [OURS[1], 12.5 / 2, 100],
    ]);
    // 12.5 % of 4 vCPUs and 12.5 MiB of 8 GiB: far under; the 1-vCPU, 512 MiB flavor fits.
    expect(view.oversized.map((row) => [row.uuid, row.suggested_flavor.name])).toContainEqual([
      OURS[0],
      'tiny',
    ]);
  });

  it("refuses another project's instance and an unknown one alike, before any query", async () => {
    const prometheus = leakyPrometheus();
    for (const instance of [THEIRS, '00000000-0000-4000-8000-000000000000', '.*']) {
      const error = await buildTenantDashboard(deps(prometheus.fetchFn), {
        range: '1h',
        projectId: 'p-ours',
        instance,
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StewardError);
      expect((error as StewardError).kind).toBe('forbidden');
      expect((error as StewardError).message).toBe(
        `Instance ${instance} is not an instance of project p-ours`,
      );
    }
    expect(prometheus.queries).toEqual([]);
  });

  it('asks nothing of the backend for a project without instances', async () => {
    const prometheus = leakyPrometheus();
    const view = await buildTenantDashboard(deps(prometheus.fetchFn), { range: '1h', projectId: 'p-empty' });
    expect(view.panels.every((panel) => panel.series.length === 0)).toBe(true);
    expect(prometheus.queries).toEqual([]);
  });
});
