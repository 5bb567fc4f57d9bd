/**
 * The admin and tenant utilisation panels in headless Chromium against a real Debian `prometheus` backfilled by
 * promtool with flat synthetic series whose values are known (test/helpers/prometheus.ts), renamed to the simulated
 * cloud's two hosts and to two of its instances so the compute model knows them: the charts draw, the hosts table
 * shows each host's known CPU and memory, the range picker and the drill-down to a host work; the tenant view shows
 * the project's two instances against their flavor, the oversized one with its suggestion, and drills down to one.
 *
 * Steward is started first, on a port chosen for Prometheus: the instance series must carry the uuids of the
 * instances the simulated cloud booted.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureDashboardBuilt,
  hasChromium,
  launchChromium,
  screenshotDirectory,
} from '../helpers/chromium.js';
import {
  prometheusBinariesPresent,
  REAL_PROMETHEUS,
  SIMULATED_HOSTS,
  startPrometheus,
  SYNTHETIC_CLOUD,
  type RunningPrometheus,
  type SyntheticCloud,
} from '../helpers/prometheus.js';
import { freePort } from '../helpers/free-port.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const present = await prometheusBinariesPresent();
if (!present && process.env.CI === 'true')
  throw new Error(
    'prometheus/promtool not installed: scripts/install-system-deps.sh installs the Debian packages',
  );

const PROJECT = '0e2e0000b1b2c3d4e5f60718293a4b5d';
/** Both tenant instances run m1.large (4 vCPU, 8 GiB, 80 GB). */
const LARGE = { vcpus: 4, ramMb: 8192, diskGb: 80 };
/**
 * As large in disk (Nova never shrinks a root disk) and vCPUs, half the memory: holds the first synthetic
 * instance's p95 (42.5 % of 4 vCPUs, 3 GiB) at 80 %, so it is the suggestion for it; the second one (90 % CPU)
 * needs every vCPU it has and gets none.
 */
const LEAN_FLAVOR = { id: '43', name: 'm1.large-lean', vcpus: 4, ramMb: 4096, diskGb: 80, extraSpecs: {} };

describe.skipIf(!hasChromium || !present)(
  `the admin and tenant utilisation panels ${REAL_PROMETHEUS}`,
  () => {
    let prometheus: RunningPrometheus;
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    let cloud: SyntheticCloud;

    const open = (route: string) => page.goto(`${server.url}/dashboard/#/${route}`);
    const drawn = (count: number) =>
      page
        .locator('figure[data-chart] .uplot canvas')
        .nth(count - 1)
        .waitFor();
    const hostCell = (hostname: string, column: number) =>
      page.locator(`tr[data-host="${hostname}"] td`).nth(column).textContent();

    beforeAll(async () => {
      ensureDashboardBuilt();
      const port = await freePort();
      [server, browser] = await Promise.all([
        startTestServer({
          'cloud.simulator.hosts': SIMULATED_HOSTS.length,
          'cloud.simulator.instances': 4,
          'datasource.url': `http://127.0.0.1:${port}`,
        }),
        launchChromium(),
      ]);
      // Two of the booted instances become the tenant's project, on m1.large, with the synthetic instances' series.
      const state = server.steward.simulator!.state;
      const large = state.flavors.find((flavor) => flavor.name === 'm1.large')!;
      expect(large).toMatchObject(LARGE);
      state.flavors.push(LEAN_FLAVOR);
      const tenants = [...state.instances.values()]
        .filter((instance) => instance.host && instance.vmState === 'active')
        .slice(0, SYNTHETIC_CLOUD.instances.length);
      for (const instance of tenants) Object.assign(instance, { projectId: PROJECT, flavor: large });
      cloud = {
        hosts: SIMULATED_HOSTS,
        instances: SYNTHETIC_CLOUD.instances.map((synthetic, index) => ({
          ...synthetic,
          uuid: tenants[index]!.id,
          vcpus: LARGE.vcpus,
        })),
      };
      prometheus = await startPrometheus(cloud, { durationSeconds: 8 * 3600, port });
      await fetch(`${server.url}/v1/data_model/refresh`, {
        method: 'POST',
        headers: { 'OpenStack-API-Version': 'infra-optim 1.3' },
      });
      page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
      page.setDefaultTimeout(10_000);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await prometheus?.stop();
    });

    it("draws the cluster from Prometheus, each host's known CPU and memory in the hosts table", async () => {
      await open('utilisation?range=1h');
      await drawn(5);
      expect(await page.locator('tr[data-host]').count()).toBe(2);
      const [a, b] = cloud.hosts;
      // Columns: host, CPU busy, memory used, …: p95 over the range of flat series is the series' value.
      expect(parseFloat((await hostCell(a!.hostname, 1))!)).toBeCloseTo(a!.busy * 100, 0);
      expect(parseFloat((await hostCell(b!.hostname, 1))!)).toBeCloseTo(b!.busy * 100, 0);
      expect(await hostCell(a!.hostname, 2)).toBe('20 GiB');
      expect(await hostCell(b!.hostname, 2)).toBe('29.3 GiB');
      await page.screenshot({
        path: path.join(screenshotDirectory(), 'utilisation-prometheus.png'),
        fullPage: true,
      });

      const request = page.waitForRequest((sent) => sent.url().includes('/v1/dashboards/admin?range=6h'));
      await page.getByRole('button', { name: '6h' }).click();
      await request;
      await page
        .getByTestId('range-facts')
        .getByText(/Last 6h/)
        .waitFor();
      await drawn(5);
    });

    it('drills down to a host whose series Prometheus holds', async () => {
      const [a] = cloud.hosts;
      await page.getByRole('link', { name: a!.hostname, exact: true }).click();
      await page.getByRole('heading', { name: `Utilisation: host ${a!.hostname}` }).waitFor();
      await drawn(5);
      // The host's heading shows before its answer replaces the cluster's charts: wait for the host's own figure.
      const mean = page.locator('figure[data-chart="cpu"] .chart-summary tbody td').nth(1);
      await expect
        .poll(async () => parseFloat((await mean.textContent()) ?? 'NaN'))
        .toBeCloseTo(a!.busy * 100, 0);
    });

    it("shows the project's instances against their flavor and the oversized one, from Prometheus", async () => {
      const [lean, busy] = cloud.instances;
      await open(`tenant-utilisation?range=1h&project=${PROJECT}`);
      await page.getByTestId('tenant-project').getByText(PROJECT).waitFor();
      const row = (uuid: string) => page.locator(`tr[data-instance="${uuid}"] td`);
      await row(lean!.uuid).first().waitFor();
      expect(await page.locator('tr[data-instance]').count()).toBe(2);
      // Columns: instance, state, flavor, CPU, memory, disk: mean / max as a share of the flavor, in whole percent, of
      // flat series; the mean of a flat series may come out a hair under its value (42.4999…), so within rounding.
      const shares = async (uuid: string, column: number) =>
        ((await row(uuid).nth(column).textContent()) ?? '').split('/').map((part) => parseFloat(part));
      const expectShares = async (uuid: string, column: number, exact: number) => {
        const shown = await shares(uuid, column);
        expect(shown).toHaveLength(2);
        for (const value of shown)
          expect(Math.abs(value - exact), `${shown.join(' / ')} vs ${exact}`).toBeLessThan(0.51);
      };
      await expectShares(lean!.uuid, 3, lean!.cpuPct); // 42.5 %
      await expectShares(lean!.uuid, 4, 37.5); // 3 GiB of 8 GiB
      await expectShares(lean!.uuid, 5, 15.625); // 12.5 GB of 80 GB
      await expectShares(busy!.uuid, 3, busy!.cpuPct); // 90 %
      await expectShares(busy!.uuid, 4, 6.25); // 512 MiB of 8 GiB
      await drawn(4);

      const oversized = page.locator('tr[data-oversized]');
      await oversized.first().waitFor();
      expect(await oversized.count()).toBe(1);
      expect(await oversized.first().getAttribute('data-oversized')).toBe(lean!.uuid);
      expect(await oversized.first().textContent()).toContain(LEAN_FLAVOR.name);
      await page.screenshot({
        path: path.join(screenshotDirectory(), 'utilisation-tenant-prometheus.png'),
        fullPage: true,
      });
    });

    it('drills down to one of its instances, whose series Prometheus holds', async () => {
      const [lean] = cloud.instances;
      const name = server.steward.simulator!.state.instances.get(lean!.uuid)!.name;
      const request = page.waitForRequest((sent) => sent.url().includes(`instance=${lean!.uuid}`));
      await page.getByRole('link', { name, exact: true }).click();
      expect((await request).headers()['x-project-id']).toBe(PROJECT);
      await expect
        .poll(async () => {
          const mean = page.locator('figure[data-chart="cpu"] .chart-summary tbody td').nth(1);
          return parseFloat((await mean.textContent()) ?? 'NaN');
        })
        .toBeCloseTo(lean!.cpuPct, 0);
      expect(await page.locator('tr[data-instance]').count()).toBe(0);
    });
  },
);
