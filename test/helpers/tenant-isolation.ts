/**
 * The tenant dashboard's isolation attacks and what each must get, shared by every suite that runs them against a
 * metrics source (test/e2e/dashboards-isolation.test.ts: the simulated cloud's; dashboards-isolation-prometheus:
 * a real Prometheus), so a trick added here is sent to each.
 */
import { expect } from 'vitest';
import type { TestServer } from './server.js';

export interface TenantView {
  project_id: string;
  instances: { uuid: string }[];
  panels: { id: string; series: { resource: string; values: (number | null)[] }[] }[];
  oversized: { uuid: string }[];
}

/** Every uuid the answer names is one of `own`, all of `own` are there with data, and no other uuid appears. */
export function expectOnly(body: TenantView, own: readonly string[], foreign: readonly string[]): void {
  const sorted = [...own].sort();
  expect(body.instances.map((instance) => instance.uuid).sort()).toEqual(sorted);
  for (const panel of body.panels) {
    expect(panel.series.map((series) => series.resource).sort(), panel.id).toEqual(sorted);
    for (const series of panel.series) expect(series.values.some((value) => value !== null)).toBe(true);
  }
  for (const row of body.oversized) expect(own).toContain(row.uuid);
  const text = JSON.stringify(body);
  for (const uuid of foreign) expect(text).not.toContain(uuid);
}

/**
 * Requests a tenant of `own` sends to reach `foreign`'s series, and what each must get: `forbidden` a 403 (another
 * project or instance), `refused` a 400 (a parameter the API does not have, or a malformed value).
 */
export function attacks(otherProject: string, foreignInstance: string) {
  const q = encodeURIComponent;
  return {
    forbidden: [
      `?project=${otherProject}`,
      `?project_id=${otherProject}`,
      `?range=7d&project_id=${otherProject}`,
      `?instance=${foreignInstance}`,
      `?instance=${q('.*')}`,
      `?instance=${q(`${foreignInstance}|.*`)}`,
      `?instance=${q(`x',resource=~'.*`)}`,
      `?instance=${q('00000000-0000-4000-8000-000000000000')}`,
    ],
    refused: [
      `?all_projects=1`,
      `?all_tenants=True`,
      `?query=${q('ceilometer_cpu')}`,
      `?match[]=${q('{resource=~".*"}')}`,
      `?host=compute-00000`,
      `?instance=${foreignInstance}&instance=${foreignInstance}`,
      `?range=8d`,
      `?range=0h`,
      `?range=-7d`,
      `?range=${q('1h{resource=~".*"}')}`,
      `?range=${q('1h) or ceilometer_cpu')}`,
      `?range=7d&range=1h`,
      `?range=1h&end=0`,
      `?range=1h&start=0`,
    ],
  };
}

/**
 * A tenant of `own` (authenticated by `headers`) reads its dashboard plainly, sends every attack on `foreign` and
 * `otherProject`, drills down to one of its own instances and tries the admin dashboard: its own series or a
 * refusal each time, and no foreign uuid it did not send itself in any answer.
 */
export async function tenantRequests(
  server: TestServer,
  headers: Record<string, string>,
  own: readonly string[],
  foreign: readonly string[],
  otherProject: string,
): Promise<void> {
  const get = (query: string, extra: Record<string, string> = {}) =>
    fetch(`${server.url}/v1/dashboards/tenant${query}`, { headers: { ...headers, ...extra } });
  const plain = await get('?range=1h');
  expect(plain.status).toBe(200);
  expectOnly((await plain.json()) as TenantView, own, foreign);
  const { forbidden, refused } = attacks(otherProject, foreign[0]!);
  for (const query of forbidden) {
    const response = await get(query);
    const text = await response.text();
    expect([query, response.status]).toEqual([query, 403]);
    expect(text).toContain('error_message');
    for (const uuid of foreign) if (!query.includes(uuid)) expect(text).not.toContain(uuid);
  }
  for (const query of refused) {
    const response = await get(query);
    const text = await response.text();
    expect([query, response.status]).toEqual([query, 400]);
    expect(text).toContain('error_message');
  }
  // One's own instance drills down to that instance alone.
  const one = await get(`?range=6h&instance=${own[0]}`);
  expect(one.status).toBe(200);
  expectOnly((await one.json()) as TenantView, [own[0]!], foreign);
  // The admin dashboard is not a tenant's.
  expect((await fetch(`${server.url}/v1/dashboards/admin?range=1h`, { headers })).status).toBe(403);
}
