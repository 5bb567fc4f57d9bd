/**
 * PSI pressure stall counters (`node_pressure_*_waiting_seconds_total`). Each pressure is a function of the host's
 * instantaneous load, and its counter is the integral of that pressure since the epoch, so `rate()` over any window
 * is the window's mean pressure and the counter never decreases:
 *
 *   cpu     p(t) = 0.5 · max(0, b(t) − 0.7)   b: busy fraction of all cores
 *   memory  p(t) = max(0, m(t) − 0.85)        m: used RAM / total RAM
 *   io      p(t) = 0.01 · b(t)                linear, so the busy integral gives it in closed form
 *
 * The max() has no closed-form integral unless the load is constant. Every load repeats daily (sinusoids of
 * 24 h, 1 h and 15 min; PlanetLab days), so a varying host gets one day's table of cumulative pressure on a grid
 * of absolute cells: 300 s cells for piecewise-constant traces, whose integral is then exact, and 30 s cells for
 * sinusoids, each taking its midpoint's pressure (the midpoint rule). Inside a cell the counter grows linearly, so
 * it is monotone and the same at an instant whichever query (instant, range, subquery) asks.
 */
import { instancesOnHost, type ClusterState, type SimHost, type SimInstance } from './cluster.js';
import {
  DAY_SECONDS,
  RAM_WAVE,
  WAVES,
  hasRamWave,
  hostBusyIntegral,
  hostCpu,
  hostRamUsedMb,
  instanceWaves,
} from './load.js';
import { TRACE_SAMPLE_SECONDS, TRACE_SAMPLES_PER_DAY } from './planetlab.js';

export type PressureResource = 'cpu' | 'memory' | 'io';

const CPU_THRESHOLD = 0.7;
const CPU_SCALE = 0.5;
const MEMORY_THRESHOLD = 0.85;
const IO_SCALE = 0.01;
/** Cells of the numerical integral of sinusoidal loads; they nest in the 300 s trace samples. */
export const SMOOTH_CELL_SECONDS = 30;
// Cumulative values are rounded to multiples of 2⁻²⁰ s, so `days × perDay + cumulative` is exact in a double and
// the counter cannot step back by an ulp at midnight (for days × perDay below 2³³ s).
const QUANTUM = 2 ** 20;

const cpuPressure = (busy: number): number => CPU_SCALE * Math.max(0, busy - CPU_THRESHOLD);
const memoryPressure = (usedFraction: number): number => Math.max(0, usedFraction - MEMORY_THRESHOLD);

/** The host's instantaneous pressure (fraction of time some task stalls) at t. */
export function hostPressure(
  state: ClusterState,
  host: SimHost,
  resource: PressureResource,
  t: number,
): number {
  switch (resource) {
    case 'cpu':
      return cpuPressure(hostCpu(state, host, t));
    case 'memory':
      return memoryPressure(hostRamUsedMb(state, host, t) / host.memoryMb);
    case 'io':
      return IO_SCALE * hostCpu(state, host, t);
  }
}

/** One day of cumulative pressure at cell boundaries: `cumulative[k]` is the integral over [0, k·cellSeconds). */
interface DayTable {
  cellSeconds: number;
  cumulative: Float64Array;
}

/** sin and cos of each CPU wave (and the diurnal RAM wave, the first) at the midpoints of a day's 30 s cells. */
export interface WaveTable {
  sin: Float64Array;
  cos: Float64Array;
}
export const waveTables: WaveTable[] = WAVES.map(([period]) => {
  const cells = DAY_SECONDS / SMOOTH_CELL_SECONDS;
  const sin = new Float64Array(cells);
  const cos = new Float64Array(cells);
  for (let k = 0; k < cells; k++) {
    const angle = (2 * Math.PI * (k + 0.5) * SMOOTH_CELL_SECONDS) / period;
    sin[k] = Math.sin(angle);
    cos[k] = Math.cos(angle);
  }
  return { sin, cos };
});

const active = (state: ClusterState, host: SimHost): SimInstance[] =>
  instancesOnHost(state, host.hostname).filter((i) => i.vmState === 'active');
const hasCpuWave = (i: SimInstance): boolean => !i.trace && instanceWaves(i).some(([amp]) => amp !== 0);

/** A running integral rounded to the quantum, so whole days add up exactly. */
const quantize = (sum: number): number => Math.round(sum * QUANTUM) / QUANTUM;

/** CPU pressure per cell from the busy fraction: background, flat means, traces, and the waves summed per period. */
function cpuTable(instances: SimInstance[], host: SimHost, cellSeconds: number): DayTable {
  // sin(ωt + φ) = sin ωt · cos φ + cos ωt · sin φ: a host's waves of one period add up to one sin and one cos term.
  const sinCoef = [0, 0, 0];
  const cosCoef = [0, 0, 0];
  const tracePerSample = new Float64Array(TRACE_SAMPLES_PER_DAY);
  let flat = host.baseCpu;
  for (const i of instances) {
    const weight = i.flavor.vcpus / host.vcpus;
    if (i.trace) {
      const { samples: trace } = i.trace.traces;
      const first = i.trace.index * TRACE_SAMPLES_PER_DAY;
      for (let s = 0; s < TRACE_SAMPLES_PER_DAY; s++) tracePerSample[s]! += weight * trace[first + s]!;
      continue;
    }
    flat += weight * i.cpuMean;
    instanceWaves(i).forEach(([amp, , phase], w) => {
      sinCoef[w]! += weight * amp * Math.cos(phase);
      cosCoef[w]! += weight * amp * Math.sin(phase);
    });
  }
  const cells = DAY_SECONDS / cellSeconds;
  const cumulative = new Float64Array(cells + 1);
  let sum = 0;
  if (cellSeconds === TRACE_SAMPLE_SECONDS) {
    for (let k = 0; k < cells; k++)
      cumulative[k + 1] = quantize((sum += cpuPressure(flat + tracePerSample[k]!) * cellSeconds));
    return { cellSeconds, cumulative };
  }
  const cellsPerSample = TRACE_SAMPLE_SECONDS / cellSeconds;
  const [day, hour, quarter] = waveTables as [WaveTable, WaveTable, WaveTable];
  const [s0, s1, s2] = sinCoef as [number, number, number];
  const [c0, c1, c2] = cosCoef as [number, number, number];
  for (let k = 0; k < cells; k++) {
    const busy =
      flat +
      tracePerSample[(k / cellsPerSample) | 0]! +
      s0 * day.sin[k]! +
      c0 * day.cos[k]! +
      s1 * hour.sin[k]! +
      c1 * hour.cos[k]! +
      s2 * quarter.sin[k]! +
      c2 * quarter.cos[k]!;
    cumulative[k + 1] = quantize((sum += cpuPressure(busy) * cellSeconds));
  }
  return { cellSeconds, cumulative };
}

/** Memory pressure per 30 s cell from used RAM / total; a wave that may hit the 0..1 clamp is evaluated per cell. */
function memoryTable(instances: SimInstance[], host: SimHost): DayTable {
  const { sin, cos } = waveTables[0]!;
  let flatMb = host.baseRamMb;
  let sinCoef = 0;
  let cosCoef = 0;
  const clamped: SimInstance[] = [];
  for (const i of instances) {
    if (!hasRamWave(i)) flatMb += i.flavor.ramMb * Math.min(1, Math.max(0, i.ramFraction));
    else if (i.ramFraction - RAM_WAVE < 0 || i.ramFraction + RAM_WAVE > 1) clamped.push(i);
    else {
      flatMb += i.flavor.ramMb * i.ramFraction;
      sinCoef += i.flavor.ramMb * RAM_WAVE * Math.cos(i.phase);
      cosCoef += i.flavor.ramMb * RAM_WAVE * Math.sin(i.phase);
    }
  }
  const cumulative = new Float64Array(sin.length + 1);
  let sum = 0;
  for (let k = 0; k < sin.length; k++) {
    let mb = flatMb + sinCoef * sin[k]! + cosCoef * cos[k]!;
    for (const i of clamped)
      mb +=
        i.flavor.ramMb *
        Math.min(
          1,
          Math.max(0, i.ramFraction + RAM_WAVE * (sin[k]! * Math.cos(i.phase) + cos[k]! * Math.sin(i.phase))),
        );
    cumulative[k + 1] = quantize((sum += memoryPressure(mb / host.memoryMb) * SMOOTH_CELL_SECONDS));
  }
  return { cellSeconds: SMOOTH_CELL_SECONDS, cumulative };
}

/** ∫ pressure from the epoch to t: whole days, whole cells, then the current cell's share at its own rate. */
function tableCounter({ cellSeconds, cumulative }: DayTable, t: number): number {
  const cells = cumulative.length - 1;
  const days = Math.floor(t / DAY_SECONDS);
  const intoDay = t - days * DAY_SECONDS;
  // min(): float rounding can put an instant a hair before midnight past the last cell.
  const k = Math.min(cells - 1, Math.floor(intoDay / cellSeconds));
  const start = cumulative[k]!;
  const cell = cumulative[k + 1]! - start;
  const partial = Math.min(cell, ((intoDay - k * cellSeconds) / cellSeconds) * cell);
  return days * cumulative[cells]! + start + partial;
}

/**
 * What a day table depends on, as numbers compared on each use: the table is rebuilt when an instance moves,
 * stops, resizes or changes load, whether or not the change went through invalidatePlacement.
 */
function fingerprint(host: SimHost, instances: SimInstance[], resource: 'cpu' | 'memory'): Float64Array {
  const perInstance = resource === 'cpu' ? 7 : 4;
  const out = new Float64Array(2 + perInstance * instances.length);
  out[0] = resource === 'cpu' ? host.vcpus : host.memoryMb;
  out[1] = resource === 'cpu' ? host.baseCpu : host.baseRamMb;
  instances.forEach((i, n) => {
    const at = 2 + perInstance * n;
    if (resource === 'cpu')
      out.set(
        [i.flavor.vcpus, i.cpuMean, i.cpuAmp, i.phase, i.noise[0], i.noise[1], i.trace ? i.trace.index : -1],
        at,
      );
    else out.set([i.flavor.ramMb, i.ramFraction, i.phase, hasRamWave(i) ? 1 : 0], at);
  });
  return out;
}

const sameNumbers = (a: Float64Array, b: Float64Array): boolean =>
  a.length === b.length && a.every((x, k) => Object.is(x, b[k]));

const tables = new WeakMap<
  SimHost,
  Partial<Record<'cpu' | 'memory', { key: Float64Array; table: DayTable | null }>>
>();

/** The host's day table for cpu or memory pressure, or null when its load is constant (closed form then). */
function cachedTable(state: ClusterState, host: SimHost, resource: 'cpu' | 'memory'): DayTable | null {
  const instances = active(state, host);
  const key = fingerprint(host, instances, resource);
  let perHost = tables.get(host);
  if (!perHost) tables.set(host, (perHost = {}));
  const cached = perHost[resource];
  if (cached && sameNumbers(cached.key, key)) return cached.table;
  let table: DayTable | null = null;
  if (resource === 'cpu') {
    const cellSeconds = instances.some(hasCpuWave)
      ? SMOOTH_CELL_SECONDS
      : instances.some((i) => i.trace)
        ? TRACE_SAMPLE_SECONDS
        : 0;
    if (cellSeconds > 0) table = cpuTable(instances, host, cellSeconds);
  } else if (instances.some(hasRamWave)) {
    table = memoryTable(instances, host);
  }
  perHost[resource] = { key, table };
  return table;
}

/**
 * The host's pressure counter as a function of time. Call it once per query: it checks the host's load then, and
 * the returned function assumes the load stays as it was (as it does within one query).
 */
export function pressureCounter(
  state: ClusterState,
  host: SimHost,
  resource: PressureResource,
): (t: number) => number {
  if (resource === 'io') return (t) => IO_SCALE * hostBusyIntegral(state, host, t);
  const table = cachedTable(state, host, resource);
  if (table) return (t) => tableCounter(table, t);
  // A constant load: p·t, written as it always was so flat clouds and scenarios keep their exact values.
  if (resource === 'cpu')
    return (t) => Math.max(0, hostBusyIntegral(state, host, t) - CPU_THRESHOLD * t) * CPU_SCALE;
  return (t) => Math.max(0, hostRamUsedMb(state, host, t) / host.memoryMb - MEMORY_THRESHOLD) * t;
}
