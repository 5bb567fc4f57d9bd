import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('node bin/steward.js serve (what npm start runs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers GET / with the versions document and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['bin/steward.js', 'serve', '--port', String(port), '--database', `pglite:${join(dir, 'db')}`],
      {
        cwd: process.cwd(),
        env: { ...process.env, STEWARD_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    // The banner is printed once the API listens, so it is the readiness signal.
    await new Promise<void>((resolve, reject) => {
      const check = () => (stdout.includes('Stop with Ctrl-C') ? resolve() : undefined);
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`serve exited early with ${String(code)}: ${stderr}`)));
    });

    expect(stdout).toContain(`http://127.0.0.1:${port}`);
    // The embedded defaults bring up the simulated cloud, and Steward has synced it before it says so.
    expect(stdout).toMatch(/Simulated cloud: +16 hosts, 120 instances/);
    expect(stdout).toMatch(/Compute model: +16 hosts, 120 instances synced/);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { versions: { id: string; status: string }[] };
    expect(body.versions.map((version) => version.id)).toContain('v1');

    // The printed OS_* lines log in to the simulated Keystone, whose catalog sends infra-optim to this API.
    const exported = Object.fromEntries(
      [...stdout.matchAll(/^export (OS_\w+)=(.*)$/gm)].map((match) => [match[1] ?? '', match[2] ?? '']),
    );
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

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});
