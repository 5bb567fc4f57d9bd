/**
 * `steward simulator`: the simulated cloud (Keystone, Nova, Placement, Cinder, Glance, Prometheus) on its own, for the
 * `openstack` client, a Steward in another process or a demo, until SIGINT/SIGTERM.
 *
 * It is a second composition root beside compose.ts (which builds Steward, not the cloud it manages), so it
 * constructs its own bus and clock here.
 */
import type { Bus } from '../bus/bus.js';
import { AmqpBus } from '../bus/amqp-bus.js';
import { InProcessBus } from '../bus/in-process-bus.js';
import { isStewardError } from '../errors.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { createLogger } from '../observability/logger.js';
import { resolveSimulatorOptions, type SimulatorCliOptions } from '../simulator/config.js';
import { createSimulatedCloud, type SimulatedCloud } from '../simulator/index.js';
import { ScaledClock } from '../simulator/scaled-clock.js';
import { stopOnSignals } from './signals.js';

export interface SimulatorCommandOptions {
  port: string;
  hosts?: string;
  instances?: string;
  seed?: string;
  scenario?: string;
  loadPattern?: string;
  planetlab?: string;
  hostLabel: string;
  bandwidth: string;
  bus: string;
  speed: string;
  start?: string;
}

/** Exit status for options the command refuses (commander's own usage errors exit 1). */
const EXIT_USAGE = 2;

/** Runs the simulated cloud until SIGINT/SIGTERM, or says why it cannot (exit 2 for bad options, 1 for the bus). */
export async function runSimulator(options: SimulatorCommandOptions): Promise<void> {
  const parsed = parseOptions(options);
  if ('problems' in parsed) {
    process.stderr.write(`steward simulator: ${parsed.problems.join('; ')}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  const logger = createLogger({ name: 'steward-simulator' });
  let bus: Bus;
  try {
    bus =
      options.bus === 'memory://'
        ? new InProcessBus({ logger })
        : await AmqpBus.connect({ url: options.bus, logger });
  } catch (error) {
    process.stderr.write(
      `steward simulator: cannot connect the bus ${redact(options.bus)}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
    return;
  }
  let cloud: SimulatedCloud;
  try {
    const resolved = resolveSimulatorOptions(parsed.cli);
    // Nothing may poll a simulator left running (an embedded Steward waits on notifications), so moves finish on
    // the clock by themselves, each at its own completion instant, also under --speed.
    cloud = createSimulatedCloud({
      clock: parsed.clock,
      bus,
      cluster: resolved.cluster,
      logger,
      hostLabel: resolved.hostLabel,
      migrationBandwidthMbPerS: resolved.migrationBandwidthMbPerS,
      autoSettle: 'exact',
      // As a cloud set up for Watcher is (Nova's default sends no instance.update on state changes).
      notifyOnStateChange: 'vm_and_task_state',
    });
    await cloud.listen({ host: '127.0.0.1', port: resolved.port });
  } catch (error) {
    await bus.close();
    // Bad options and unreadable files are the operator's to fix; anything else is a bug worth a stack.
    if (
      !isStewardError(error) &&
      !isFileError(error) &&
      !isListenError(error) &&
      !(error instanceof SyntaxError)
    )
      throw error;
    process.stderr.write(`steward simulator: ${(error as Error).message}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  process.stdout.write(banner(cloud, options, parsed.cli));
  stopOnSignals(logger, 'the simulated cloud', () => Promise.all([cloud.close(), bus.close()]));
}

/** Every problem with the options at once, or what they mean. */
function parseOptions(
  o: SimulatorCommandOptions,
): { problems: string[] } | { cli: SimulatorCliOptions; clock: Clock } {
  const problems: string[] = [];
  const integer = (
    name: string,
    text: string | undefined,
    min: number,
    max = Number.MAX_SAFE_INTEGER,
  ): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      problems.push(`--${name} must be an integer ${range}, got ${text}`);
    return n;
  };
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!(n > 0) || !Number.isFinite(n)) problems.push(`--${name} must be a positive number, got ${text}`);
    return n;
  };
  const port = integer('port', o.port, 0, 65_535);
  const hosts = integer('hosts', o.hosts, 1);
  const instances = integer('instances', o.instances, 0);
  const seed = integer('seed', o.seed, 0, 2 ** 32 - 1);
  const bandwidthMbPerS = positive('bandwidth', o.bandwidth);
  const speed = positive('speed', o.speed);
  const start = o.start === undefined ? undefined : new Date(o.start);
  if (start && Number.isNaN(start.getTime()))
    problems.push(`--start must be an ISO 8601 time such as 2026-01-01T00:00:00Z, got ${o.start}`);
  if (!/^(memory:\/\/|amqps?:\/\/)/.test(o.bus))
    problems.push(`--bus must be memory:// or amqp://…, got ${redact(o.bus)}`);
  if (o.scenario !== undefined && (o.hosts !== undefined || o.instances !== undefined))
    problems.push('--scenario gives the hosts and instances; drop --hosts/--instances');
  if (problems.length > 0) return { problems };
  const cli: SimulatorCliOptions = {
    ...(port !== undefined && { port }),
    ...(hosts !== undefined && { hosts }),
    ...(instances !== undefined && { instances }),
    ...(seed !== undefined && { seed }),
    ...(o.scenario !== undefined && { scenario: o.scenario }),
    ...(o.loadPattern !== undefined && { loadPattern: o.loadPattern }),
    ...(o.planetlab !== undefined && { planetlab: o.planetlab }),
    hostLabel: o.hostLabel,
    bandwidthMbPerS,
  };
  // Real time unless asked otherwise: then `now` reads as wall time in logs and the openstack client's output.
  const clock = speed === 1 && !start ? systemClock : new ScaledClock({ speed, ...(start && { start }) });
  return { cli, clock };
}

function banner(cloud: SimulatedCloud, o: SimulatorCommandOptions, cli: SimulatorCliOptions): string {
  const { urls, credentials: c, state } = cloud;
  const load = cli.scenario
    ? `scenario ${cli.scenario}`
    : cli.planetlab
      ? `PlanetLab traces ${cli.planetlab}`
      : `${cli.loadPattern ?? 'diurnal'} load`;
  return [
    '',
    `Simulated cloud is running: ${state.hosts.length} hosts, ${state.instances.size} instances, ${load}, seed ${cli.seed ?? 42}; ` +
      `time ×${o.speed}${o.start ? ` from ${o.start}` : ''}; notifications: ${redact(o.bus)}.`,
    `  Keystone (identity v3): ${urls.identity}`,
    `  Nova (compute):         ${urls.compute}`,
    `  Placement:              ${urls.placement}`,
    `  Cinder (volume v3):     ${urls.volume}/<project id>`,
    `  Glance (image v2):      ${urls.image}`,
    `  Prometheus:             ${urls.prometheus}`,
    'Admin credentials for the openstack client (member: demo/demo):',
    `export OS_AUTH_URL=${c.authUrl}`,
    `export OS_USERNAME=${c.username}`,
    `export OS_PASSWORD=${c.password}`,
    `export OS_PROJECT_NAME=${c.projectName}`,
    `export OS_USER_DOMAIN_NAME=${c.userDomainName}`,
    `export OS_PROJECT_DOMAIN_NAME=${c.projectDomainName}`,
    'export OS_IDENTITY_API_VERSION=3',
    '  then try: openstack hypervisor list; openstack server list',
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}

/** A bus URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

const isFileError = (error: unknown): boolean =>
  error instanceof Error &&
  'code' in error &&
  ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR'].includes(String(error.code));
const isListenError = (error: unknown): boolean =>
  error instanceof Error && 'code' in error && ['EADDRINUSE', 'EACCES'].includes(String(error.code));
