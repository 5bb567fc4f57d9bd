/**
 * The dashboard with `api.auth: keystone` on the embedded simulated cloud: the login form, Keystone's refusal
 * shown, then the panels with the user's token, which stays in the page's memory only.
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
import { startTestServer, type TestServer } from '../helpers/server.js';

describe.skipIf(!hasChromium)('the dashboard behind Keystone', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ensureDashboardBuilt();
    [server, browser] = await Promise.all([
      startTestServer({ 'api.auth': 'keystone', 'cloud.simulator.hosts': 2, 'cloud.simulator.instances': 2 }),
      launchChromium(),
    ]);
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("asks for a login, shows Keystone's refusal, then the panels with the user's token kept in memory only", async () => {
    const { username, password } = server.steward.simulator!.credentials;
    await page.goto(`${server.url}/dashboard/#/goals`);
    await page.getByRole('heading', { name: 'Log in to Steward' }).waitFor();
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(`${password}-wrong`);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Keystone refused' }).waitFor();
    await page.screenshot({ path: path.join(screenshotDirectory(), 'login.png') });

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('heading', { name: /Dummy goal/ }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    const stored = await page.evaluate(
      'JSON.stringify([localStorage.length, sessionStorage.length, document.cookie])',
    );
    expect(stored).toBe('[0,0,""]');

    // A reload forgets the token: the login form again.
    await page.reload();
    await page.getByRole('heading', { name: 'Log in to Steward' }).waitFor();
  });
});
