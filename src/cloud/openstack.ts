/**
 * The real cloud: one Keystone session and one HTTP policy shared by the Nova, Placement, Cinder and Ironic clients,
 * returned as the `CloudPorts` the applier and collectors use. Constructed only by the composition root and tests.
 */
import type { Clock } from '../lib/clock.js';
import { createCinderClient } from './cinder.js';
import { createJsonRequester, type HttpPolicy } from './http.js';
import { createIronicClient } from './ironic.js';
import { createKeystoneSession, type CloudAuth, type KeystoneSession } from './keystone.js';
import { createNovaClient } from './nova.js';
import { createPlacementClient } from './placement.js';
import type { CloudPorts, PlacementApi } from './ports.js';

/** The HTTP policy (timeout, retries, backoff, logger, metrics, fetch) applies to every client alike. */
export interface CloudClientsOptions extends HttpPolicy {
  /** Keystone v3 password credentials, or `{ endpoints, token? }` to skip Keystone (noauth / admin token). */
  auth: CloudAuth;
  /** Token expiry is judged on this clock. Default: the system clock. */
  clock?: Clock;
  /** Re-authenticate this long before a token expires. Default 60 s. */
  tokenRefreshMarginMs?: number;
  /** Items per page for Nova and Cinder lists. Default 1000. */
  pageSize?: number;
  /** Newest microversions to ask for. Defaults: compute 2.100, placement 1.39. */
  microversions?: { compute?: string; placement?: string };
  /** Whether to offer Cinder. Default: always with Keystone, and with fixed endpoints when one is given for it. */
  blockStorage?: boolean;
  /** Whether to offer Ironic. Default: always with Keystone (no nodes when the catalog has none), and with fixed endpoints when one is given for it. */
  baremetal?: boolean;
}

export interface CloudClients extends CloudPorts {
  placement: Required<PlacementApi>;
  readonly session: KeystoneSession;
  /** Forgets the cached token; the clients hold no sockets of their own (fetch's global pool does). */
  close(): Promise<void>;
}

const BLOCK_STORAGE_TYPES = ['block-storage', 'volumev3', 'volume'];

export function createCloudClients(options: CloudClientsOptions): CloudClients {
  const { timeoutMs, retries, backoffMs, maxBackoffMs, logger, metrics, fetch } = options;
  const http = createJsonRequester({
    ...(timeoutMs !== undefined && { timeoutMs }),
    ...(retries !== undefined && { retries }),
    ...(backoffMs !== undefined && { backoffMs }),
    ...(maxBackoffMs !== undefined && { maxBackoffMs }),
    ...(logger && { logger }),
    ...(metrics && { metrics }),
    ...(fetch && { fetch }),
  });
  const session = createKeystoneSession({
    auth: options.auth,
    http,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.tokenRefreshMarginMs === undefined ? {} : { refreshMarginMs: options.tokenRefreshMarginMs }),
  });
  const pageSize = options.pageSize === undefined ? {} : { pageSize: options.pageSize };
  const auth = options.auth;
  const withBlockStorage =
    options.blockStorage ??
    (!('endpoints' in auth) || BLOCK_STORAGE_TYPES.some((type) => auth.endpoints[type] !== undefined));
  const withBaremetal =
    options.baremetal ?? (!('endpoints' in auth) || auth.endpoints.baremetal !== undefined);
  return {
    session,
    compute: createNovaClient({
      session,
      http,
      ...pageSize,
      ...(options.microversions?.compute ? { microversion: options.microversions.compute } : {}),
    }),
    placement: createPlacementClient({
      session,
      http,
      ...(options.microversions?.placement ? { microversion: options.microversions.placement } : {}),
    }),
    ...(withBlockStorage ? { blockStorage: createCinderClient({ session, http, ...pageSize }) } : {}),
    ...(withBaremetal ? { baremetal: createIronicClient({ session, http }) } : {}),
    close() {
      session.invalidate();
      return Promise.resolve();
    },
  };
}
