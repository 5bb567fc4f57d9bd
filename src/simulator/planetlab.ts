/**
 * PlanetLab CPU traces as simulated instance load (CloudSim's `workload/planetlab/<day>`, the standard workload of
 * VM-consolidation papers). A trace is one VM's CPU utilisation in percent, each value the mean over a 5-minute
 * interval, 288 values a day. The load is piecewise constant over those intervals (not CloudSim's linear
 * interpolation: the samples are interval means, so a 5-minute rate must give the sample back), and the day repeats.
 *
 * All traces of a day live in two typed arrays: the samples as fractions and their running sums. A counter at any
 * instant is then an exact integral in O(1), which keeps 10,000-instance metric queries cheap.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { invalid } from '../errors.js';
import { createRandom } from '../lib/rng.js';

export const TRACE_SAMPLE_SECONDS = 300;
export const TRACE_SAMPLES_PER_DAY = 288;
const DAY_SECONDS = TRACE_SAMPLE_SECONDS * TRACE_SAMPLES_PER_DAY;

export interface PlanetLabTraces {
  /** The directory or CSV file they were read from (resolved). */
  readonly source: string;
  /** VM names in byte order, as the CSV's rows are; index i is trace i. */
  readonly names: readonly string[];
  /** Utilisation fractions (0..1): trace i is `[i * 288, (i + 1) * 288)`. */
  readonly samples: Float64Array;
  /** Integral from the start of the day, in utilisation-seconds: trace i is `[i * 289, (i + 1) * 289)`, 289 knots. */
  readonly cumulative: Float64Array;
}

/** One instance's trace: the day it comes from and its index there. */
export interface TraceRef {
  readonly traces: PlanetLabTraces;
  readonly index: number;
}

// A cluster is rebuilt per test and per CLI run; the files of a day only need parsing once per process.
const loaded = new Map<string, PlanetLabTraces>();

/** Reads a day of traces from a folder of per-VM files (`20110303/`) or from the one-file CSV (`20110303.csv`). */
export function loadPlanetLabTraces(path: string): PlanetLabTraces {
  const source = resolve(path);
  const cached = loaded.get(source);
  if (cached) return cached;
  let isDirectory: boolean;
  try {
    isDirectory = statSync(source).isDirectory();
  } catch {
    throw invalid(
      `PlanetLab trace path ${source} does not exist; give a day's folder (…/planetlab/20110303) or its CSV (…/planetlab/20110303.csv)`,
    );
  }
  const rows = isDirectory ? readDirectory(source) : readCsv(source);
  if (rows.length === 0)
    throw invalid(
      `PlanetLab trace path ${source} holds no traces; give a day's folder of per-VM files or its CSV`,
    );
  const traces = pack(source, rows);
  loaded.set(source, traces);
  return traces;
}

function readDirectory(dir: string): { name: string; values: Float64Array }[] {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    // Byte order (names are ASCII), the CSV's row order: a seed then picks the same VMs from either form.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => {
    const values = parseNumbers(readFileSync(join(dir, name)), 0);
    checkTrace(values, `${dir}/${name}`);
    return { name, values };
  });
}

function readCsv(file: string): { name: string; values: Float64Array }[] {
  const text = readFileSync(file);
  const rows: { name: string; values: Float64Array }[] = [];
  let lineStart = text.indexOf(10) + 1; // skip the header `vm_id,t0,…,t287`
  if (lineStart === 0) return rows;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf(10, lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const comma = text.indexOf(44, lineStart);
    if (comma > lineStart && comma < lineEnd) {
      const name = text.toString('latin1', lineStart, comma);
      const values = parseNumbers(text.subarray(comma + 1, lineEnd), 44);
      checkTrace(values, `${file} row ${name}`);
      rows.push({ name, values });
    }
    lineStart = lineEnd + 1;
  }
  return rows;
}

/**
 * Non-negative decimals separated by newlines (and `separator`, a comma for CSV rows), read byte by byte: about
 * 300,000 values a day, where split/parseFloat would allocate a string each.
 */
function parseNumbers(bytes: Uint8Array, separator: number): Float64Array {
  const out: number[] = [];
  let value = 0;
  let scale = 0; // 0 = integer part; otherwise the place value of the next decimal digit
  let digits = 0;
  let isBad = false;
  const flush = (): void => {
    if (isBad) out.push(Number.NaN);
    else if (digits > 0) out.push(value);
    value = 0;
    scale = 0;
    digits = 0;
    isBad = false;
  };
  for (const b of bytes) {
    if (b >= 48 && b <= 57) {
      if (scale === 0) value = value * 10 + (b - 48);
      else {
        value += (b - 48) * scale;
        scale /= 10;
      }
      digits++;
    } else if (b === 46 && scale === 0) scale = 0.1;
    else if (b === 10 || b === separator) flush();
    else if (b !== 13 && b !== 32 && b !== 9) isBad = true; // the value becomes NaN, which checkTrace reports
  }
  flush();
  return Float64Array.from(out);
}

function checkTrace(values: Float64Array, where: string): void {
  if (values.length !== TRACE_SAMPLES_PER_DAY)
    throw invalid(
      `PlanetLab trace ${where} has ${values.length} values; a day's trace has ${TRACE_SAMPLES_PER_DAY} (one per 5 minutes)`,
    );
  for (const v of values)
    if (!(v >= 0 && v <= 100))
      throw invalid(`PlanetLab trace ${where} has a value that is not a percentage 0–100`);
}

function pack(source: string, rows: { name: string; values: Float64Array }[]): PlanetLabTraces {
  const samples = new Float64Array(rows.length * TRACE_SAMPLES_PER_DAY);
  const cumulative = new Float64Array(rows.length * (TRACE_SAMPLES_PER_DAY + 1));
  rows.forEach((row, i) => {
    const s = i * TRACE_SAMPLES_PER_DAY;
    const c = i * (TRACE_SAMPLES_PER_DAY + 1);
    let sum = 0;
    for (let k = 0; k < TRACE_SAMPLES_PER_DAY; k++) {
      const fraction = (row.values[k] as number) / 100;
      samples[s + k] = fraction;
      cumulative[c + k] = sum;
      sum += fraction * TRACE_SAMPLE_SECONDS;
    }
    cumulative[c + TRACE_SAMPLES_PER_DAY] = sum;
  });
  return { source, names: rows.map((r) => r.name), samples, cumulative };
}

/** Where t (Unix seconds) falls: whole days since the epoch and the sample within the day (days start at 00:00 UTC). */
function locate(tSec: number): { days: number; k: number; intoSampleSec: number } {
  const days = Math.floor(tSec / DAY_SECONDS);
  const intoDay = tSec - days * DAY_SECONDS;
  // min(): float rounding can put an instant a hair before midnight into sample 288.
  const k = Math.min(TRACE_SAMPLES_PER_DAY - 1, Math.floor(intoDay / TRACE_SAMPLE_SECONDS));
  return { days, k, intoSampleSec: intoDay - k * TRACE_SAMPLE_SECONDS };
}

/** The trace's utilisation fraction (0..1) at t, Unix seconds. */
export function traceCpu({ traces, index }: TraceRef, tSec: number): number {
  return traces.samples[index * TRACE_SAMPLES_PER_DAY + locate(tSec).k] as number;
}

/** ∫₀ᵗ traceCpu, utilisation-seconds since the epoch: exact, since the load is constant within each sample. */
export function traceCpuIntegral({ traces, index }: TraceRef, tSec: number): number {
  const { days, k, intoSampleSec } = locate(tSec);
  const c = index * (TRACE_SAMPLES_PER_DAY + 1);
  const perDay = traces.cumulative[c + TRACE_SAMPLES_PER_DAY] as number;
  return (
    days * perDay +
    (traces.cumulative[c + k] as number) +
    intoSampleSec * (traces.samples[index * TRACE_SAMPLES_PER_DAY + k] as number)
  );
}

/** The trace's mean utilisation over its day. */
export function traceMeanCpu({ traces, index }: TraceRef): number {
  return (
    (traces.cumulative[index * (TRACE_SAMPLES_PER_DAY + 1) + TRACE_SAMPLES_PER_DAY] as number) / DAY_SECONDS
  );
}

/**
 * Trace indices for `count` instances: a seeded shuffle of the day's traces, cycled when there are more instances
 * than traces, so every trace is used before any repeats and a seed always gives the same assignment.
 */
export function assignTraces(count: number, traceCount: number, seed: number): Uint32Array {
  if (traceCount <= 0) throw new RangeError('no traces to assign');
  const order = new Uint32Array(traceCount);
  for (let i = 0; i < traceCount; i++) order[i] = i;
  // Its own stream (seed mixed with a constant): the cluster's placement draws stay those of the other patterns.
  const rng = createRandom((seed ^ 0x9e3779b9) >>> 0);
  for (let i = traceCount - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  const out = new Uint32Array(count);
  for (let n = 0; n < count; n++) out[n] = order[n % traceCount] as number;
  return out;
}
