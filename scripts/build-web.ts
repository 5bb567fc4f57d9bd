/**
 * Builds the dashboard (`web/` → `web/dist`) with Vite. `--if-stale` skips the build when `web/dist` is newer than
 * every source it is made from, so `npm start` builds it on a fresh checkout and costs nothing afterwards.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const built = path.join(root, 'web', 'dist', 'index.html');
const SOURCES = ['web/src', 'web/index.html', 'web/vite.config.ts', 'web/package.json', 'src/contract'];

function newestChange(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(entry).map((name) => newestChange(path.join(entry, name))));
}

function isStale(): boolean {
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.some((source) => {
    const entry = path.join(root, source);
    return existsSync(entry) && newestChange(entry) > builtAt;
  });
}

function findVite(): string | undefined {
  try {
    const manifest = createRequire(path.join(root, 'web', 'package.json')).resolve('vite/package.json');
    return path.join(path.dirname(manifest), 'bin', 'vite.js');
  } catch {
    return undefined;
  }
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);
// web/ has its own Vite (the root one is vitest's, of another major version).
const vite = findVite();
if (vite === undefined) {
  process.stderr.write(
    'The dashboard cannot be built: Vite is not installed (run `npm ci` with dev dependencies).\n',
  );
  // Steward runs without its dashboard (`/dashboard/` then says how to build it): not a reason to refuse to start.
  process.exit(process.argv.includes('--if-stale') ? 0 : 1);
}
// Always the production build: under vitest (NODE_ENV=test) Vite would otherwise bundle React's development build.
const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
  cwd: path.join(root, 'web'),
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
});
process.exit(result.status ?? 1);
