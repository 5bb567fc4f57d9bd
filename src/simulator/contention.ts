/**
 * CPU contention: a host serves at most its physical cores (`SimHost.vcpus`, what Nova reports before the allocation
 * ratio). While the demand d = background + Σ instance vCPUs × u fits, every instance gets what it asks for; past
 * it, the hypervisor's scheduler shares the cores in proportion to demand, so each instance is served
 *
 *   served = u · f,   f = min(1, 1 / b),   b = d / cores (the host's demanded busy fraction, hostCpu)
 *
 * and the rest, u · (1 − f), is time its vCPUs were runnable but not running: the steal its guest sees. One hungry
 * instance therefore raises every neighbour's steal, and moving it away lowers it again.
 *
 * Counters need ∫ u·(1 − f), which has no closed form once f varies. A host whose demand can never exceed its cores
 * (bounded by its flat part plus every wave's amplitude, or its traces' peaks) steals nothing; a constant load has
 * the closed form; any other host gets one day's table of cumulative stolen time per instance, on the same cells as
 * the pressure tables (pressure.ts): 30 s midpoints for sinusoids, 300 s samples (exact) for PlanetLab traces.
 */
import { instancesOnHost, type ClusterState, type SimHost, type SimInstance } from './cluster.js';
import { DAY_SECONDS, hostCpu, instanceCpu, instanceWaves } from './load.js';
import { TRACE_SAMPLE_SECONDS, TRACE_SAMPLES_PER_DAY } from './planetlab.js';
import { SMOOTH_CELL_SECONDS, waveTables, type WaveTable } from './pressure.js';

/** The share of its demand the host serves at t (1 while the demand fits its cores). */
export function servedShare(state: ClusterState, host: SimHost, t: number): number {
  return 1 / Math.max(1, hostCpu(state, host, t));
}

/** Integrals since the epoch of what contention takes, for one host with its load as it is now. */
export interface HostContention {
  /** ∫ max(0, b − 1): the demanded busy fraction the cores could not serve. */
  excess(t: number): number;
  /** ∫ (1 − f): the share of every instance's demand that waited. */
  stolenShare(t: number): number;
  /** ∫ u · (1 − f) for an instance on this host, in vCPU-utilisation seconds (per vCPU). */
  stolen(instance: SimInstance, t: number): number;
}

const NONE: HostContention = { excess: () => 0, stolenShare: () => 0, stolen: () => 0 };

const active = (state: ClusterState, host: SimHost): SimInstance[] =>
  instancesOnHost(state, host.hostname).filter((i) => i.vmState === 'active');

/** The most the host's demanded busy fraction can reach over a day. */
function peakBusy(host: SimHost, instances: readonly SimInstance[]): number {
  let peak = host.baseCpu;
  for (const i of instances) {
    const weight = i.flavor.vcpus / host.vcpus;
    if (i.trace) {
      const { samples } = i.trace.traces;
      const first = i.trace.index * TRACE_SAMPLES_PER_DAY;
      let max = 0;
      for (let s = 0; s < TRACE_SAMPLES_PER_DAY; s++) max = Math.max(max, samples[first + s]!);
      peak += weight * max;
    } else {
      peak += weight * (i.cpuMean + instanceWaves(i).reduce((sum, [amp]) => sum + Math.abs(amp), 0));
    }
  }
  return peak;
}

const isConstant = (i: SimInstance): boolean => !i.trace && instanceWaves(i).every(([amp]) => amp === 0);

interface ContentionTable {
  cellSeconds: number;
  excess: Float64Array;
  stolenShare: Float64Array;
  stolen: Map<string, Float64Array>;
}

/** ∫ from the epoch to t of a day-periodic rate tabulated as cumulative values at cell boundaries. */
function cumulativeAt(cumulative: Float64Array, cellSeconds: number, t: number): number {
  const cells = cumulative.length - 1;
  const days = Math.floor(t / DAY_SECONDS);
  const intoDay = t - days * DAY_SECONDS;
  const k = Math.min(cells - 1, Math.floor(intoDay / cellSeconds));
  const start = cumulative[k]!;
  const cell = cumulative[k + 1]! - start;
  return (
    days * cumulative[cells]! + start + Math.min(cell, ((intoDay - k * cellSeconds) / cellSeconds) * cell)
  );
}

function buildTable(host: SimHost, instances: readonly SimInstance[]): ContentionTable {
  const cellSeconds = instances.every((i) => i.trace || isConstant(i))
    ? TRACE_SAMPLE_SECONDS
    : SMOOTH_CELL_SECONDS;
  const cells = DAY_SECONDS / cellSeconds;
  const count = instances.length;
  const excess = new Float64Array(cells + 1);
  const stolenShare = new Float64Array(cells + 1);
  const stolen = instances.map(() => new Float64Array(cells + 1));
  // Sinusoids per cell from the shared sin/cos tables: sin(ωt + φ) = sin ωt · cos φ + cos ωt · sin φ (3 waves each).
  const sinCoef = new Float64Array(count * 3);
  const cosCoef = new Float64Array(count * 3);
  const smooth = cellSeconds === SMOOTH_CELL_SECONDS;
  instances.forEach((i, n) => {
    if (i.trace || !smooth) return;
    instanceWaves(i).forEach(([amp, , phase], w) => {
      sinCoef[n * 3 + w] = amp * Math.cos(phase);
      cosCoef[n * 3 + w] = amp * Math.sin(phase);
    });
  });
  const [day, hour, quarter] = waveTables as [WaveTable, WaveTable, WaveTable];
  const u = new Float64Array(count);
  for (let k = 0; k < cells; k++) {
    // Traces are constant within a sample, so the midpoint is exact for them.
    const t = (k + 0.5) * cellSeconds;
    let busy = host.baseCpu;
    for (let n = 0; n < count; n++) {
      const i = instances[n]!;
      let load: number;
      if (i.trace || !smooth) load = instanceCpu(i, t);
      else {
        const c = n * 3;
        load =
          i.cpuMean +
          sinCoef[c]! * day.sin[k]! +
          cosCoef[c]! * day.cos[k]! +
          sinCoef[c + 1]! * hour.sin[k]! +
          cosCoef[c + 1]! * hour.cos[k]! +
          sinCoef[c + 2]! * quarter.sin[k]! +
          cosCoef[c + 2]! * quarter.cos[k]!;
      }
      u[n] = load;
      busy += (i.flavor.vcpus * load) / host.vcpus;
    }
    const unserved = busy > 1 ? 1 - 1 / busy : 0;
    excess[k + 1] = excess[k]! + Math.max(0, busy - 1) * cellSeconds;
    stolenShare[k + 1] = stolenShare[k]! + unserved * cellSeconds;
    for (let n = 0; n < count; n++) {
      const table = stolen[n]!;
      table[k + 1] = table[k]! + u[n]! * unserved * cellSeconds;
    }
  }
  return {
    cellSeconds,
    excess,
    stolenShare,
    stolen: new Map(instances.map((i, n) => [i.id, stolen[n]!])),
  };
}

/** What a table depends on; it is rebuilt when any of these change (a move, stop, resize or new load). */
function fingerprint(host: SimHost, instances: readonly SimInstance[]): string {
  return [
    host.vcpus,
    host.baseCpu,
    ...instances.map((i) =>
      [i.id, i.flavor.vcpus, i.cpuMean, i.cpuAmp, i.phase, ...i.noise, i.trace?.index ?? -1].join(':'),
    ),
  ].join('|');
}

const tables = new WeakMap<SimHost, { key: string; table: ContentionTable }>();

/**
 * The host's contention integrals. Call it once per query: it reads the host's load then, and the functions it
 * returns assume the load stays as it was (as it does within one query).
 */
export function hostContention(state: ClusterState, host: SimHost): HostContention {
  const instances = active(state, host);
  if (peakBusy(host, instances) <= 1) return NONE;
  if (instances.every(isConstant)) {
    const busy =
      host.baseCpu + instances.reduce((sum, i) => sum + i.flavor.vcpus * i.cpuMean, 0) / host.vcpus;
    if (busy <= 1) return NONE;
    const unserved = 1 - 1 / busy;
    return {
      excess: (t) => (busy - 1) * t,
      stolenShare: (t) => unserved * t,
      stolen: (i, t) => (i.vmState === 'active' ? i.cpuMean * unserved * t : 0),
    };
  }
  const key = fingerprint(host, instances);
  let cached = tables.get(host);
  if (cached?.key !== key) tables.set(host, (cached = { key, table: buildTable(host, instances) }));
  const { cellSeconds, excess, stolenShare, stolen } = cached.table;
  return {
    excess: (t) => cumulativeAt(excess, cellSeconds, t),
    stolenShare: (t) => cumulativeAt(stolenShare, cellSeconds, t),
    stolen: (i, t) => {
      const table = stolen.get(i.id);
      return table ? cumulativeAt(table, cellSeconds, t) : 0;
    },
  };
}

/** The contention of the host an instance runs on, or none for an instance on no known host. */
export function contentionOf(state: ClusterState, instance: SimInstance): HostContention {
  const host = instance.host ? state.hostsByName.get(instance.host) : undefined;
  return host ? hostContention(state, host) : NONE;
}
