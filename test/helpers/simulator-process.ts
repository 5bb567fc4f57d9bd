/** `steward simulator` as its own process, for tests that need the cloud outside Steward's process. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  exited: Promise<number | null>;
  env: Record<string, string>;
}

/** Starts `steward simulator` from source and waits for its banner, which it prints once it listens. */
export async function startSimulator(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'simulator', ...args], {
    cwd: process.cwd(),
    env: { ...process.env, STEWARD_LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => (stdout.includes('Stop with Ctrl-C') ? resolve() : undefined));
    void exited.then((code) => reject(new Error(`simulator exited early with ${String(code)}: ${stderr}`)));
  });
  const env = Object.fromEntries(
    [...stdout.matchAll(/^export (OS_\w+)=(\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
  return { child, stdout: () => stdout, exited, env };
}
