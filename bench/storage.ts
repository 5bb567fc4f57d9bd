/**
 * The storage strategies of `npm run bench -- strategies`: zone_migration and storage_capacity_balance on a generated
 * cluster with Cinder storage beside it (src/scenarios/storage-generator.ts; by default 1,000 compute hosts with
 * 10,000 instances and 1,000 storage hosts with 2,000 pools and 10,000 volumes, seed 42). Each case runs in its own
 * process (bench/strategy-case.ts); the plan goes through the plan validator with the storage model (valid = no
 * finding).
 *
 * Baseline: no peer runs these strategies offline (the Watcher peer's fake cluster has no Cinder), so time is set
 * against the same process copying the storage model once, which every audit does to give its strategy a private
 * copy: a strategy at ratio 1 costs one more copy of the model.
 */
import type { CaseResult, CaseSpec } from './strategy-case.js';
import { storageHostname } from '../src/scenarios/storage-generator.js';

export const STORAGE_STRATEGIES = ['zone_migration', 'storage_capacity_balance'] as const;
/** Issue 17's target for both strategies on 1,000 hosts / 10,000 volumes. */
const TARGET_SECONDS = 1;

export interface StorageBenchOptions {
  /** `<hosts>x<volumes>`: compute hosts and instances, and storage hosts and volumes, alike (default 1000x10000). */
  sizes?: readonly string[];
  strategies?: readonly string[];
  /** Runs of each case, each in a fresh process; the median time is shown (default 3: a case takes seconds). */
  repeat?: number;
  caseTimeoutSeconds?: number;
  childCase(spec: CaseSpec, timeoutSeconds: number): Promise<CaseResult>;
  out?: (line: string) => void;
}

export interface StorageRow {
  size: string;
  strategy: string;
  parameters: Record<string, unknown>;
  result?: CaseResult;
  executeSecondsAll?: number[];
  /** Steward's seconds / the same process's copy of the storage model. */
  ratio?: number;
  error?: string;
}

const hostname = (h: number) => `compute-${String(h).padStart(5, '0')}`;

/**
 * A maintenance window on a tenth of the cloud: the first tenth of the compute hosts emptied (Steward picks each
 * destination, as Nova's scheduler would upstream), and the pools of the first tenth of the storage hosts emptied into
 * the pools of the hosts half the cloud further on, pool to pool, except the hdd pools of the first twentieth, whose
 * volumes are retyped to ssd (Cinder's scheduler picks the pool). Volumes carry their servers along
 * (`with_attached_volume`), biggest first; upstream's default parallelism.
 */
export function zoneMigrationParameters(hosts: number): Record<string, unknown> {
  const sources = Math.max(1, Math.floor(hosts / 10));
  const retyped = Math.floor(hosts / 20);
  const half = Math.floor(hosts / 2);
  return {
    compute_nodes: Array.from({ length: sources }, (_, h) => ({ src_node: hostname(h) })),
    storage_pools: Array.from({ length: sources }, (_, h) => [
      { src_pool: `${storageHostname(h)}#ssd`, dst_pool: `${storageHostname(h + half)}#ssd` },
      h < retyped
        ? { src_pool: `${storageHostname(h)}#hdd`, dst_type: 'ssd' }
        : { src_pool: `${storageHostname(h)}#hdd`, dst_pool: `${storageHostname(h + half)}#hdd` },
    ]).flat(),
    with_attached_volume: true,
    priority: { storage: 'size', compute: 'vcpu_num' },
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const formatSeconds = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '–' : value < 0.01 ? value.toFixed(4) : value.toFixed(3);

export async function runStorageBench(options: StorageBenchOptions): Promise<StorageRow[]> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const names = options.strategies ?? STORAGE_STRATEGIES;
  const rows: StorageRow[] = [];
  for (const size of options.sizes ?? ['1000x10000']) {
    const [hosts, count] = size.split('x').map(Number) as [number, number];
    out(
      `\nStorage strategies, generated ${hosts} compute hosts / ${count} instances and ${hosts} storage hosts (${2 * hosts} pools) / ${count} volumes, seed 42` +
        '\n  time = execute() in a process of its own; baseline = the same process copying the storage model once (every audit does); find. = plan validator findings with the storage model',
    );
    out(
      `  ${'strategy'.padEnd(26)} ${'actions'.padStart(8)} ${'by type'.padEnd(56)} ${'pools ≥ thr.'.padStart(13)} ${'find.'.padStart(6)} ${'time s'.padStart(8)} ${'cpu s'.padStart(7)} ${'copy s'.padStart(7)} ${'ratio'.padStart(6)} ${'peak MB'.padStart(8)}`,
    );
    for (const name of names) {
      const parameters = name === 'zone_migration' ? zoneMigrationParameters(hosts) : {};
      const row: StorageRow = { size, strategy: name, parameters };
      try {
        const runs: CaseResult[] = [];
        for (let run = 0; run < Math.max(1, options.repeat ?? 3); run++)
          runs.push(
            await options.childCase(
              {
                scenario: { generate: { hosts, instances: count, seed: 42 } },
                strategy: name,
                parameters,
                storage: { hosts, volumes: count, seed: 42 },
              },
              options.caseTimeoutSeconds ?? 900,
            ),
          );
        const times = runs.map((one) => one.executeSeconds ?? Number.NaN);
        const last = runs.at(-1)!;
        // Medians of time, CPU time and the copy alike, each over the same runs.
        row.result = {
          ...last,
          executeSeconds: median(times),
          executeCpuSeconds: median(runs.map((one) => one.executeCpuSeconds ?? Number.NaN)),
          ...(last.storage && {
            storage: {
              ...last.storage,
              cloneSeconds: median(runs.map((one) => one.storage?.cloneSeconds ?? Number.NaN)),
            },
          }),
        };
        if (runs.length > 1) row.executeSecondsAll = times;
        const copy = row.result.storage?.cloneSeconds;
        if (copy) row.ratio = row.result.executeSeconds! / copy;
      } catch (error) {
        row.error = (error as Error).message;
      }
      rows.push(row);
      const result = row.result;
      const storage = result?.storage;
      const indicators = result?.indicators ?? {};
      const byType = storage
        ? name === 'zone_migration'
          ? `${indicators.planned_live_migrate_instance_count ?? 0}/${indicators.live_migrate_instance_count ?? 0} live, ` +
            `${indicators.planned_cold_migrate_instance_count ?? 0}/${indicators.cold_migrate_instance_count ?? 0} cold, ` +
            `${indicators.planned_volume_migrate_count ?? 0}/${indicators.volume_migrate_count ?? 0} volumes` +
            ` (${storage.volumeRetypes} retypes)`
          : `${storage.volumeMigrations} volume migrations`
        : '–';
      const over = storage ? `${storage.poolsOverBefore} → ${storage.poolsOverAfter}` : '–';
      out(
        `  ${name.padEnd(26)} ${String(result?.actions ?? '–').padStart(8)} ${byType.padEnd(56)} ${over.padStart(13)} ${String(result?.findings ?? '–').padStart(6)} ${formatSeconds(result?.executeSeconds).padStart(8)} ${formatSeconds(result?.executeCpuSeconds).padStart(7)} ${formatSeconds(storage?.cloneSeconds).padStart(7)} ${(row.ratio === undefined ? '–' : row.ratio.toFixed(2)).padStart(6)} ${String(result?.peakRssMb ?? '–').padStart(8)}` +
          (row.error ? `  error: ${row.error}` : '') +
          (result?.checkError ? `  ${result.checkError.slice(0, 120)}` : '') +
          (result?.firstFinding ? `  first finding: ${result.firstFinding}` : '') +
          ((result?.executeSeconds ?? 0) > TARGET_SECONDS ? `  ABOVE TARGET (${TARGET_SECONDS} s)` : ''),
      );
    }
    out(
      '  zone_migration: planned/targets per kind (its indicators); pools ≥ thr.: pools used at or above 80 % before → after the plan’s pool-to-pool migrations, replayed on a copy',
    );
  }
  return rows;
}
