/** A TCP port on 127.0.0.1 that nothing listens on right now, for a process that must be told its port. */
import { createServer } from 'node:net';

/**
 * Below Linux's ephemeral range (32768–60999): a port the kernel hands to `listen(0)` is soon handed out again,
 * so a port chosen that way could be taken by any server of this process (Steward's own, the simulated cloud's)
 * before the process it was meant for binds it. Ports here are only ever taken by name.
 */
const FIRST = 20_000;
const LAST = 32_767;

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST + 1));
    if (await tryListen(port)) return port;
  }
  throw new Error(`no free port in ${FIRST}–${LAST} after 100 tries`);
}
