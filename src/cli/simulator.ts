/** `steward simulator`: its options and help; what it runs lives in simulator-run.ts, loaded only when it runs. */
import { Option, type Command } from 'commander';
import {
  DEFAULT_BANDWIDTH_MB_PER_S,
  DEFAULT_HOST_LABEL,
  DEFAULT_PORT,
  LOAD_PATTERNS,
} from '../simulator/defaults.js';
import type { SimulatorCommandOptions } from './simulator-run.js';

export function registerSimulatorCommand(program: Command): void {
  program
    .command('simulator')
    .description(
      'Run the simulated OpenStack cloud (Keystone, Nova, Placement, Cinder, Glance, Prometheus) on one port',
    )
    .option('--port <port>', 'port on 127.0.0.1; 0 picks a free one', String(DEFAULT_PORT))
    .option('--hosts <n>', 'compute hosts (default 16)')
    .option('--instances <n>', 'instances (default 7.5 per host; 120 for 16 hosts)')
    .option('--seed <n>', 'seed of placement, loads and trace assignment (default 42)')
    .option(
      '--scenario <file>',
      'build the cloud from a scenario JSON file (data/scenarios) instead of a seed',
    )
    .addOption(
      new Option(
        '--load-pattern <pattern>',
        'instance CPU load (default diurnal; planetlab with --planetlab)',
      ).choices(LOAD_PATTERNS),
    )
    .option(
      '--planetlab <path>',
      "PlanetLab traces: a day's folder of per-VM files or its CSV (implies --load-pattern planetlab)",
    )
    .option('--host-label <label>', 'label naming the host on node_exporter series', DEFAULT_HOST_LABEL)
    .option(
      '--bandwidth <MB/s>',
      'live-migration bandwidth (moves take memory / bandwidth of simulated time)',
      String(DEFAULT_BANDWIDTH_MB_PER_S),
    )
    .option(
      '--bus <url>',
      'where Nova notifications go: memory:// (dropped) or amqp://user:pass@host:5672/vhost',
      'memory://',
    )
    .option('--speed <factor>', 'simulated seconds per real second', '1')
    .option('--start <time>', 'simulated time at start (ISO 8601; default now)')
    .action(async (options: SimulatorCommandOptions) => {
      // Loaded when the command runs: the simulated cloud is most of the code, and other commands start faster without it.
      const { runSimulator } = await import('./simulator-run.js');
      await runSimulator(options);
    });
}
