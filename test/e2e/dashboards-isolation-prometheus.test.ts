/**
 * Tenant isolation of the utilisation dashboards against a real Debian `prometheus`, where a label injected into
 * PromQL would actually widen the view: the attacks of dashboards-isolation.test.ts (test/helpers/tenant-isolation.ts)
 * from two projects in noauth mode, each against a Prometheus backfilled by promtool with the series of every
 * instance of the simulated cloud, the other project's included. Each tenant gets its own instances' series with
 * data, or the 403/400 the table expects, and no other uuid in any answer. Prometheus's own query log then shows
 * what Steward asked: every vector selector of every query a tenant's requests caused selects only series of that
 * tenant's instances (Prometheus itself tells which, through its series API), and a refused request sends none.
 *
 * Steward is started first, on a port chosen for Prometheus: the series must carry the uuids of the instances the
 * simulated cloud booted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import {
  prometheusBinariesPresent,
  REAL_PROMETHEUS,
  SIMULATED_HOSTS,
  startPrometheus,
  SYNTHETIC_CLOUD,
  type LoggedQuery,
  type RunningPrometheus,
} from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { attacks, tenantRequests } from '../helpers/tenant-isolation.js';

const present = await prometheusBinariesPresent();
if (!present && process.env.CI === 'true')
  throw new Error(
    'prometheus/promtool not installed: scripts/install-system-deps.sh installs the Debian packages',
  );

const PROJECTS = ['15010000b1b2c3d4e5f60718293a4b5d', '15020000b1b2c3d4e5f60718293a4b5d'] as const;

/** The labels naming an instance: Ceilometer's `resource` and the libvirt exporter's `domain` (the defaults). */
const INSTANCE_LABELS = ['resource', 'domain'] as const;

describe.skipIf(!present)(`tenant dashboard isolation in noauth mode ${REAL_PROMETHEUS}`, () => {
  let prometheus: RunningPrometheus;
  let server: TestServer;
  const instancesByProject = new Map<string, string[]>();

  beforeAll(async () => {
    const port = await freePort();
    server = await startTestServer({
      'cloud.simulator.hosts': SYNTHETIC_CLOUD.hosts.length,
      'cloud.simulator.instances': 6,
      'datasource.url': `http://127.0.0.1:${port}`,
    });
    // The placed instances go to the two projects in turn; every one of them gets series.
    const placed = [...server.steward.simulator!.state.instances.values()].filter(
      (instance) => instance.host,
    );
    placed.forEach((instance, index) => {
      instance.projectId = PROJECTS[index % PROJECTS.length]!;
      instancesByProject.set(instance.projectId, [
        ...(instancesByProject.get(instance.projectId) ?? []),
        instance.id,
      ]);
    });
    for (const project of PROJECTS) expect(instancesByProject.get(project)?.length).toBeGreaterThan(1);
    prometheus = await startPrometheus(
      {
        hosts: SIMULATED_HOSTS,
        instances: placed.map((instance, index) => ({
          ...SYNTHETIC_CLOUD.instances[index % SYNTHETIC_CLOUD.instances.length]!,
          uuid: instance.id,
          vcpus: instance.flavor.vcpus,
        })),
      },
      { durationSeconds: 3 * 3600, port, logQueries: true },
    );
    const refresh = await fetch(`${server.url}/v1/data_model/refresh`, {
      method: 'POST',
      headers: { 'OpenStack-API-Version': 'infra-optim 1.3' },
    });
    expect(refresh.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await prometheus?.stop();
  });

  /** The queries Prometheus logged while `requests` ran. */
  async function queriesDuring(requests: () => Promise<void>): Promise<LoggedQuery[]> {
    const before = (await prometheus.loggedQueries()).length;
    await requests();
    return (await prometheus.loggedQueries()).slice(before);
  }

  /** Every series each query selects is one of `own`'s: named by an instance label whose value is an own uuid. */
  async function expectSelectOnly(queries: readonly LoggedQuery[], own: readonly string[]): Promise<void> {
    for (const { query } of queries) {
      const selected = await prometheus.seriesSelectedBy(query);
      expect(selected.length, query).toBeGreaterThan(0);
      for (const labels of selected) {
        const named = INSTANCE_LABELS.map((label) => labels[label]).filter((value) => value !== undefined);
        expect(named, `${query} selects ${JSON.stringify(labels)}`).toHaveLength(1);
        expect(own, `${query} selects ${JSON.stringify(labels)}`).toContain(named[0]);
      }
    }
  }

  it.each(PROJECTS.map((project, index) => [project, PROJECTS[1 - index]!]))(
    "a member of %s sees its own instances' series only, and Prometheus was asked for nothing else",
    async (project, other) => {
      const own = instancesByProject.get(project)!;
      // The other project's instances first (the attacks name the first), then every other uuid the simulated
      // cloud knows, any unplaced one (without series) included.
      const foreign = [
        ...new Set([
          ...instancesByProject.get(other)!,
          ...[...server.steward.simulator!.state.instances.keys()].filter((uuid) => !own.includes(uuid)),
        ]),
      ];
      const queries = await queriesDuring(() =>
        tenantRequests(server, { 'X-Roles': 'member', 'X-Project-Id': project }, own, foreign, other),
      );
      // One query_range per panel for each view that answers (1 hour, and 6 hours drilled down): never vacuous.
      const ranges = queries.filter((logged) => logged.path === '/api/v1/query_range');
      expect(ranges.length).toBeGreaterThanOrEqual(2 * 5);
      await expectSelectOnly(queries, own);
      const text = queries.map((logged) => logged.query).join('\n');
      for (const uuid of foreign) expect(text).not.toContain(uuid);
    },
  );

  it('a refused or forbidden request sends Prometheus no query at all', async () => {
    const [project, other] = PROJECTS;
    const { forbidden, refused } = attacks(other, instancesByProject.get(other)![0]!);
    for (const query of [...forbidden, ...refused]) {
      const logged = await queriesDuring(async () => {
        const response = await fetch(`${server.url}/v1/dashboards/tenant${query}`, {
          headers: { 'X-Roles': 'member', 'X-Project-Id': project },
        });
        expect([query, response.status]).toEqual([query, forbidden.includes(query) ? 403 : 400]);
      });
      expect([query, logged]).toEqual([query, []]);
    }
  });
});
