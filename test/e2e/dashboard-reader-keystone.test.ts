/**
 * The data model panel for a cloud-wide reader, through the machine's real Keystone (scripts/ensure-services.sh,
 * `[resource] admin_project_name = admin`): a user whose only role is `reader` on Keystone's admin project logs in
 * with a password through the dashboard's login form (Steward asks the Keystone it is configured with), reads every
 * host's allocation (`data_model:get_all` is `rule:reader_api`), and is refused the admin dashboard
 * (`dashboard:admin` needs an admin): the panel says so and shows "Measured: needs an admin" per host. An admin
 * logging in the same way sees the measured figures. test/e2e/dashboard.test.ts shows the same refusal in noauth
 * mode, with the request's X-Roles rewritten to a reader's.
 */
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StewardClient } from '../../src/contract/client.js';
import type { AdminDashboardResource } from '../../src/contract/resources.js';
import { ensureDashboardBuilt, hasChromium, launchChromium } from '../helpers/chromium.js';
import {
  createKeystoneFixture,
  isKeystoneUp,
  KEYSTONE_URL,
  type KeystoneFixture,
  type KeystoneUser,
} from '../helpers/keystone.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const available = await isKeystoneUp();
if (!available && process.env.CI === 'true')
  throw new Error(
    `no Keystone at ${KEYSTONE_URL}: run scripts/install-system-deps.sh and scripts/ensure-services.sh`,
  );

const HOSTS = 3;
const ADMIN_DASHBOARD = /\/v1\/dashboards\/admin\?/;

/** What Keystone says of a token: its user, its roles and whether its project is Keystone's admin project. */
async function describeToken(token: string) {
  const response = await fetch(`${KEYSTONE_URL}/auth/tokens?nocatalog`, {
    headers: { 'X-Auth-Token': token, 'X-Subject-Token': token, Connection: 'close' },
  });
  expect(response.status).toBe(200);
  const { token: body } = (await response.json()) as {
    token: {
      user: { name: string };
      project: { name: string };
      roles: { name: string }[];
      is_admin_project?: boolean;
    };
  };
  return {
    user: body.user.name,
    project: body.project.name,
    roles: body.roles.map((role) => role.name).sort(),
    isAdminProject: body.is_admin_project,
  };
}

describe.skipIf(!hasChromium || !available)(
  'the data model panel for a reader of the admin project, through the real Keystone',
  () => {
    let keystone: KeystoneFixture;
    let server: TestServer;
    let browser: Browser;

    /** A page of its own (nothing shared with another user's), logged in through the form at the data model panel. */
    async function logInAtDataModel(user: KeystoneUser): Promise<{ page: Page; adminDashboard: Response }> {
      const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
      page.setDefaultTimeout(10_000);
      await page.goto(`${server.url}/dashboard/#/data-model`);
      await page.getByRole('heading', { name: 'Log in to Steward' }).waitFor();
      await page.getByLabel('User name').fill(user.username);
      await page.getByLabel('Password').fill(user.password);
      await page.getByLabel('Project', { exact: true }).fill(user.projectName);
      // The panel's admin-dashboard request made with the token the login brought back.
      const answered = page.waitForResponse(
        (response) =>
          ADMIN_DASHBOARD.test(response.url()) && response.request().headers()['x-auth-token'] !== undefined,
      );
      const loggedIn = page.waitForResponse(/\/dashboard\/login$/);
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      expect((await loggedIn).status()).toBe(200);
      return { page, adminDashboard: await answered };
    }

    beforeAll(async () => {
      ensureDashboardBuilt();
      keystone = await createKeystoneFixture();
      [server, browser] = await Promise.all([
        startTestServer({
          'api.auth': 'keystone',
          'api.keystone.authUrl': KEYSTONE_URL,
          'api.keystone.username': keystone.users.service.username,
          'api.keystone.password': keystone.users.service.password,
          'api.keystone.projectName': keystone.users.service.projectName,
          'cloud.simulator.hosts': HOSTS,
          'cloud.simulator.instances': 6,
        }),
        launchChromium(),
      ]);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await keystone?.cleanup();
    });

    it("a reader logs in with a password, sees every host's allocation, and is told the measurements need an admin", async () => {
      const reader = keystone.users.reader;
      const { page, adminDashboard } = await logInAtDataModel(reader);
      try {
        expect(adminDashboard.status()).toBe(403);
        // The page's token is Keystone's, of the reader: only `reader`, on Keystone's admin project.
        const token = adminDashboard.request().headers()['x-auth-token']!;
        expect(await describeToken(token)).toEqual({
          user: reader.username,
          project: 'admin',
          roles: ['reader'],
          isAdminProject: true,
        });
        const rows = await new StewardClient({ endpoint: server.url, token }).dataModel();
        const instances = rows.filter((row) => row.server_uuid !== undefined).length;

        await page.getByText(/Measured utilisation is an admin's view/).waitFor();
        await page.getByText(`${HOSTS} hosts, ${instances} instances.`).waitFor();
        expect(await page.locator('[data-measured][data-unavailable]').allTextContents()).toEqual(
          Array<string>(HOSTS).fill('Measured: needs an admin'),
        );
        expect(await page.locator('[data-measured] [data-figure]').count()).toBe(0);
        for (const hostname of new Set(rows.map((row) => row.node_hostname)))
          expect(await page.getByRole('article', { name: hostname }).locator('.allocation').count()).toBe(3);
      } finally {
        await page.close();
      }
    });

    it('an admin logging in the same way sees every host measured', async () => {
      const { page, adminDashboard } = await logInAtDataModel(keystone.users.admin);
      try {
        expect(adminDashboard.status()).toBe(200);
        const dashboard = (await adminDashboard.json()) as AdminDashboardResource;
        expect(dashboard.hosts).toHaveLength(HOSTS);
        await page.locator('[data-measured] [data-figure]').first().waitFor();
        expect(await page.locator('[data-measured][data-unavailable]').count()).toBe(0);
        expect(await page.getByText(/Measured utilisation is an admin's view/).count()).toBe(0);
        for (const host of dashboard.hosts) {
          const card = page.locator(`[data-measured="${host.hostname}"]`);
          for (const figure of ['cpu-mean', 'cpu-p95', 'memory-mean', 'memory-p95'])
            expect(await card.locator(`[data-figure="${figure}"]`).textContent()).toMatch(/^[\d.]+ /);
        }
        expect(await page.locator('.allocation').count()).toBe(HOSTS * 3);
      } finally {
        await page.close();
      }
    });
  },
);
