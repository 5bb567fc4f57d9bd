/**
 * A `steward` command that runs until stopped (`serve`, `simulator`) as its own process, started the way `npx steward`
 * starts it, for tests that need it outside the test's process. Both print a banner ending in "Stop with Ctrl-C."
 * once they listen, with the `OS_*` lines of the simulated Keystone; the banner is the readiness signal.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `steward` executable (`bin` of package.json), which runs the TypeScript sources through tsx. */
export const STEWARD_BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));

export interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  exited: Promise<number | null>;
  /** The `export OS_…=…` lines of the banner, as an environment for the openstack client. */
  env: Record<string, string>;
}

export async function startStewardCommand(
  args: string[],
  env: Record<string, string> = {},
): Promise<Running> {
  const child = spawn(process.execPath, [STEWARD_BIN, ...args], {
    cwd: process.cwd(),
    env: { ...process.env, STEWARD_LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => (stdout.includes('Stop with Ctrl-C') ? resolve() : undefined));
    void exited.then((code) =>
      reject(new Error(`steward ${args[0] ?? ''} exited early with ${String(code)}: ${stderr}`)),
    );
  });
  const exported = Object.fromEntries(
    [...stdout.matchAll(/^export (OS_\w+)=(\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
  return { child, stdout: () => stdout, exited, env: exported };
}
