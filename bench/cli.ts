/**
 * CLI start-up: `steward --version` (the compiled dist/ that `npm ci` builds) beside `node -e 0` in the same run,
 * alternating so both see the same machine load; and the TypeScript sources through tsx (STEWARD_FROM_SOURCE=1),
 * what every command cost before the build. `npm run bench -- cli`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/steward.js', import.meta.url));

export interface CliBenchResult {
  runs: number;
  versionMedianMs: number;
  nodeMedianMs: number;
  /** steward --version / node -e 0. */
  ratio: number;
  fromSourceMedianMs: number;
  compiled: boolean;
}

function timed(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${String(result.status)}`);
  return ms;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export function runCliBench(options: { runs?: number; sourceRuns?: number } = {}): CliBenchResult {
  const runs = options.runs ?? 21;
  const version: number[] = [];
  const node: number[] = [];
  timed([BIN, '--version']); // the first run warms the file cache for both
  for (let i = 0; i < runs; i++) {
    version.push(timed([BIN, '--version']));
    node.push(timed(['-e', '0']));
  }
  const fromSource: number[] = [];
  for (let i = 0; i < (options.sourceRuns ?? 5); i++)
    fromSource.push(timed([BIN, '--version'], { ...process.env, STEWARD_FROM_SOURCE: '1' }));
  const versionMedianMs = median(version);
  const nodeMedianMs = median(node);
  return {
    runs,
    versionMedianMs,
    nodeMedianMs,
    ratio: versionMedianMs / nodeMedianMs,
    fromSourceMedianMs: median(fromSource),
    compiled: existsSync(new URL('../dist/main.js', import.meta.url)),
  };
}
