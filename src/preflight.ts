/**
 * What `steward serve` checks before it creates anything (a PGlite directory, tables, a simulated cloud): that the
 * API port is free, the database, Keystone and Prometheus answer. Each failure is one sentence saying what to do,
 * so a service that cannot start leaves nothing behind and no stack trace.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import pg from 'pg';
import { runs, type StewardConfig } from './config/config.js';

/** A runtime condition that stops the service from starting; `steward serve` prints the message and exits 1. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

const PROBE_TIMEOUT_MS = 5_000;

function reasonOf(error: unknown): string {
  // fetch says only "fetch failed"; the connection's own error is its cause.
  const { code, cause } = error as { code?: string; cause?: unknown };
  if (code === undefined && cause !== undefined) return reasonOf(cause);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return 'unknown host name';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case undefined:
    default:
      if (error instanceof Error && error.name === 'TimeoutError')
        return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
      return error instanceof Error ? error.message : String(error);
  }
}

async function checkPortFree(host: string, port: number): Promise<void> {
  const problem = await new Promise<string | undefined>((settle) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => settle(undefined)));
  });
  if (problem === undefined) return;
  const fix =
    problem === 'EADDRINUSE'
      ? 'the address is already in use. Stop the process that holds it, or give Steward another port (--port or STEWARD_API_PORT).'
      : problem === 'EACCES'
        ? 'permission denied. Use a port above 1023 (--port or STEWARD_API_PORT).'
        : problem === 'EADDRNOTAVAIL'
          ? `no network interface has the address ${host}. Set api.host (STEWARD_API_HOST) to one of this machine's addresses.`
          : `${problem}.`;
  throw new StartupError(`Cannot listen on ${host}:${port}: ${fix}`);
}

async function checkPostgres(connectionString: string): Promise<void> {
  const url = new URL(connectionString);
  const where = `${url.hostname}:${url.port || '5432'} (database ${url.pathname.slice(1) || url.username})`;
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  // A refused connection also surfaces as an 'error' event; the awaited connect() reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new StartupError(
      `Cannot reach PostgreSQL at ${where}: ${reasonOf(error)}. Start PostgreSQL, or correct database.url (STEWARD_DATABASE_URL).`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkAnswers(service: string, url: string, fix: string): Promise<void> {
  try {
    // Any HTTP answer means the service is there; what it says is the clients' business.
    await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (error) {
    throw new StartupError(`Cannot reach ${service} at ${url}: ${reasonOf(error)}. ${fix}`);
  }
}

/** The first directory of `dir` that does not exist yet (what a failed start must remove), or undefined. */
export function firstMissingDirectory(dir: string): string | undefined {
  let missing: string | undefined;
  for (let current = resolve(dir); !existsSync(current); current = dirname(current)) {
    missing = current;
    if (dirname(current) === current) break;
  }
  return missing;
}

/** Throws StartupError naming the first thing that would stop the service; creates nothing. */
export async function preflight(config: StewardConfig): Promise<void> {
  if (runs(config, 'api') && config.api.port !== 0) await checkPortFree(config.api.host, config.api.port);
  if (/^postgres(ql)?:\/\//.test(config.database.url)) await checkPostgres(config.database.url);
  if (config.cloud.kind === 'openstack' && config.cloud.keystone.authUrl !== undefined)
    await checkAnswers(
      'Keystone',
      config.cloud.keystone.authUrl,
      'Check cloud.keystone.authUrl (OS_AUTH_URL) and that Keystone is up.',
    );
  if (config.datasource.name === 'prometheus' && config.datasource.url !== undefined)
    await checkAnswers(
      'Prometheus',
      config.datasource.url,
      'Check datasource.url (STEWARD_PROMETHEUS_URL), or set datasource.name none to run without metrics.',
    );
}
