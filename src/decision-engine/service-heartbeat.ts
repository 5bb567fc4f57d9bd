/** Every Steward process heartbeats a row in `services`, so the API can show which processes are alive. */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../store/store.js';

export interface Heartbeat {
  stop(): Promise<void>;
}

export async function startHeartbeat(options: {
  store: Store;
  name: string;
  host: string;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
}): Promise<Heartbeat> {
  const { store, name, host, clock, logger, intervalMs } = options;
  await store.services.heartbeat(name, host, clock.now());
  const stopping = new AbortController();
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await clock.sleep(intervalMs, stopping.signal);
        await store.services.heartbeat(name, host, clock.now());
      } catch (error) {
        if (!stopping.signal.aborted)
          logger.warn({ err: error, service: name }, 'heartbeat failed; retrying');
      }
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
