/**
 * Debian's Horizon (openstack-dashboard) with python3-watcher-dashboard, served by uWSGI on a free port of
 * 127.0.0.1 for the watcher-dashboard compatibility test. It logs in through the machine's Keystone and finds
 * Steward in the catalog as it would find Watcher; nothing of the package's configuration is changed on disk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/horizon/', import.meta.url));
const STATIC_ROOT = '/var/lib/openstack-dashboard/static';
const PANELS = '/usr/lib/python3/dist-packages/openstack_dashboard/local/enabled/_31040_audits_panel.py';

export interface RunningHorizon {
  url: string;
  /** What Horizon logged about failed calls (its exceptions and client errors), for a failing test to show. */
  problems(): string;
  stop(): Promise<void>;
}

export function isHorizonInstalled(): boolean {
  return existsSync('/usr/bin/uwsgi') && existsSync(STATIC_ROOT) && existsSync(PANELS);
}

export async function startHorizon(keystoneUrl: string): Promise<RunningHorizon> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'steward-horizon-'));
  const log = join(dir, 'uwsgi.log');
  const child: ChildProcess = spawn(
    'uwsgi',
    [
      '--http-socket',
      `127.0.0.1:${port}`,
      '--plugin',
      'python3',
      '--wsgi-file',
      join(FIXTURE, 'wsgi.py'),
      '--static-map',
      `/static=${STATIC_ROOT}`,
      '--master',
      '--processes',
      '1',
      '--threads',
      '4',
      '--buffer-size',
      '65535',
      '--die-on-term',
      '--logto',
      log,
    ],
    {
      env: {
        ...process.env,
        PYTHONWARNINGS: 'ignore',
        STEWARD_HORIZON_KEYSTONE_URL: keystoneUrl,
      },
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (!process.env.STEWARD_KEEP_HORIZON_LOG) rmSync(dir, { recursive: true, force: true });
  };
  const problems = () =>
    (existsSync(log) ? readFileSync(log, 'utf8') : '')
      .split('\n')
      .filter((line) =>
        /ERROR|Recoverable error|Error contacting|Traceback|Forbidden|Unauthorized/.test(line),
      )
      .filter((line) => !line.includes('rbac_policies'))
      .slice(-40)
      .join('\n');
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Horizon's uWSGI exited with ${child.exitCode}; see ${log}`);
    }
    try {
      if ((await fetch(`${url}/auth/login/`)).ok) return { url, problems, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Horizon did not answer on ${url} within 60 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
