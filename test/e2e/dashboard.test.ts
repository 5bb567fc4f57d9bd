/**
 * The dashboard in Debian's headless Chromium against a Steward composed as `steward serve` composes it (embedded
 * defaults: PGlite, the in-process bus, the simulated cloud), at 1366×768. The tests run in order as one operator's
 * session: a template and an audit made through the forms, a plan skipped, started and finished, another one
 * cancelled while it runs. Every panel's screenshot goes to test-results/screenshots/, or with
 * STEWARD_DOC_SCREENSHOTS=1 to docs/screenshots/ (embedded in the README).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StewardClient } from '../../src/contract/client.js';
import type { AdminDashboardResource } from '../../src/contract/resources.js';
import {
  ensureDashboardBuilt,
  hasChromium,
  launchChromium,
  screenshotDirectory,
} from '../helpers/chromium.js';
import { nopPlan } from '../helpers/nop-plan.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

const DIST = path.resolve(import.meta.dirname, '..', '..', 'web', 'dist');
const SKIP_REASON = 'nothing to log on this host';
const ADMIN_DASHBOARD = /\/v1\/dashboards\/admin\?/;

/** A figure as the page shows it (`42.1 %`, `812 MiB`, `12.3 GiB`), in the API's unit (percent, MiB). */
function fromShown(text: string): number {
  const [number, unit] = text.split(' ');
  return Number(number) * (unit === 'GiB' ? 1024 : 1);
}

/** The page rounds to three significant figures, at most two decimals. */
function expectWithinRounding(shown: number, exact: number): void {
  expect(Math.abs(shown - exact)).toBeLessThanOrEqual(Math.max(Math.abs(exact) * 0.005, 0.005) + 1e-9);
}

describe.skipIf(!hasChromium)('the dashboard in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let client: StewardClient;
  const consoleErrors: string[] = [];

  const open = (route: string) => page.goto(`${server.url}/dashboard/#/${route}`);
  const screenshot = (name: string) =>
    page.screenshot({ path: path.join(screenshotDirectory(), `${name}.png`) });
  const planState = (state: string) => page.locator(`.facts [data-state="${state}"]`);
  const action = (index: number) => page.locator(`tr[data-action-index="${index}"]`);

  beforeAll(async () => {
    ensureDashboardBuilt();
    [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
    client = new StewardClient({ endpoint: server.url });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(10_000);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows every goal with its efficacy specification, and is reachable from the keyboard', async () => {
    await open('goals');
    await page.getByRole('heading', { name: /Server Consolidation/ }).waitFor();
    await page.getByRole('cell', { name: 'released_compute_nodes_count' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.locator(':focus').getAttribute('id')).toBe('main');
    expect(new URL(page.url()).hash).toBe('#/goals');
    // Then the panels' links, in order, from the keyboard alone.
    await page.keyboard.press('Shift+Tab');
    expect(await page.locator(':focus').textContent()).toBe('Project utilisation');
    await page.keyboard.press('Enter');
    // A lazily loaded panel: its heading gets the focus once its chunk has arrived.
    await page.getByRole('heading', { name: 'Utilisation: project', level: 1 }).waitFor();
    // The new panel's heading has the focus, so reading and tabbing go on from there.
    expect(await page.locator(':focus').evaluate((element: { tagName: string }) => element.tagName)).toBe(
      'H1',
    );
    await open('goals');
    await page.getByRole('cell', { name: 'released_compute_nodes_count' }).waitFor();
    await screenshot('goals');
  });

  it("shows a strategy's parameters with types, defaults and ranges, and its requirements", async () => {
    await open('strategies/dummy');
    const para1 = page.getByRole('row', { name: /para1/ });
    await para1.waitFor();
    expect(await para1.textContent()).toMatch(/number.*3\.2.*≥ 1, ≤ 10\.2/);
    await page.getByRole('cell', { name: 'CDM' }).waitFor();
    expect(await page.getByTestId('support-level').textContent()).toBe('core');
    await screenshot('strategies');
  });

  it('creates an audit template through its form, with default parameters', async () => {
    await open('audit-templates/new');
    await page.locator('#field-name').fill('dashboard-template');
    await page.locator('#template-goal').selectOption({ label: 'Dummy goal (dummy)' });
    await page.locator('#template-strategy').selectOption({ label: 'Dummy strategy (dummy)' });
    await page.locator('[data-parameter="para1"]').fill('2');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('cell', { name: 'dashboard-template', exact: true }).waitFor();
    const template = await client.show('audit_templates', 'dashboard-template');
    expect(template).toMatchObject({
      strategy_name: 'dummy',
      default_parameters: { para1: 2, para2: 'hello' },
    });
    await screenshot('audit-templates');
  });

  it("creates an audit from the template, showing the server's parameter error at its field first", async () => {
    await page
      .getByRole('row', { name: /dashboard-template/ })
      .getByRole('link', { name: 'Audit' })
      .click();
    const para1 = page.locator('[data-parameter="para1"]');
    // The template's default parameters fill the form once the template and its strategy have loaded.
    await eventually(
      () => para1.inputValue(),
      (value) => value === '2',
      10_000,
    );
    await page.locator('#field-name').fill('dashboard-audit');
    await para1.fill('11');
    await page.getByRole('button', { name: 'Create audit' }).click();
    const fieldError = page.locator('.field', { has: para1 }).locator('.field-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toBe('para1 must be <= 10.2');
    expect(await para1.getAttribute('aria-invalid')).toBe('true');
    await screenshot('audit-form-error');

    await para1.fill('2');
    await page.getByRole('button', { name: 'Create audit' }).click();
    await page
      .locator('tr[data-audit="dashboard-audit"] [data-state="SUCCEEDED"]')
      .waitFor({ timeout: 30_000 });
    const audit = await client.show('audits', 'dashboard-audit');
    expect(audit.parameters).toEqual({ para1: 2, para2: 'hello' });
    await screenshot('audits');
  });

  it('skips an action with a reason, starts the plan and watches it finish', async () => {
    await page
      .getByRole('row', { name: /dashboard-audit/ })
      .getByRole('link', { name: 'Action plans' })
      .click();
    await page.locator('tr[data-plan] [data-state="RECOMMENDED"]').waitFor();
    await screenshot('action-plans');
    await page.locator('tr[data-plan] a').first().click();
    await planState('RECOMMENDED').waitFor();
    await action(3).waitFor();

    await page.getByRole('button', { name: 'Skip action 2', exact: true }).click();
    await page.getByLabel('Reason for skipping action 2').fill(SKIP_REASON);
    await page.getByRole('button', { name: 'Skip action', exact: true }).click();
    await action(2).locator('[data-state="SKIPPED"]').waitFor();
    expect(await action(2).locator('.reason').textContent()).toContain(SKIP_REASON);

    await page.getByRole('button', { name: /Start/ }).click();
    await planState('SUCCEEDED').waitFor({ timeout: 30_000 });
    await page.getByText('3 of 3 actions finished').waitFor();
    await action(3).locator('[data-state="SUCCEEDED"]').waitFor();
    expect(await action(2).locator('.reason').textContent()).toContain(SKIP_REASON);
    expect(await page.getByTestId('plan-status-message').textContent()).toMatch(/skipped/i);
    await screenshot('action-plan');
  });

  it('cancels a running plan', async () => {
    const created = await client.create('audits', {
      audit_type: 'ONESHOT',
      name: 'dashboard-cancel',
      goal: 'dummy',
      strategy: 'dummy',
      parameters: { para1: 10 },
    });
    await eventually(
      () => client.show('audits', created.uuid),
      (audit) => audit.state === 'SUCCEEDED',
    );
    const [plan] = await client.list('action_plans', { audit_uuid: created.uuid });
    await open(`action-plans/${plan!.uuid}`);
    await page.getByRole('button', { name: /Start/ }).click();
    // The 10 s sleep is the third action: the plan is running once it is.
    await action(3).locator('[data-state="ONGOING"]').waitFor({ timeout: 15_000 });
    await planState('ONGOING').waitFor();
    await page.getByText('updating live').waitFor();
    await screenshot('action-plan-running');

    await page.getByRole('button', { name: /Cancel/ }).click();
    await planState('CANCELLED').waitFor({ timeout: 15_000 });
    const actions = await client.list('actions', { action_plan_uuid: plan!.uuid });
    expect(actions.map((row) => row.state)).not.toContain('ONGOING');
    expect(actions.find((row) => row.action_type === 'sleep')?.state).not.toBe('SUCCEEDED');
  });

  it('shows a consolidation plan with its efficacy and the hosts it touches, now and after', async () => {
    const created = await client.create('audits', {
      audit_type: 'ONESHOT',
      goal: 'server_consolidation',
      strategy: 'vm_workload_consolidation',
    });
    await eventually(
      () => client.show('audits', created.uuid),
      (audit) => audit.state === 'SUCCEEDED',
    );
    const [plan] = await client.list('action_plans', { audit_uuid: created.uuid });
    await open(`action-plans/${plan!.uuid}`);
    const impact = page.getByRole('region', { name: 'Hosts before → after' }).getByRole('row');
    await impact.nth(1).waitFor();
    const instanceCells = await page
      .getByRole('region', { name: 'Hosts before → after' })
      .locator('tbody tr td:nth-child(2)')
      .allTextContents();
    const counts = instanceCells.map((text) => text.split('→').map((count) => Number(count.trim())));
    // Moves only move: as many instances on the touched hosts after the plan as before, and a host emptied.
    const total = (index: number) => counts.reduce((sum, pair) => sum + pair[index]!, 0);
    expect(total(1)).toBe(total(0));
    expect(counts.some(([, after]) => after === 0)).toBe(true);
    await page
      .getByRole('region', { name: 'Global efficacy' })
      .getByRole('cell', { name: 'released_nodes_ratio' })
      .waitFor();
    await screenshot('action-plan-consolidation');
  });

  it('shows a 1,000-action plan: every row drawn and a skip form usable on it', async () => {
    const plan = await nopPlan(client, 1000);
    // How soon this is usable is measured by `npm run bench -- action-plan-page` against a 1-action plan in the
    // same run (target < 1 s): a time bound here failed CI on a loaded machine (1,175 ms), not the page.
    await page.goto('about:blank');
    const started = performance.now();
    await open(`action-plans/${plan}`);
    await action(1000).waitFor();
    expect(await page.locator('tr[data-action-index]').count()).toBe(1000);
    expect(await action(1000).textContent()).toContain('step 1000');
    await page.getByRole('button', { name: 'Skip action 1', exact: true }).click();
    await page.getByLabel('Reason for skipping action 1').waitFor();
    console.log(`1,000-action plan: interactive after ${(performance.now() - started).toFixed(0)} ms`);
    await page.getByRole('button', { name: 'Keep it' }).click();
  });

  it.each([
    ['actions', /Logging a NOP message/],
    ['services', /steward-applier/],
  ])('shows the %s panel', async (route, content) => {
    await open(route);
    await page.getByText(content).first().waitFor();
    await screenshot(route);
  });

  it("shows each host's allocation and its measured CPU and memory of the last hour, as the API answered them", async () => {
    // A fresh page, so the panel asks the admin dashboard itself rather than reading an earlier answer.
    await page.goto('about:blank');
    const answered = page.waitForResponse(ADMIN_DASHBOARD);
    await open('data-model');
    const response = await answered;
    expect(new URL(response.url()).searchParams.get('range')).toBe('1h');
    const dashboard = (await response.json()) as AdminDashboardResource;
    await page.getByText(/16 hosts, 120 instances/).waitFor();
    await page.locator('[data-measured] [data-figure]').first().waitFor();
    expect(await page.locator('[data-measured][data-unavailable]').count()).toBe(0);

    const rows = await client.dataModel();
    const metricOf = (id: string) => dashboard.panels.find((panel) => panel.id === id)!.metric;
    for (const measured of dashboard.hosts.slice(0, 3)) {
      const card = page.locator(`[data-measured="${measured.hostname}"]`);
      const shown = async (figure: string) =>
        fromShown((await card.locator(`[data-figure="${figure}"]`).textContent())!);
      const cpu = measured.metrics[metricOf('cpu')]!;
      const memory = measured.metrics[metricOf('memory')]!;
      expectWithinRounding(await shown('cpu-mean'), cpu.mean!);
      expectWithinRounding(await shown('cpu-p95'), cpu.p95!);
      expectWithinRounding(await shown('memory-mean'), memory.mean!);
      expectWithinRounding(await shown('memory-p95'), memory.p95!);
      const hostMemoryMb = rows.find((row) => row.node_hostname === measured.hostname)!.node_memory;
      expect(await card.textContent()).toContain(`(${Math.round((memory.mean! / hostMemoryMb) * 100)} %)`);
    }
    // The allocation stays beside it.
    const first = page.getByRole('article', { name: dashboard.hosts[0]!.hostname });
    expect(await first.locator('.allocation').count()).toBe(3);
    await screenshot('data-model');

    await first.getByRole('link', { name: dashboard.hosts[0]!.hostname }).click();
    await page
      .getByRole('heading', { name: `Utilisation: host ${dashboard.hosts[0]!.hostname}`, level: 1 })
      .waitFor();
    expect(new URL(page.url()).hash).toBe(`#/utilisation/${dashboard.hosts[0]!.hostname}?range=1h`);
  });

  it('keeps the allocations and says so when the caller is not an admin', async () => {
    // The panel's admin-dashboard request goes as a reader (noauth's X-Roles), so Steward's policy refuses it,
    // while the data model stays readable.
    await page.route(ADMIN_DASHBOARD, (route) =>
      route.continue({ headers: { ...route.request().headers(), 'x-roles': 'reader' } }),
    );
    await page.goto('about:blank');
    const refused = page.waitForResponse(ADMIN_DASHBOARD);
    await open('data-model');
    expect((await refused).status()).toBe(403);
    await page.getByText(/Measured utilisation is an admin's view/).waitFor();
    await page.getByText(/16 hosts, 120 instances/).waitFor();
    expect(await page.locator('[data-measured][data-unavailable]').allTextContents()).toEqual(
      Array<string>(16).fill('Measured: needs an admin'),
    );
    expect(await page.locator('.allocation').count()).toBe(16 * 3);
    await page.unroute(ADMIN_DASHBOARD);
  });

  it('keeps the allocations and says the measurements are unavailable when the dashboard cannot be reached', async () => {
    await page.route(ADMIN_DASHBOARD, (route) => route.abort('failed'));
    await page.goto('about:blank');
    await open('data-model');
    // Asked three times (a dropped connection may come back), then shown as failed.
    await page.getByRole('alert').filter({ hasText: 'Measured utilisation unavailable' }).waitFor();
    expect(await page.locator('[data-measured][data-unavailable]').allTextContents()).toEqual(
      Array<string>(16).fill('Measured: unavailable'),
    );
    expect(await page.locator('.allocation').count()).toBe(16 * 3);
    await page.unroute(ADMIN_DASHBOARD);
    await page.goto('about:blank');
  });

  it('creates a continuous audit by cron through the form, its next runs previewed', async () => {
    await open('audits/new');
    await page.locator('#audit-goal').selectOption({ label: 'Dummy goal (dummy)' });
    await page.locator('#audit-strategy').selectOption({ label: 'Dummy strategy (dummy)' });
    await page.locator('#field-name').fill('dashboard-continuous');
    await page.getByRole('radio', { name: 'CONTINUOUS' }).check();
    const interval = page.locator('#field-interval');
    const preview = page.getByTestId('next-runs');
    await interval.fill('every hour');
    expect(await preview.textContent()).toContain('No next run: not a valid cron expression');
    await interval.fill('*/30 * * * *');
    expect(await preview.textContent()).toMatch(/^Next runs: .+ · .+ · .+$/);
    await screenshot('audit-form-continuous');
    await page.getByRole('button', { name: 'Create audit' }).click();
    const row = page.locator('tr[data-audit="dashboard-continuous"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('*/30 * * * *');
    expect(await client.show('audits', 'dashboard-continuous')).toMatchObject({
      audit_type: 'CONTINUOUS',
      interval: '*/30 * * * *',
    });
  });

  it('loads in under 300 kB gzip: index.html and every script and stylesheet it names', async () => {
    const loaded: string[] = [];
    const record = (request: Request) => loaded.push(new URL(request.url()).pathname);
    await page.goto('about:blank');
    page.on('requestfinished', record);
    await open('audits');
    await page.getByRole('heading', { name: 'Audits' }).waitFor();
    page.off('requestfinished', record);
    const files = loaded.filter((file) => file.startsWith('/dashboard/'));
    const gzipBytes = files
      .map((file) =>
        readFileSync(
          path.join(DIST, file === '/dashboard/' ? 'index.html' : file.slice('/dashboard/'.length)),
        ),
      )
      .reduce((sum, bytes) => sum + gzipSync(bytes, { level: 9 }).length, 0);
    expect(files).toEqual(
      expect.arrayContaining([expect.stringMatching(/\.js$/), expect.stringMatching(/\.css$/)]),
    );
    console.log(`dashboard first load: ${files.length} files, ${(gzipBytes / 1024).toFixed(1)} kB gzip`);
    expect(gzipBytes).toBeLessThan(300 * 1024);
  });

  it('logged no error in the browser console but those the parameter error and data model tests provoked', () => {
    expect(consoleErrors).toEqual([
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
      'Failed to load resource: the server responded with a status of 403 (Forbidden)',
      ...Array<string>(3).fill('Failed to load resource: net::ERR_FAILED'),
    ]);
  });
});
