/** Nova-style weighers: each scores a host in [0, 1] (higher is better) and is multiplied by its weight. */
import type { ClusterState, SimFlavor, SimHost } from '../cluster.js';
import { usedOn } from '../cluster.js';

export interface Weigher {
  name: string;
  multiplier: number;
  weigh(state: ClusterState, host: SimHost, flavor: SimFlavor): number;
}

// Like Nova's RAM/CPU weighers: free capacity in absolute units, normalised by the largest host.
const largest = (s: ClusterState, f: (h: SimHost) => number): number =>
  s.hosts.reduce((m, h) => Math.max(m, f(h)), 1);
export const ramSpread: Weigher = {
  name: 'ram',
  multiplier: 1,
  weigh: (s, h) =>
    (h.memoryMb * h.memoryRatio - usedOn(s, h.hostname).ramMb) /
    largest(s, (x) => x.memoryMb * x.memoryRatio),
};
export const cpuSpread: Weigher = {
  name: 'cpu',
  multiplier: 1,
  weigh: (s, h) =>
    (h.vcpus * h.vcpuRatio - usedOn(s, h.hostname).vcpus) / largest(s, (x) => x.vcpus * x.vcpuRatio),
};

/** flavor `trait:X=preferred` draws, `trait:X=avoided` repels. */
export const traitPreference: Weigher = {
  name: 'trait-preference',
  multiplier: 4,
  weigh: (_s, h, f) => {
    let score = 0.5;
    for (const [k, v] of Object.entries(f.extraSpecs)) {
      if (!k.startsWith('trait:')) continue;
      const has = h.traits.includes(k.slice(6));
      if (v === 'preferred' && has) score += 0.25;
      if (v === 'avoided' && has) score -= 0.25;
    }
    return Math.min(1, Math.max(0, score));
  },
};

const PRESSURE = ['PRESSURE_CPU', 'PRESSURE_MEMORY', 'PRESSURE_DISK'];
export const pressureAvoiding: Weigher = {
  name: 'pressure',
  multiplier: 3,
  weigh: (_s, h) => 1 - h.traits.filter((t) => PRESSURE.includes(t)).length / PRESSURE.length,
};

/** A "boring" host has no custom traits and sits in no aggregate: prefer it so special hosts stay free. */
export const boringHost: Weigher = {
  name: 'boring',
  multiplier: 0.5,
  weigh: (s, h) =>
    h.traits.some((t) => t.startsWith('CUSTOM_')) || s.aggregates.some((a) => a.hosts.includes(h.hostname))
      ? 0
      : 1,
};

export const DEFAULT_WEIGHERS: Weigher[] = [
  ramSpread,
  cpuSpread,
  traitPreference,
  pressureAvoiding,
  boringHost,
];
