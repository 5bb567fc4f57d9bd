/**
 * One node:http server with devstack-style prefixes: /identity/v3, /compute/v2.1, /placement, /volume/v3, /image,
 * /baremetal, /networking, /prometheus. Each service is its own module with a route table; this file dispatches on the prefix, settles the
 * moves that are due before every request, and writes the reply. Plain node:http rather than Fastify because list
 * bodies for 10,000 servers are built as strings without per-route schema work.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../observability/logger.js';
import type { ClusterState } from './cluster.js';
import { createMetricSource } from './metrics.js';
import type { Notifier } from './notifications.js';
import { cinder, CinderError, settleVolumes, type CinderContext } from './cinder.js';
import { notifySettledVolumeMoves } from './cinder-notifications.js';
import { glance, GlanceError, type GlanceContext } from './glance.js';
import { ironic, nextPowerDueMs, settlePower, type IronicContext } from './ironic.js';
import { ADMIN_PROJECT, authenticate, keystone, type KeystoneContext } from './keystone.js';
import {
  nextMigrationDueMs,
  nova,
  novaVersion,
  settleMigrations,
  type NovaContext,
  type NotifyOnStateChange,
} from './nova.js';
import { neutron } from './neutron.js';
import { placement, type PlacementContext } from './placement.js';
import { prometheus, type PrometheusContext } from './prometheus.js';
import { HttpError, readBody, type Reply } from './routing.js';

export { USERS } from './keystone.js';

export interface ServerOptions {
  state: ClusterState;
  clock: Clock;
  notifier: Notifier;
  logger: Logger;
  hostLabel: string;
  bandwidthMbPerS: number;
  baseUrl: () => string;
  /** Called after each request that may have started or cancelled a move (any method but GET/HEAD). */
  onMutation?: () => void;
  /** Service types Keystone's catalog leaves out (a cloud without Cinder: `['volumev3']`). */
  catalogOmits?: readonly string[];
  /** Services outside the simulator that Keystone's catalog lists too, by type; may grow while it runs. */
  catalogAdditions?: Map<string, { name: string; url: string }>;
  notifyOnStateChange?: NotifyOnStateChange;
}

export interface SimServer extends Server {
  /** Completes moves whose simulated time is over; calls run one after another, never two at once. */
  tick(): Promise<void>;
  /** Simulated time (ms) when the earliest running migration or volume move finishes, or null if none runs. */
  nextDueMs(): number | null;
}

export function createSimServer(o: ServerOptions): SimServer {
  const { state, clock } = o;
  let migrationSeq = 0;
  const keystoneContext: KeystoneContext = {
    clock,
    baseUrl: o.baseUrl,
    tokens: new Map(),
    catalogAdditions: o.catalogAdditions ?? new Map<string, { name: string; url: string }>(),
    ...(o.catalogOmits && { catalogOmits: o.catalogOmits }),
  };
  const novaContext: NovaContext = {
    state,
    clock,
    notifier: o.notifier,
    bandwidthMbPerS: o.bandwidthMbPerS,
    baseUrl: o.baseUrl,
    nextMigrationId: () => ++migrationSeq,
    notifyOnStateChange: o.notifyOnStateChange ?? null,
  };
  const placementContext: PlacementContext = { state };
  const prometheusContext: PrometheusContext = {
    state,
    clock,
    metrics: createMetricSource(state, o.hostLabel),
  };
  const cinderContext: CinderContext = {
    state,
    nowMs: () => clock.now().getTime(),
    iso: () =>
      clock
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z'),
    bandwidthMbPerS: o.bandwidthMbPerS,
    baseUrl: o.baseUrl,
  };
  const ironicContext: IronicContext = {
    state,
    nowMs: cinderContext.nowMs,
    iso: cinderContext.iso,
    baseUrl: o.baseUrl,
  };
  const glanceContext: GlanceContext = { state, baseUrl: o.baseUrl, ownerProjectId: ADMIN_PROJECT };

  async function settleMoves(): Promise<void> {
    await notifySettledVolumeMoves(o.notifier, state, settleVolumes(cinderContext), clock.now());
    await settleMigrations(novaContext);
    settlePower(ironicContext);
  }
  // Requests and the auto-settler both tick; chaining them keeps each move's notifications in one ordered run.
  let ticking: Promise<void> = Promise.resolve();
  const tick = (): Promise<void> => (ticking = ticking.then(settleMoves, settleMoves));

  function nextDueMs(): number | null {
    let due = nextMigrationDueMs(state);
    const power = nextPowerDueMs(state);
    if (power !== null && (due === null || power < due)) due = power;
    for (const v of state.volumes) if (v.move && (due === null || v.move.doneMs < due)) due = v.move.doneMs;
    return due;
  }

  const send = (res: ServerResponse, { status, body, headers = {} }: Reply): void => {
    if (body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const text = body === null ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    const after = (prefix: string): string => path.slice(prefix.length);
    const route = async (): Promise<Reply> => {
      if (path.startsWith('/identity')) return keystone(keystoneContext, req, after('/identity'), q);
      if (path.startsWith('/prometheus')) return prometheus(prometheusContext, req, after('/prometheus'), q);
      if (path.startsWith('/compute/v2.1')) {
        const sub = after('/compute/v2.1');
        if (sub === '' || sub === '/') return novaVersion;
        return nova(novaContext, req, sub, q, authenticate(keystoneContext, req));
      }
      if (path === '/networking' || path.startsWith('/networking/')) {
        const sub = after('/networking');
        // Version discovery comes before a token, as with Neutron.
        if (sub.replaceAll('/', '') !== '') authenticate(keystoneContext, req);
        return neutron(state, method, sub, q);
      }
      if (path.startsWith('/placement')) {
        authenticate(keystoneContext, req);
        return placement(placementContext, req, after('/placement'), q);
      }
      if (path === '/image' || path.startsWith('/image/')) {
        const sub = after('/image');
        // Version discovery comes before a token, as with Glance.
        if (sub.replaceAll('/', '') !== '' && sub !== '/versions') authenticate(keystoneContext, req);
        return glance(glanceContext, method, sub, q);
      }
      if (path === '/baremetal' || path.startsWith('/baremetal/')) {
        const sub = after('/baremetal');
        // Version discovery comes before a token, as with Ironic.
        if (sub.replaceAll('/', '') !== '') authenticate(keystoneContext, req);
        return ironic(ironicContext, req, sub, q);
      }
      if (path.startsWith('/volume/v3/')) {
        authenticate(keystoneContext, req);
        const body = method === 'POST' ? await readBody(req) : undefined;
        return cinder(cinderContext, method, after('/volume/v3'), q, body);
      }
      throw new HttpError(404, { error: 'not found' });
    };
    void (async () => {
      try {
        await tick();
        send(res, await route());
      } catch (e) {
        if (e instanceof GlanceError) {
          res.writeHead(e.status, { 'content-type': 'text/plain; charset=UTF-8' });
          res.end(String(e.body));
          return;
        }
        if (e instanceof HttpError || e instanceof CinderError) return send(res, e);
        o.logger.error({ err: e, path }, 'simulator request failed');
        return send(res, {
          status: 500,
          body: { computeFault: { code: 500, message: e instanceof Error ? e.message : String(e) } },
        });
      } finally {
        if (method !== 'GET' && method !== 'HEAD') o.onMutation?.();
      }
    })();
  });
  return Object.assign(server, { tick, nextDueMs });
}
