/**
 * The utilisation panels (issue 19) in Debian's headless Chromium against a Steward on the embedded defaults, whose
 * simulated cloud serves 7 days of metrics from the first second: the admin cluster view drawn by uPlot with a
 * range picker, drill-down from the cluster to a host to an instance, the hosts a consolidation plan would empty,
 * the tenant view of one project (noauth: the project the operator names, sent as X-Project-Id) with its
 * oversized instances, and the server's 400 for a bad range. Screenshots as in dashboard.test.ts.
 */
import path from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StewardClient } from '../../src/contract/client.js';
import {
  ensureDashboardBuilt,
  hasChromium,
  launchChromium,
  screenshotDirectory,
} from '../helpers/chromium.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

/** A small project of three m1.large instances, one of them nearly idle, for the tenant view. */
const PROJECT = '0e2e0000b1b2c3d4e5f60718293a4b5c';
const LEAN_FLAVOR = { id: '42', name: 'm1.large-lean', vcpus: 2, ramMb: 4096, diskGb: 80, extraSpecs: {} };

describe.skipIf(!hasChromium)('the utilisation panels in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let client: StewardClient;
  let idle: { id: string };
  const dashboardRequests: Request[] = [];
  const consoleErrors: string[] = [];

  const open = (route: string) => page.goto(`${server.url}/dashboard/#/${route}`);
  const screenshot = (name: string) =>
    page.screenshot({ path: path.join(screenshotDirectory(), `${name}.png`), fullPage: true });
  /** The next request to a dashboard endpoint whose URL matches. */
  const nextRequest = (pattern: RegExp) =>
    page.waitForRequest(
      (request) => request.url().includes('/v1/dashboards/') && pattern.test(request.url()),
    );
  const charts = () => page.locator('figure[data-chart]');
  /** Waits for every chart to be drawn: a uPlot canvas and legend in each. */
  const chartsDrawn = async (count: number) => {
    await eventually(
      () => page.locator('figure[data-chart] .uplot canvas').count(),
      (drawn) => drawn === count,
      10_000,
    );
    expect(await charts().count()).toBe(count);
  };
  const legendSeries = (chart: string) =>
    // uPlot's legend lists the x series first.
    page
      .locator(`figure[data-chart="${chart}"] .u-legend .u-series`)
      .count()
      .then((count) => count - 1);

  beforeAll(async () => {
    ensureDashboardBuilt();
    [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
    client = new StewardClient({ endpoint: server.url });
    // A project of three instances, one using 5 % of its vCPUs and a fifth of its memory, and a flavor as large
    // in disk but smaller in vCPUs and memory (Nova resizes to no smaller disk): the tenant view has one
    // oversized instance to show, with a suggestion.
    const state = server.steward.simulator!.state;
    const large = [...state.instances.values()].filter(
      (instance) => instance.host && instance.vmState === 'active' && instance.flavor.name === 'm1.large',
    );
    for (const instance of large.slice(0, 3)) instance.projectId = PROJECT;
    idle = large[0]!;
    Object.assign(large[0]!, { cpuMean: 0.05, cpuAmp: 0.01, ramFraction: 0.2 });
    delete large[0]!.trace;
    state.flavors.push(LEAN_FLAVOR);
    await client.refreshDataModel();
    // The dashboards read hosts and instances from the compute model: wait for its first sync.
    await eventually(
      () =>
        client.dataModel().then(
          (rows) => rows.length,
          () => 0,
        ),
      (rows) => rows > 0,
      15_000,
    );
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(10_000);
    page.on('request', (request) => {
      if (request.url().includes('/v1/dashboards/')) dashboardRequests.push(request);
    });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('draws the cluster with units on the axes, and the range picker asks the server again', async () => {
    const first = nextRequest(/range=6h/);
    await open('utilisation?range=6h');
    await first;
    // cpu, memory, disk, network (in + out), pressure (cpu, memory, io).
    await chartsDrawn(5);
    expect(await legendSeries('network')).toBe(2);
    expect(await legendSeries('pressure')).toBe(3);
    // A lone series is drawn against its capacity: the cluster's memory and the hosts' memory.
    expect(await legendSeries('memory')).toBe(2);
    expect(await page.locator('figure[data-chart="cpu"] figcaption').textContent()).toBe('CPU busy (%)');
    expect(await page.locator('figure[data-chart="network"] figcaption').textContent()).toBe(
      'Network (MB/s)',
    );
    expect(await page.locator('figure[data-chart="memory"] figcaption').textContent()).toBe(
      'Memory used (GiB)',
    );
    // The values under the cursor read in the chart's unit, as the axis ticks do.
    await page.locator('figure[data-chart="memory"] .u-over').hover();
    expect(
      await page.locator('figure[data-chart="memory"] .u-legend .u-series').nth(1).textContent(),
    ).toMatch(/cluster\s*[\d.]+ (GiB|TiB)/);
    const cpuMean = await page
      .locator('figure[data-chart="cpu"] tr[data-series="cluster"] td')
      .nth(1)
      .textContent();
    expect(cpuMean).toMatch(/^\d+(\.\d+)? %$/);
    const hosts = page.locator('tr[data-host]');
    expect(await hosts.count()).toBe(16);
    expect(await page.getByTestId('range-facts').textContent()).toMatch(/Last 6h: .+ one point every 1 min/);
    expect(await page.getByRole('button', { name: '6h' }).getAttribute('aria-pressed')).toBe('true');
    await screenshot('utilisation-cluster');

    const week = nextRequest(/range=7d/);
    await page.getByRole('button', { name: '7d' }).click();
    await week;
    await page
      .getByTestId('range-facts')
      .getByText(/Last 7d: .+ one point every 30 min/)
      .waitFor();
    expect(new URL(page.url()).hash).toBe('#/utilisation?range=7d');
    await chartsDrawn(5);
  });

  it('drills down from the cluster to a host and from the host to an instance', async () => {
    const hostLink = page.locator('tr[data-host] a').first();
    const hostname = (await hostLink.textContent())!;
    const hostRequest = nextRequest(new RegExp(`host=${hostname}`));
    await hostLink.click();
    expect(new URL((await hostRequest).url()).searchParams.get('range')).toBe('7d');
    await page.getByRole('heading', { name: `Utilisation: host ${hostname}`, level: 1 }).waitFor();
    await chartsDrawn(5);
    const instances = page.locator('tr[data-instance]');
    await instances.first().waitFor();
    await screenshot('utilisation-host');

    const uuid = (await instances.first().getAttribute('data-instance'))!;
    const instanceRequest = nextRequest(new RegExp(`/tenant\\?.*instance=${uuid}`));
    await instances.first().locator('a').click();
    const request = await instanceRequest;
    const project = server.steward.simulator!.state.instances.get(uuid)!.projectId;
    expect(request.headers()['x-project-id']).toBe(project);
    await page.getByRole('heading', { name: `Utilisation: instance ${uuid.slice(0, 8)}` }).waitFor();
    // The instance alone: its cpu, memory and disk each against its flavor, network in and out.
    await chartsDrawn(4);
    expect(await legendSeries('disk')).toBe(2);
    expect(await legendSeries('network')).toBe(2);
  });

  it('lists the hosts a consolidation plan would empty, from the action plan', async () => {
    const audit = await client.create('audits', {
      audit_type: 'ONESHOT',
      goal: 'server_consolidation',
      strategy: 'vm_workload_consolidation',
    });
    await eventually(
      () => client.show('audits', audit.uuid),
      (row) => row.state === 'SUCCEEDED',
    );
    const [plan] = await client.list('action_plans', { audit_uuid: audit.uuid });
    await open(`action-plans/${plan!.uuid}`);
    const planRequest = nextRequest(new RegExp(`action_plan=${plan!.uuid}`));
    await page.getByRole('link', { name: 'Utilisation of the hosts it empties' }).click();
    await planRequest;
    const emptied = page.locator('tr[data-emptied-host]');
    await emptied.first().waitFor();
    const body = await client.adminDashboard({ range: '24h', actionPlan: plan!.uuid });
    expect(await emptied.count()).toBe(body.emptied_hosts!.hosts.length);
    expect(body.emptied_hosts!.hosts.length).toBeGreaterThan(0);
    expect(await page.locator('#utilisation-plan').inputValue()).toBe(plan!.uuid);
    await chartsDrawn(5);
    await screenshot('utilisation-emptied-hosts');
  });

  it("shows a project's instances against their flavors and its oversized ones (noauth: the project named)", async () => {
    const project = PROJECT;
    const instanceCount = 3;
    await open('tenant-utilisation?range=24h');
    await page.getByText(/name the project to look at/).waitFor();
    const tenantRequest = nextRequest(/\/tenant\?range=24h/);
    await page.getByLabel('Project (noauth: X-Project-Id)').fill(project);
    await page.getByRole('button', { name: 'Show' }).click();
    expect((await tenantRequest).headers()['x-project-id']).toBe(project);
    await page.getByTestId('tenant-project').getByText(project).waitFor();
    const rows = page.locator(
      '#tenant-instances ~ table tr[data-instance], section:has(#tenant-instances) tr[data-instance]',
    );
    await rows.first().waitFor();
    expect(await rows.count()).toBe(instanceCount);
    // One series per instance on the cpu chart; network in and out per instance.
    await chartsDrawn(4);
    expect(await legendSeries('cpu')).toBe(instanceCount);
    expect(await legendSeries('network')).toBe(2 * instanceCount);
    expect(await rows.first().locator('td').nth(3).textContent()).toMatch(/^\d+ % \/ \d+ %$/);

    const oversized = page.locator('tr[data-oversized]');
    await oversized.first().waitFor();
    expect(await oversized.count()).toBe(1);
    expect(await oversized.first().getAttribute('data-oversized')).toBe(idle.id);
    expect(await oversized.first().textContent()).toContain(LEAN_FLAVOR.name);
    await screenshot('utilisation-tenant');
  });

  it("shows the server's 400 for a range it does not serve", async () => {
    const bad = nextRequest(/range=8d/);
    await open('utilisation?range=8d');
    expect((await (await bad).response())!.status()).toBe(400);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /Could not load the utilisation dashboard: Invalid range '8d': a dashboard range is .* from 1h to 7d.*\(HTTP 400\)/,
    );
    expect(await page.locator('.uplot').count()).toBe(0);
    await screenshot('utilisation-bad-range');
  });

  it('logged no error in the browser console but the 400 of the bad range', () => {
    expect(dashboardRequests.length).toBeGreaterThan(0);
    expect(consoleErrors).toEqual([
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
  });
});
