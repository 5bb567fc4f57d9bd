/**
 * Every way `steward serve` can fail to start (issue 15, item 2), as the operator meets it: configuration problems
 * all in one block with exit status 2, runtime ones as one line saying what to do with exit status 1, never a
 * stack trace, and nothing left on disk (no ./data/db) or in the database.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, type TempDatabase } from '../helpers/postgres.js';

const BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));

/** The environment without the caller's Steward and OpenStack settings, plus the case's own. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(STEWARD_|OS_)/.test(name)),
  );
  return { ...env, ...extra };
}

function serve(cwd: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd, env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A start that does not fail would run until stopped: stop it, so the test fails on the exit status.
    const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let busy: Server;
let busyPort = 0;
let keystone: HttpServer;
let keystoneUrl = '';
let database: TempDatabase;
/** A port nothing listens on (fetch refuses to even try port 1). */
let closedPort = 0;

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
  // Something that answers HTTP where Keystone is expected, so the Prometheus check is the one that fails.
  keystone = createHttpServer((_request, response) => response.end('{}'));
  await new Promise<void>((resolve) => keystone.listen(0, '127.0.0.1', resolve));
  keystoneUrl = `http://127.0.0.1:${(keystone.address() as { port: number }).port}/identity/v3`;
  database = await createTempDatabase();
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => {
  await new Promise((resolve) => busy?.close(resolve));
  await new Promise((resolve) => keystone?.close(resolve));
  await database?.drop();
});

async function tablesIn(connectionString: string): Promise<number> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>(
      "select count(*) from information_schema.tables where table_schema = 'public'",
    );
    return Number(result.rows[0]!.count);
  } finally {
    await client.end();
  }
}

interface Case {
  name: string;
  args?: () => string[];
  env?: () => Record<string, string>;
  /** A config file written as steward.json in the working directory and passed with --config. */
  file?: Record<string, unknown>;
  status: number;
  stderr: () => string;
  postgres?: boolean;
}

const CASES: Case[] = [
  {
    name: 'several configuration problems, from a file and the environment',
    file: { api: { prot: 9322 }, databse: { url: 'pglite:memory' }, logLevel: 'loud' },
    env: () => ({ STEWARD_API_PORT: 'abc', STEWARD_ROLES: 'web' }),
    status: 2,
    stderr: () =>
      [
        'Steward cannot start: 5 problems in its configuration (docs/configuration.md lists every key):',
        '  - api.prot (in steward.json): unknown key; did you mean api.port?',
        '  - databse (in steward.json): unknown key; did you mean database?',
        '  - roles = "web" (from STEWARD_ROLES): must be one of all, api, decision-engine, applier',
        '  - api.port = "abc" (from STEWARD_API_PORT): must be integer',
        '  - logLevel = "loud" (in steward.json): must be one of fatal, error, warn, info, debug, trace, silent',
        '',
      ].join('\n'),
  },
  {
    name: 'a disabled strategy no strategy is named',
    env: () => ({ STEWARD_DISABLED_STRATEGIES: 'noisy_neighbour,dummy' }),
    status: 2,
    stderr: () =>
      [
        'Steward cannot start: a problem in its configuration (docs/configuration.md lists every key):',
        '  - engine.disabledStrategies: no strategy is named noisy_neighbour; did you mean noisy_neighbor?',
        '',
      ].join('\n'),
  },
  {
    name: 'a mysql:// database URL',
    args: () => ['--database', 'mysql://root@127.0.0.1/steward'],
    status: 2,
    stderr: () =>
      [
        'Steward cannot start: a problem in its configuration (docs/configuration.md lists every key):',
        '  - database.url (from the command line): mysql is not supported; use pglite:<dir> (embedded), pglite:memory, or postgres://user@host:5432/db',
        '',
      ].join('\n'),
  },
  {
    name: 'cloud.kind openstack without a Keystone URL nor a Prometheus URL',
    env: () => ({ STEWARD_CLOUD: 'openstack' }),
    status: 2,
    stderr: () =>
      [
        'Steward cannot start: 2 problems in its configuration (docs/configuration.md lists every key):',
        '  - cloud.keystone.authUrl: required with cloud.kind openstack; set OS_AUTH_URL to the Keystone v3 URL (e.g. http://controller/identity/v3)',
        '  - datasource.url: required with cloud.kind openstack (only the simulated cloud brings its own Prometheus); set STEWARD_PROMETHEUS_URL, or datasource.name none to run without metrics',
        '',
      ].join('\n'),
  },
  {
    name: 'the API port in use, on the default embedded database',
    args: () => ['--port', String(busyPort)],
    status: 1,
    stderr: () =>
      `Cannot listen on 127.0.0.1:${busyPort}: the address is already in use. Stop the process that holds it, or give Steward another port (--port or STEWARD_API_PORT).\n`,
  },
  {
    name: 'the API port in use, on PostgreSQL',
    args: () => ['--port', String(busyPort), '--database', database.connectionString],
    status: 1,
    stderr: () =>
      `Cannot listen on 127.0.0.1:${busyPort}: the address is already in use. Stop the process that holds it, or give Steward another port (--port or STEWARD_API_PORT).\n`,
    postgres: true,
  },
  {
    name: 'PostgreSQL unreachable',
    args: () => ['--port', '0', '--database', 'postgres://steward@127.0.0.1:1/steward'],
    status: 1,
    stderr: () =>
      'Cannot reach PostgreSQL at 127.0.0.1:1 (database steward): connection refused. Start PostgreSQL, or correct database.url (STEWARD_DATABASE_URL).\n',
  },
  {
    name: 'Keystone unreachable',
    args: () => ['--port', '0'],
    env: () => ({
      STEWARD_CLOUD: 'openstack',
      OS_AUTH_URL: `http://127.0.0.1:${closedPort}/identity/v3`,
      STEWARD_PROMETHEUS_URL: `http://127.0.0.1:${closedPort}/`,
    }),
    status: 1,
    stderr: () =>
      `Cannot reach Keystone at http://127.0.0.1:${closedPort}/identity/v3: connection refused. Check cloud.keystone.authUrl (OS_AUTH_URL) and that Keystone is up.\n`,
  },
  {
    name: 'Prometheus unreachable',
    args: () => ['--port', '0'],
    env: () => ({
      STEWARD_CLOUD: 'openstack',
      OS_AUTH_URL: keystoneUrl,
      STEWARD_PROMETHEUS_URL: `http://127.0.0.1:${closedPort}/`,
    }),
    status: 1,
    stderr: () =>
      `Cannot reach Prometheus at http://127.0.0.1:${closedPort}/: connection refused. Check datasource.url (STEWARD_PROMETHEUS_URL), or set datasource.name none to run without metrics.\n`,
  },
];

describe('steward serve when it cannot start', () => {
  it.each(CASES)(
    '$name: the exact message, its exit status, nothing on disk or in the database',
    async (testCase) => {
      const cwd = mkdtempSync(join(tmpdir(), 'steward-startup-'));
      try {
        const args = testCase.args?.() ?? [];
        if (testCase.file) {
          writeFileSync(join(cwd, 'steward.json'), JSON.stringify(testCase.file));
          args.push('--config', 'steward.json');
        }
        const before = readdirSync(cwd);
        const result = await serve(cwd, args, testCase.env?.() ?? {});
        expect(result.stderr).toBe(testCase.stderr());
        expect(result.code).toBe(testCase.status);
        expect(result.stdout).toBe('');
        expect(readdirSync(cwd)).toEqual(before);
        if (testCase.postgres) expect(await tablesIn(database.connectionString)).toBe(0);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
