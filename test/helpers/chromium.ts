/**
 * Debian's Chromium driven by playwright-core (no browser download): headless, no sandbox (tests run as root in
 * CI containers), no background traffic, so nothing leaves 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether Debian's chromium is installed; CI must have it (scripts/install-system-deps.sh), so there its absence fails the run. */
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI === 'true')
  throw new Error(`${CHROMIUM} is missing: scripts/install-system-deps.sh installs Debian's chromium`);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  });
}

/** Builds web/dist when it is missing or older than its sources, as `npm start` does. */
export function ensureDashboardBuilt(): void {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-web.ts', '--if-stale'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`building the dashboard failed:\n${result.stdout}${result.stderr}`);
}

/**
 * Where the dashboard tests write their screenshots: `test-results/screenshots` (ignored by git), or the README's
 * `docs/screenshots` with `STEWARD_DOC_SCREENSHOTS=1`, so a test run leaves the working tree as it was.
 */
export function screenshotDirectory(): string {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const directory =
    process.env.STEWARD_DOC_SCREENSHOTS === '1'
      ? path.join(root, 'docs', 'screenshots')
      : path.join(root, 'test-results', 'screenshots');
  mkdirSync(directory, { recursive: true });
  return directory;
}
