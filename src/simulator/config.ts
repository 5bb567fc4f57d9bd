/** Options of `steward simulator` with their defaults. */
import { invalid } from '../errors.js';
import type { ClusterConfig, LoadPattern } from './cluster.js';
import { DEFAULT_BANDWIDTH_MB_PER_S, DEFAULT_HOST_LABEL, DEFAULT_PORT, LOAD_PATTERNS } from './defaults.js';

export interface SimulatorCliOptions {
  hosts?: number;
  instances?: number;
  seed?: number;
  scenario?: string;
  hostLabel?: string;
  bandwidthMbPerS?: number;
  loadPattern?: string;
  /** A day's folder of PlanetLab traces or its CSV; implies loadPattern 'planetlab'. */
  planetlab?: string;
  port?: number;
}

/** Default cluster: 16 hosts, 120 instances, diurnal load, seed 42. */
export const DEFAULT_CLUSTER: ClusterConfig = {
  hosts: 16,
  instances: 120,
  loadPattern: 'diurnal',
  seed: 42,
  azs: ['nova'],
};
/** Live migration moves this many MB of guest memory per second (1 GiB/s, a 10 GbE link). */

const isLoadPattern = (p: string): p is LoadPattern => (LOAD_PATTERNS as readonly string[]).includes(p);

export function resolveSimulatorOptions(cli: SimulatorCliOptions): {
  cluster: ClusterConfig | { scenarioFile: string };
  hostLabel: string;
  migrationBandwidthMbPerS: number;
  port: number;
} {
  const pattern =
    cli.loadPattern ??
    (cli.planetlab !== undefined ? 'planetlab' : (DEFAULT_CLUSTER.loadPattern ?? 'diurnal'));
  if (!isLoadPattern(pattern))
    throw invalid(`unknown load pattern ${pattern}; use one of ${LOAD_PATTERNS.join(', ')}`);
  if (pattern === 'planetlab' && cli.planetlab === undefined)
    throw invalid(
      "load pattern 'planetlab' needs the traces: --planetlab <a day's folder or CSV>, e.g. data/planetlab/20110303",
    );
  if (cli.planetlab !== undefined && pattern !== 'planetlab')
    throw invalid(`--planetlab gives traces but the load pattern is ${pattern}; drop one of them`);
  if (cli.scenario && cli.planetlab !== undefined)
    throw invalid(
      'a scenario brings its own flat loads; give either a scenario or PlanetLab traces, not both',
    );
  const hosts = cli.hosts ?? DEFAULT_CLUSTER.hosts;
  return {
    cluster: cli.scenario
      ? { scenarioFile: cli.scenario }
      : {
          ...DEFAULT_CLUSTER,
          hosts,
          instances: cli.instances ?? (cli.hosts ? Math.round(cli.hosts * 7.5) : DEFAULT_CLUSTER.instances),
          seed: cli.seed ?? 42,
          loadPattern: pattern,
          ...(cli.planetlab !== undefined && { planetlab: { path: cli.planetlab } }),
        },
    hostLabel: cli.hostLabel ?? DEFAULT_HOST_LABEL,
    migrationBandwidthMbPerS: cli.bandwidthMbPerS ?? DEFAULT_BANDWIDTH_MB_PER_S,
    port: cli.port ?? DEFAULT_PORT,
  };
}
