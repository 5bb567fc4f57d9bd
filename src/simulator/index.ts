/** The simulated OpenStack cloud: Keystone, Nova, Placement, Cinder, Glance, Ironic and Prometheus on one loopback port. */
import type { AddressInfo } from 'node:net';
import type { Clock } from '../lib/clock.js';
import type { Bus } from '../bus/bus.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import {
  addVolumes,
  buildFromConfig,
  buildFromScenario,
  type ClusterConfig,
  type ClusterState,
} from './cluster.js';
import { createSimServer, USERS } from './server.js';
import type { NotifyOnStateChange } from './nova.js';
import { Notifier } from './notifications.js';
import { DEFAULT_BANDWIDTH_MB_PER_S, DEFAULT_HOST_LABEL } from './defaults.js';
import { checkAutoSettle, startAutoSettle, type AutoSettle, type AutoSettler } from './auto-settle.js';

export type { ClusterConfig, ClusterState } from './cluster.js';
export type { AutoSettle } from './auto-settle.js';
export { resolveSimulatorOptions, DEFAULT_CLUSTER } from './config.js';

export interface SimulatedCloudOptions {
  clock: Clock;
  bus?: Bus;
  cluster: ClusterConfig | { scenarioFile: string };
  logger?: Logger;
  hostLabel?: string;
  migrationBandwidthMbPerS?: number;
  /**
   * Settle moves while listening without waiting for a request: `'exact'` sleeps on `clock` until the next move is
   * due, `{ intervalMs }` polls every so many real milliseconds. Off by default: tests drive `settle()` themselves.
   */
  autoSettle?: AutoSettle;
  /** Service types to leave out of Keystone's catalog, to play a cloud without them (e.g. `['volumev3']`). */
  catalogOmits?: readonly string[];
  /**
   * Nova's `[notifications] notify_on_state_change`: `'vm_and_task_state'` (what Watcher deployments set) sends an
   * `instance.update` on every vm_state or task_state change, `'vm_state'` on vm_state changes; null or absent
   * (Nova's default) none.
   */
  notifyOnStateChange?: NotifyOnStateChange;
}

export interface SimulatedCloud {
  listen(opts: { host: '127.0.0.1'; port: number }): Promise<string>;
  close(): Promise<void>;
  readonly urls: {
    base: string;
    identity: string;
    compute: string;
    placement: string;
    volume: string;
    image: string;
    baremetal: string;
    prometheus: string;
    network: string;
  };
  readonly credentials: {
    authUrl: string;
    username: string;
    password: string;
    projectName: string;
    userDomainName: string;
    projectDomainName: string;
    member: { username: string; password: string };
  };
  readonly state: ClusterState;
  /** Completes moves whose simulated time has elapsed (publishing their notifications); every request does it too. */
  settle(): Promise<void>;
  /**
   * Lists a service that runs outside the simulator in Keystone's catalog from the next token on, as a real cloud
   * lists Watcher (`infra-optim`), so clients that find endpoints through the catalog reach it.
   */
  addCatalogService(service: { type: string; name: string; url: string }): void;
}

export function createSimulatedCloud(options: SimulatedCloudOptions): SimulatedCloud {
  if (options.autoSettle) checkAutoSettle(options.autoSettle);
  const nowIso = options.clock
    .now()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z');
  const state =
    'scenarioFile' in options.cluster
      ? buildFromScenario(options.cluster.scenarioFile, nowIso)
      : buildFromConfig(options.cluster, nowIso);
  addVolumes(state, nowIso);
  let base = '';
  const logger = (options.logger ?? silentLogger).child({ part: 'simulator' });
  let settler: AutoSettler | null = null;
  const catalogAdditions = new Map<string, { name: string; url: string }>();
  const server = createSimServer({
    state,
    clock: options.clock,
    notifier: new Notifier(options.bus, () => options.clock.now(), logger),
    logger,
    hostLabel: options.hostLabel ?? DEFAULT_HOST_LABEL,
    bandwidthMbPerS: options.migrationBandwidthMbPerS ?? DEFAULT_BANDWIDTH_MB_PER_S,
    baseUrl: () => base,
    onMutation: () => settler?.reschedule(),
    catalogAdditions,
    ...(options.catalogOmits && { catalogOmits: options.catalogOmits }),
    notifyOnStateChange: options.notifyOnStateChange ?? null,
  });
  return {
    state,
    async listen({ host, port }) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      base = `http://${host}:${(server.address() as AddressInfo).port}`;
      if (options.autoSettle)
        settler = startAutoSettle({
          clock: options.clock,
          mode: options.autoSettle,
          settle: () => server.tick(),
          nextDueMs: () => server.nextDueMs(),
          logger,
        });
      return base;
    },
    async close() {
      // Stop settling first, so no notification is published once the caller closes its bus.
      await settler?.stop();
      settler = null;
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      });
    },
    get urls() {
      return {
        base,
        identity: `${base}/identity/v3`,
        compute: `${base}/compute/v2.1`,
        placement: `${base}/placement`,
        volume: `${base}/volume/v3`,
        image: `${base}/image`,
        baremetal: `${base}/baremetal`,
        prometheus: `${base}/prometheus`,
        network: `${base}/networking`,
      };
    },
    get credentials() {
      return {
        authUrl: `${base}/identity/v3`,
        username: 'admin',
        password: USERS.admin?.password ?? 'admin',
        projectName: 'admin',
        userDomainName: 'Default',
        projectDomainName: 'Default',
        member: { username: 'demo', password: 'demo' },
      };
    },
    settle: () => server.tick(),
    addCatalogService({ type, name, url }) {
      catalogAdditions.set(type, { name, url });
    },
  };
}
