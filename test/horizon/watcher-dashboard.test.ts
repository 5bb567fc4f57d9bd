/**
 * The real watcher-dashboard against Steward: Debian's Horizon (openstack-dashboard 23) with
 * python3-watcher-dashboard 8.0.0, logged in through the machine's real Keystone, finding Steward in the catalog as
 * `infra-optim` exactly as it finds Watcher. In headless Chromium it opens every Optimization panel and sees
 * Steward's goals, strategies, audit templates, audits, action plans and actions, creates a template and an audit
 * through its own forms, and starts the resulting plan with its Start button. What 8.0.0 cannot do against any
 * Watcher (audit parameters: its form has no such field) is listed in docs/api-compat.md.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isHorizonInstalled, startHorizon, type RunningHorizon } from '../helpers/horizon.js';
import {
  createKeystoneFixture,
  isKeystoneUp,
  KEYSTONE_ADMIN,
  KEYSTONE_URL,
  type KeystoneFixture,
} from '../helpers/keystone.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/free-port.js';
import { watcherclientEndpoint } from '../../src/cli/keystone.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/horizon/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const available = (await isKeystoneUp()) && isHorizonInstalled();
if (!available && process.env.CI === 'true')
  throw new Error(
    'needs Keystone, Horizon and watcher-dashboard: run scripts/install-system-deps.sh and scripts/ensure-services.sh',
  );

type Row = Record<string, unknown>;

describe.skipIf(!available)('Horizon watcher-dashboard 8.0.0 against Steward, through Keystone', () => {
  let keystone: KeystoneFixture;
  let server: TestServer;
  let horizon: RunningHorizon;
  let browser: Browser;
  let page: Page;
  let token: string;

  const api = async <T = Row>(path: string): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, { headers: { 'X-Auth-Token': token } });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  const panel = async (slug: string) => {
    const response = await page.goto(`${horizon.url}/admin/${slug}/`);
    expect(response?.status(), slug).toBe(200);
    // Horizon shows a failed call to Steward as an error toast, not as an HTTP status.
    expect(await page.locator('.alert-danger').allInnerTexts(), slug).toEqual([]);
  };
  const shoot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });

  beforeAll(async () => {
    keystone = await createKeystoneFixture();
    // watcherclient strips trailing '1's from catalog URLs (watcherclientEndpoint): a port ending in 1 failed CI.
    let port = await freePort();
    while (watcherclientEndpoint(`http://127.0.0.1:${port}`) !== `http://127.0.0.1:${port}`)
      port = await freePort();
    server = await startTestServer({
      'api.port': port,
      'api.auth': 'keystone',
      'api.keystone.authUrl': KEYSTONE_URL,
      'api.keystone.username': keystone.users.service.username,
      'api.keystone.password': keystone.users.service.password,
      'api.keystone.projectName': keystone.users.service.projectName,
      'cloud.simulator.hosts': 4,
      'cloud.simulator.instances': 8,
    });
    await run(
      process.execPath,
      [BIN, 'keystone', 'register', '--url', server.url, '--region', keystone.region],
      {
        env: {
          ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OS_'))),
          OS_AUTH_URL: KEYSTONE_URL,
          OS_USERNAME: KEYSTONE_ADMIN.username,
          OS_PASSWORD: KEYSTONE_ADMIN.password,
          OS_PROJECT_NAME: KEYSTONE_ADMIN.projectName,
        },
        timeout: 90_000,
      },
    );
    token = await keystone.issueToken(keystone.users.admin);
    horizon = await startHorizon(KEYSTONE_URL);
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking'],
    });
    page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    await page.goto(`${horizon.url}/auth/login/`);
    await page.fill('#id_username', keystone.users.admin.username);
    await page.fill('#id_password', keystone.users.admin.password);
    await Promise.all([
      page.waitForURL((url) => !url.pathname.startsWith('/auth/')),
      page.click('#loginBtn'),
    ]);
    // The landing page's own requests rewrite Horizon's cookie-held session: let them finish before going on.
    await page.waitForLoadState('networkidle');
    // Horizon logs in to the Identity endpoint's region; this run registered Steward in a region of its own, so
    // switch to it as an operator does with the region menu in the header.
    await page.goto(`${horizon.url}/auth/switch_services_region/${keystone.region}/?next=/admin/goals/`);
    await page.waitForLoadState('networkidle');
  });
  afterEach(({ task }) => {
    if (task.result?.state === 'fail')
      console.error(`Steward at ${server?.url}; Horizon's log of failed calls:\n${horizon?.problems()}`);
  });
  afterAll(async () => {
    await browser?.close();
    await horizon?.stop();
    await server?.stop();
    await keystone?.cleanup();
  });

  it("shows Steward's goals and strategies in the Optimization panels", async () => {
    const { goals } = await api<{ goals: Row[] }>('/v1/goals');
    const { strategies } = await api<{ strategies: Row[] }>('/v1/strategies?limit=100');
    await panel('goals');
    const goalsTable = await page.locator('table#goals').innerText();
    for (const goal of goals) expect(goalsTable).toContain(String(goal.uuid));
    await shoot('goals');
    await panel('strategies');
    const strategiesTable = await page.locator('table#strategies').innerText();
    for (const strategy of strategies) expect(strategiesTable).toContain(String(strategy.name));
    await shoot('strategies');
  });

  it('creates a template and an audit through its forms, then starts the plan with its Start button', async () => {
    const name = `horizon-${keystone.suffix}`;
    await page.goto(`${horizon.url}/admin/audit_templates/create/`);
    await page.fill('#id_name', name);
    await page.fill('#id_description', 'made in Horizon');
    await page.selectOption('#id_goal', { label: 'Dummy goal' });
    await page.selectOption('#id_strategy', { label: 'Dummy strategy (GOAL: Dummy goal)' });
    await page.fill('#id_scope', '- compute:\n  - host_aggregates:\n    - id: "*"\n');
    await Promise.all([
      page.waitForURL(/\/admin\/audit_templates\/$/),
      page.click('input[type=submit], button[type=submit]'),
    ]);
    const { audit_templates: templates } = await api<{ audit_templates: Row[] }>(
      '/v1/audit_templates?limit=100',
    );
    const template = templates.find((candidate) => candidate.name === name);
    expect(template).toMatchObject({ name, goal_name: 'dummy', strategy_name: 'dummy' });
    await panel('audit_templates');
    expect(await page.locator('table#audit_templates').innerText()).toContain(name);
    await shoot('audit-templates');

    await page.goto(`${horizon.url}/admin/audits/create/`);
    await page.selectOption('#id_audit_template', { label: name });
    await page.fill('#id_audit_name', `${name}-audit`);
    await page.selectOption('#id_audit_type', 'oneshot');
    await Promise.all([
      page.waitForURL(/\/admin\/audits\/$/),
      page.click('input[type=submit], button[type=submit]'),
    ]);
    const { audits } = await api<{ audits: Row[] }>(`/v1/audits?limit=100`);
    const audit = audits.find((candidate) => candidate.name === `${name}-audit`);
    expect(audit, 'the audit Horizon created').toBeDefined();
    const auditUuid = String(audit!.uuid);
    await eventually(
      () => api(`/v1/audits/${auditUuid}`),
      (shown) => shown.state === 'SUCCEEDED',
      60_000,
    );
    await panel('audits');
    const auditsTable = await page.locator('table#audits').innerText();
    expect(auditsTable).toContain(auditUuid);
    await shoot('audits');

    const { action_plans: plans } = await api<{ action_plans: Row[] }>(
      `/v1/action_plans?audit_uuid=${auditUuid}`,
    );
    expect(plans).toHaveLength(1);
    const planUuid = String(plans[0]!.uuid);
    await panel('action_plans');
    const row = page.locator(`table#action_plans tr:has-text("${planUuid}")`);
    await expect.poll(() => row.innerText()).toContain('RECOMMENDED');
    await shoot('action-plans');
    // The batch action posts the table form at once (8.0.0 asks for no confirmation) and says so in a toast.
    await Promise.all([
      page.waitForLoadState('load'),
      row.locator('button:has-text("Start Action Plan")').click(),
    ]);
    await expect
      .poll(() => page.locator('.alert-success').allInnerTexts())
      .toEqual([expect.stringContaining(`Action Plan started: ${planUuid}`)]);
    const finished = await eventually(
      () => api(`/v1/action_plans/${planUuid}`),
      (shown) => shown.state === 'SUCCEEDED' || shown.state === 'FAILED',
      60_000,
    );
    expect(finished.state).toBe('SUCCEEDED');
    await page.goto(`${horizon.url}/admin/action_plans/${planUuid}/detail`);
    expect(await page.locator('body').innerText()).toContain('SUCCEEDED');
    await shoot('action-plan-detail');

    const { actions } = await api<{ actions: Row[] }>(`/v1/actions?action_plan_uuid=${planUuid}`);
    expect(actions.length).toBeGreaterThan(0);
    await panel('actions');
    const actionsTable = await page.locator('table#wactions').innerText();
    for (const action of actions) expect(actionsTable).toContain(String(action.uuid));
    await shoot('actions');
    // An action's page lists its input parameters, as Steward stored them.
    const sleep = actions.find((action) => action.action_type === 'sleep');
    expect(sleep, 'the dummy strategy plans a sleep').toBeDefined();
    await page.goto(`${horizon.url}/admin/actions/${String(sleep!.uuid)}/detail`);
    expect(await page.locator('table#parameters').innerText()).toContain('duration');
    await shoot('action-detail');
  });
});
