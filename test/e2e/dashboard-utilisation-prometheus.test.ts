/**
 * The admin utilisation panel in headless Chromium against a real Debian `prometheus` backfilled by promtool with
 * flat synthetic series whose values are known (test/helpers/prometheus.ts), renamed to the simulated cloud's two
 * hosts so the compute model knows them: the charts draw, the hosts table shows each host's known CPU and memory,
 * the range picker and the drill-down to a host work.
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
  startPrometheus,
  SYNTHETIC_CLOUD,
  type RunningPrometheus,
  type SyntheticCloud,
} from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const present = await prometheusBinariesPresent();
if (!present && process.env.CI === 'true')
  throw new Error(
    'prometheus/promtool not installed: scripts/install-system-deps.sh installs the Debian packages',
  );

/** The synthetic hosts under the simulated cloud's names (the FQDN label resolves to the model's hostname). */
const CLOUD: SyntheticCloud = {
  ...SYNTHETIC_CLOUD,
  hosts: SYNTHETIC_CLOUD.hosts.map((host, index) => {
    const hostname = `compute-${String(index).padStart(5, '0')}`;
    return { ...host, hostname, fqdn: `${hostname}.cloud.test` };
  }),
};

describe.skipIf(!hasChromium || !present)(`the admin utilisation panel ${REAL_PROMETHEUS}`, () => {
  let prometheus: RunningPrometheus;
  let server: TestServer;
  let browser: Browser;
  let page: Page;

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
    [prometheus, browser] = await Promise.all([
      startPrometheus(CLOUD, { durationSeconds: 8 * 3600 }),
      launchChromium(),
    ]);
    server = await startTestServer({
      'cloud.simulator.hosts': CLOUD.hosts.length,
      'cloud.simulator.instances': 4,
      'datasource.url': prometheus.baseUrl,
    });
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
    const [a, b] = CLOUD.hosts;
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
    const [a] = CLOUD.hosts;
    await page.getByRole('link', { name: a!.hostname, exact: true }).click();
    await page.getByRole('heading', { name: `Utilisation: host ${a!.hostname}` }).waitFor();
    await drawn(5);
    // The host's heading shows before its answer replaces the cluster's charts: wait for the host's own figure.
    const mean = page.locator('figure[data-chart="cpu"] .chart-summary tbody td').nth(1);
    await expect
      .poll(async () => parseFloat((await mean.textContent()) ?? 'NaN'))
      .toBeCloseTo(a!.busy * 100, 0);
  });
});
