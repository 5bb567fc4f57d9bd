/** Steward composed exactly as `steward serve` does, on a free port, with an in-memory PGlite database. */
import { composeSteward, type RunningSteward } from '../../src/compose.js';
import { loadConfig } from '../../src/config/config.js';
import type { Clock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/observability/logger.js';

export interface TestServer {
  url: string;
  steward: RunningSteward;
  stop(): Promise<void>;
}

export async function startTestServer(
  overrides: Record<string, unknown> = {},
  options: { clock?: Clock } = {},
): Promise<TestServer> {
  const config = loadConfig({
    env: {},
    overrides: {
      'api.port': 0,
      'database.url': 'pglite:memory',
      logLevel: 'silent',
      heartbeatIntervalSeconds: 1,
      ...overrides,
    },
  });
  const steward = await composeSteward(config, { logger: silentLogger, ...options });
  if (!steward.urls.api) throw new Error('the API did not start');
  return { url: steward.urls.api, steward, stop: () => steward.stop() };
}

/** Polls until `read` returns a value accepted by `done` (e2e only: real processes take real time). */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not reached within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
