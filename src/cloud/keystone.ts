/**
 * Keystone v3 for the cloud clients: password authentication scoped to a project, the token cached until shortly
 * before it expires (or until a service answers 401), and endpoints found in the token's service catalog by service
 * type, interface and region. With fixed endpoints instead of credentials there is no Keystone at all (devstack
 * noauth, or a token given by the operator), as keystoneauth's `none` and `admin_token` plugins do.
 */
import { systemClock, type Clock } from '../lib/clock.js';
import { upstream } from '../errors.js';
import { hasUpstreamStatus, type JsonRequester } from './http.js';
import { WireReader } from './wire-reader.js';

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface KeystonePasswordAuth {
  /** The identity endpoint, with or without `/v3` (`https://keystone.example.com:5000/v3`). */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  /** Default `Default`. */
  userDomainName?: string;
  /** Default `Default`. */
  projectDomainName?: string;
  /** Catalog region (matched against `region_id` and `region`); default: the first endpoint of the interface. */
  region?: string;
  /** Catalog interface. Default `public`; services inside the control plane usually want `internal`. */
  interface?: EndpointInterface;
}

export interface FixedEndpoints {
  /** Base URL by service type (`compute`, `placement`, `volumev3` or `block-storage`): no Keystone is called. */
  endpoints: Record<string, string>;
  /** Sent as `X-Auth-Token` when given (keystoneauth's admin_token); otherwise requests carry no token (noauth). */
  token?: string;
}

export type CloudAuth = KeystonePasswordAuth | FixedEndpoints;

export interface KeystoneSession {
  /** A token valid for at least `refreshMarginMs` more, authenticating when needed; undefined without Keystone. */
  token(signal?: AbortSignal): Promise<string | undefined>;
  /** The base URL of the first of `types` the catalog (or the fixed endpoints) has, without a trailing slash. */
  endpoint(types: string | readonly string[], signal?: AbortSignal): Promise<string>;
  /** Forgets the cached token after a 401; given a token, only if it is still the cached one (concurrent 401s). */
  invalidate(token?: string): void;
}

export interface KeystoneSessionOptions {
  auth: CloudAuth;
  http: JsonRequester;
  /** Decides when a token is about to expire. Default: the system clock. */
  clock?: Clock;
  /** Authenticate again this long before `expires_at`, so no request leaves with a token that dies on the way. Default 60 s. */
  refreshMarginMs?: number;
}

interface CatalogEndpoint {
  interface: string;
  region: string | null;
  regionId: string | null;
  url: string;
}

interface IssuedToken {
  id: string;
  expiresAt: Date;
  catalog: Map<string, CatalogEndpoint[]>;
}

const SERVICE = 'keystone';
const CALL = 'POST /auth/tokens';

export function createKeystoneSession(options: KeystoneSessionOptions): KeystoneSession {
  if ('endpoints' in options.auth) return fixedSession(options.auth);
  const auth: KeystonePasswordAuth = options.auth;
  const clock = options.clock ?? systemClock;
  const marginMs = options.refreshMarginMs ?? 60_000;
  const authUrl = auth.authUrl.replace(/\/+$/, '').replace(/(?<!\/v3)$/, '/v3');
  const wantedInterface = auth.interface ?? 'public';
  let current: IssuedToken | undefined;
  let pending: Promise<IssuedToken> | undefined;

  async function authenticate(): Promise<IssuedToken> {
    const response = await options.http({
      service: SERVICE,
      call: CALL,
      method: 'POST',
      url: `${authUrl}/auth/tokens`,
      // Issuing a second token is harmless, so a lost answer may be retried like a GET.
      idempotent: true,
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: {
                name: auth.username,
                domain: { name: auth.userDomainName ?? 'Default' },
                password: auth.password,
              },
            },
          },
          scope: {
            project: { name: auth.projectName, domain: { name: auth.projectDomainName ?? 'Default' } },
          },
        },
      },
    });
    const id = response.headers.get('x-subject-token');
    if (!id)
      throw upstream(SERVICE, CALL, response.status, 'the answer has no X-Subject-Token header', {
        retryable: false,
      });
    const token = WireReader.of(response.body, {
      service: SERVICE,
      call: CALL,
      status: response.status,
    }).object('token');
    const catalog = new Map<string, CatalogEndpoint[]>();
    for (const service of token.objectsOrEmpty('catalog')) {
      const endpoints = service.objectsOrEmpty('endpoints').map((endpoint) => ({
        interface: endpoint.string('interface'),
        region: endpoint.stringOr('region', null),
        regionId: endpoint.stringOr('region_id', null),
        url: endpoint.string('url').replace(/\/+$/, ''),
      }));
      catalog.set(service.string('type'), [...(catalog.get(service.string('type')) ?? []), ...endpoints]);
    }
    return { id, expiresAt: token.date('expires_at'), catalog };
  }

  async function valid(signal?: AbortSignal): Promise<IssuedToken> {
    signal?.throwIfAborted();
    if (current && current.expiresAt.getTime() - marginMs > clock.now().getTime()) return current;
    // One authentication at a time: concurrent callers share it instead of each minting a token (so no single
    // caller's signal may cancel it; it is bounded by the request timeout instead).
    pending ??= authenticate().then(
      (token) => {
        current = token;
        pending = undefined;
        return token;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  }

  return {
    token: async (signal) => (await valid(signal)).id,
    async endpoint(types, signal) {
      const { catalog } = await valid(signal);
      const wanted = typeof types === 'string' ? [types] : types;
      for (const type of wanted) {
        const match = (catalog.get(type) ?? []).find(
          (endpoint) =>
            endpoint.interface === wantedInterface &&
            (auth.region === undefined ||
              endpoint.regionId === auth.region ||
              endpoint.region === auth.region),
        );
        if (match) return match.url;
      }
      const offered = [...catalog.entries()]
        .map(([type, endpoints]) => `${type} (${[...new Set(endpoints.map((e) => e.interface))].join(', ')})`)
        .join('; ');
      throw upstream(
        SERVICE,
        'catalog lookup',
        undefined,
        `the service catalog has no ${wanted.join(' or ')} endpoint with interface ${wantedInterface}${auth.region ? ` in region ${auth.region}` : ''}; it offers ${offered || 'nothing'}. Check the interface and region settings or the catalog.`,
        { retryable: false },
      );
    },
    invalidate(token) {
      if (token === undefined || current?.id === token) current = undefined;
    },
  };
}

function fixedSession(auth: FixedEndpoints): KeystoneSession {
  return {
    token: () => Promise.resolve(auth.token),
    endpoint(types) {
      const wanted = typeof types === 'string' ? [types] : types;
      for (const type of wanted) {
        const url = auth.endpoints[type];
        if (url) return Promise.resolve(url.replace(/\/+$/, ''));
      }
      return Promise.reject(
        upstream(
          SERVICE,
          'endpoint lookup',
          undefined,
          `no fixed endpoint for ${wanted.join(' or ')} is configured (auth without Keystone)`,
          { retryable: false },
        ),
      );
    },
    invalidate: () => undefined,
  };
}

/** Who logs in to the dashboard: a Keystone user, scoped to a project. */
export interface UserCredentials {
  username: string;
  password: string;
  projectName: string;
  /** Default `Default`. */
  userDomainName?: string;
  /** Default `Default`. */
  projectDomainName?: string;
}

export interface UserToken {
  id: string;
  expiresAt: Date;
}

/**
 * Issues a project-scoped token for a user (the dashboard's login, done by Steward so that Keystone needs no CORS
 * set-up for the browser). Keystone's 401 is an outcome, `undefined`; anything else that fails throws.
 */
export async function issueUserToken(
  options: { authUrl: string; http: JsonRequester },
  credentials: UserCredentials,
): Promise<UserToken | undefined> {
  const authUrl = options.authUrl.replace(/\/+$/, '').replace(/(?<!\/v3)$/, '/v3');
  let response;
  try {
    response = await options.http({
      service: SERVICE,
      call: CALL,
      method: 'POST',
      url: `${authUrl}/auth/tokens?nocatalog`,
      idempotent: false,
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: {
                name: credentials.username,
                domain: { name: credentials.userDomainName ?? 'Default' },
                password: credentials.password,
              },
            },
          },
          scope: {
            project: {
              name: credentials.projectName,
              domain: { name: credentials.projectDomainName ?? 'Default' },
            },
          },
        },
      },
    });
  } catch (error) {
    if (hasUpstreamStatus(error, 401)) return undefined;
    throw error;
  }
  const id = response.headers.get('x-subject-token');
  if (!id)
    throw upstream(SERVICE, CALL, response.status, 'the answer has no X-Subject-Token header', {
      retryable: false,
    });
  const token = WireReader.of(response.body, {
    service: SERVICE,
    call: CALL,
    status: response.status,
  }).object('token');
  return { id, expiresAt: token.date('expires_at') };
}
