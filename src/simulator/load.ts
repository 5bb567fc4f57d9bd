/**
 * The simulated load: an instance's CPU is a mean plus sinusoids (24 h, and for `noisy` 1 h and 15 min) or a
 * piecewise-constant PlanetLab trace, its RAM a fraction with a small diurnal wave; a host's load is its background
 * plus its current instances. Every period divides a day, so every load repeats daily.
 */
import { instancesOnHost, type ClusterState, type SimHost, type SimInstance } from './cluster.js';
import { traceCpu, traceCpuIntegral } from './planetlab.js';

export const DAY_SECONDS = 86_400;
/** The CPU waves' periods (each divides a day) and how an instance's phase is scaled for each. */
export const WAVES: readonly (readonly [periodSeconds: number, phaseFactor: number])[] = [
  [DAY_SECONDS, 1],
  [3600, 3],
  [900, 7],
];
/** Amplitude of the diurnal RAM wave, as a fraction of the flavor's RAM; instances without a CPU wave have none. */
export const RAM_WAVE = 0.05;

/** The instance's CPU waves (amplitude, period, phase), in the order of WAVES. */
export function instanceWaves(i: SimInstance): [amp: number, period: number, phase: number][] {
  const amp = Math.min(i.cpuAmp, i.cpuMean * 0.8);
  return [
    [amp, WAVES[0]![0], i.phase],
    [Math.min(i.noise[0], i.cpuMean * 0.1), WAVES[1]![0], i.phase * WAVES[1]![1]],
    [Math.min(i.noise[1], i.cpuMean * 0.1), WAVES[2]![0], i.phase * WAVES[2]![1]],
  ];
}

/** Utilisation of the instance's vcpus (0..1) at time t seconds. */
export function instanceCpu(i: SimInstance, t: number): number {
  if (i.vmState !== 'active') return 0;
  if (i.trace) return traceCpu(i.trace, t);
  let u = i.cpuMean;
  for (const [a, p, ph] of instanceWaves(i)) u += a * Math.sin((2 * Math.PI * t) / p + ph);
  return u;
}

/** ∫₀ᵗ instanceCpu, in vcpu-utilisation seconds. */
export function instanceCpuIntegral(i: SimInstance, t: number): number {
  if (i.vmState !== 'active') return 0;
  if (i.trace) return traceCpuIntegral(i.trace, t);
  let v = i.cpuMean * t;
  for (const [a, p, ph] of instanceWaves(i))
    v += ((a * p) / (2 * Math.PI)) * (Math.cos(ph) - Math.cos((2 * Math.PI * t) / p + ph));
  return v;
}

/** Whether the instance's RAM follows the diurnal wave (it does when its CPU has one). */
export const hasRamWave = (i: SimInstance): boolean => i.cpuAmp > 0;

export function instanceRamMb(i: SimInstance, t: number): number {
  if (i.vmState !== 'active') return 0;
  return (
    i.flavor.ramMb *
    Math.min(
      1,
      Math.max(
        0,
        i.ramFraction +
          RAM_WAVE * Math.sin((2 * Math.PI * t) / DAY_SECONDS + i.phase) * (hasRamWave(i) ? 1 : 0),
      ),
    )
  );
}

/** Host CPU busy fraction over all cores at t. */
export function hostCpu(state: ClusterState, host: SimHost, t: number): number {
  let cores = 0;
  for (const i of instancesOnHost(state, host.hostname)) cores += i.flavor.vcpus * instanceCpu(i, t);
  return host.baseCpu + cores / host.vcpus;
}

/** Busy cores averaged over the window ending at t: what `uptime` shows as load average on an idle-I/O host. */
export function hostLoadAverage(
  state: ClusterState,
  host: SimHost,
  t: number,
  windowSeconds: number,
): number {
  const busy = hostBusyIntegral(state, host, t) - hostBusyIntegral(state, host, t - windowSeconds);
  return (busy / windowSeconds) * host.vcpus;
}

/** ∫₀ᵗ hostCpu, in busy-fraction seconds. */
export function hostBusyIntegral(state: ClusterState, host: SimHost, t: number): number {
  let coreSeconds = 0;
  for (const i of instancesOnHost(state, host.hostname))
    coreSeconds += i.flavor.vcpus * instanceCpuIntegral(i, t);
  return host.baseCpu * t + coreSeconds / host.vcpus;
}

export function hostRamUsedMb(state: ClusterState, host: SimHost, t: number): number {
  let mb = host.baseRamMb;
  for (const i of instancesOnHost(state, host.hostname)) mb += instanceRamMb(i, t);
  return mb;
}
