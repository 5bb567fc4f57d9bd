/** Options of `steward simulator` with their defaults. */
import type { ClusterConfig } from './cluster.js';

export interface SimulatorCliOptions { hosts?: number; instances?: number; seed?: number; scenario?: string; hostLabel?: string; bandwidthMbPerS?: number; loadPattern?: string; port?: number }

/** Default cluster: 16 hosts, 120 instances, diurnal load, seed 42. */
export const DEFAULT_CLUSTER: ClusterConfig = { hosts: 16, instances: 120, loadPattern: 'diurnal', seed: 42, azs: ['nova'] };
/** Live migration moves this many MB of guest memory per second (1 GiB/s, a 10 GbE link). */
export const DEFAULT_BANDWIDTH_MB_PER_S = 1024;
export const DEFAULT_HOST_LABEL = 'fqdn';
export const DEFAULT_PORT = 8774;

export function resolveSimulatorOptions(cli: SimulatorCliOptions): { cluster: ClusterConfig | { scenarioFile: string }; hostLabel: string; migrationBandwidthMbPerS: number; port: number } {
  const pattern = cli.loadPattern ?? DEFAULT_CLUSTER.loadPattern;
  if (pattern !== 'diurnal' && pattern !== 'flat' && pattern !== 'noisy') throw new RangeError(`unknown load pattern ${pattern} (diurnal, flat, noisy)`);
  return {
    cluster: cli.scenario ? { scenarioFile: cli.scenario } : { ...DEFAULT_CLUSTER, hosts: cli.hosts ?? DEFAULT_CLUSTER.hosts, instances: cli.instances ?? (cli.hosts ? cli.hosts * 7.5 : DEFAULT_CLUSTER.instances), seed: cli.seed ?? 42, loadPattern: pattern },
    hostLabel: cli.hostLabel ?? DEFAULT_HOST_LABEL,
    migrationBandwidthMbPerS: cli.bandwidthMbPerS ?? DEFAULT_BANDWIDTH_MB_PER_S,
    port: cli.port ?? DEFAULT_PORT,
  };
}
