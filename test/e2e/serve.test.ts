import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { startStewardCommand } from '../helpers/steward-command.js';

describe('node bin/steward.js serve (what npm start runs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers GET / with the versions document and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    // The banner is printed once the API listens, so it is the readiness signal.
    const serve = await startStewardCommand([
      'serve',
      '--port',
      String(port),
      '--database',
      `pglite:${join(dir, 'db')}`,
    ]);
    const stdout = serve.stdout();

    expect(stdout).toContain(`http://127.0.0.1:${port}`);
    // The embedded defaults bring up the simulated cloud, and Steward has synced it before it says so.
    expect(stdout).toMatch(/Simulated cloud: +16 hosts, 120 instances/);
    expect(stdout).toMatch(/Compute model: +16 hosts, 120 instances synced/);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { versions: { id: string; status: string }[] };
    expect(body.versions.map((version) => version.id)).toContain('v1');

    // The printed OS_* lines log in to the simulated Keystone, whose catalog sends infra-optim to this API.
    const exported = serve.env;
    expect(exported).toMatchObject({ OS_USERNAME: 'admin', OS_PROJECT_NAME: 'admin' });
    const login = await fetch(`${exported.OS_AUTH_URL}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: exported.OS_USERNAME, password: exported.OS_PASSWORD } },
          },
        },
      }),
    });
    expect(login.status).toBe(201);
    const { token } = (await login.json()) as {
      token: { catalog: { type: string; endpoints: { url: string }[] }[] };
    };
    const watcher = token.catalog.find((service) => service.type === 'infra-optim');
    expect(watcher?.endpoints[0]?.url).toBe(`http://127.0.0.1:${port}`);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  }, 120_000);
});
