/**
 * Validates the tokens callers send to Steward's API against Keystone v3, as keystonemiddleware's auth_token does
 * for Watcher: `GET /v3/auth/tokens?nocatalog` with Steward's own token as the service token (`X-Auth-Token`) and
 * the caller's as `X-Subject-Token`. Answers are cached, bounded in count (least recently used forgotten first) and
 * in time: an entry is trusted until the token's `expires_at` or `cacheSeconds` after Keystone was asked, whichever
 * comes first, so an expired token is refused at once and a revoked one within `cacheSeconds`. Tokens Keystone does
 * not know are cached the same way, so a client retrying with a dead token does not reach Keystone each time.
 * Concurrent requests with one new token share one validation. The cache keys are SHA-256 digests: the tokens
 * themselves are not kept.
 */
import { createHash } from 'node:crypto';
import { isStewardError } from '../errors.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { JsonRequester } from './http.js';
import type { KeystoneSession } from './keystone.js';
import { WireReader } from './wire-reader.js';

/** Who a valid token speaks for, in the names oslo.policy uses (src/api/policy.ts `Credentials`). */
export interface TokenIdentity {
  roles: string[];
  userId: string;
  userDomainId: string | null;
  /** Null for a domain- or system-scoped token. */
  projectId: string | null;
  projectDomainId: string | null;
  domainId: string | null;
  /** `all` for a system-scoped token. */
  systemScope: string | null;
  /** Keystone's `is_admin_project`; false when Keystone has no admin project configured (it then says nothing). */
  isAdminProject: boolean;
  expiresAt: Date;
}

export interface TokenValidatorOptions {
  /** The identity endpoint, with or without `/v3`. */
  authUrl: string;
  /** Steward's own Keystone session: its token is the service token of each validation. */
  session: KeystoneSession;
  http: JsonRequester;
  clock?: Clock;
  /** Longest an answer is trusted before Keystone is asked again. Default 300 s (keystonemiddleware's `token_cache_time`). */
  cacheSeconds?: number;
  /** Most tokens remembered. Default 10,000. */
  cacheSize?: number;
}

export interface TokenValidator {
  /** The token's identity, or undefined when Keystone does not know it (expired, revoked, made up). */
  validate(token: string): Promise<TokenIdentity | undefined>;
  /** Tokens remembered now (valid and invalid). */
  readonly cached: number;
}

interface CacheEntry {
  identity: TokenIdentity | undefined;
  trustedUntilMs: number;
}

const SERVICE = 'keystone';
const CALL = 'GET /auth/tokens';

export function createKeystoneTokenValidator(options: TokenValidatorOptions): TokenValidator {
  const clock = options.clock ?? systemClock;
  const cacheMs = (options.cacheSeconds ?? 300) * 1000;
  const cacheSize = options.cacheSize ?? 10_000;
  const url = `${options.authUrl.replace(/\/+$/, '').replace(/(?<!\/v3)$/, '/v3')}/auth/tokens?nocatalog`;
  const cache = new Map<string, CacheEntry>();
  const inFlight = new Map<string, Promise<TokenIdentity | undefined>>();

  async function askKeystone(token: string): Promise<TokenIdentity | undefined> {
    // A 401 means Steward's own token died (expired, or Keystone restarted with new keys): get another, once.
    for (let attempt = 0; ; attempt++) {
      const serviceToken = await options.session.token();
      try {
        const response = await options.http({
          service: SERVICE,
          call: CALL,
          method: 'GET',
          url,
          headers: { ...(serviceToken && { 'X-Auth-Token': serviceToken }), 'X-Subject-Token': token },
        });
        return readIdentity(response.body, response.status);
      } catch (error) {
        const status = isStewardError(error) ? error.extra.details?.status : undefined;
        if (status === 404) return undefined;
        if (status === 401 && attempt === 0) {
          options.session.invalidate(serviceToken);
          continue;
        }
        throw error;
      }
    }
  }

  function remember(key: string, identity: TokenIdentity | undefined): void {
    const now = clock.now().getTime();
    const trustedUntilMs = Math.min(now + cacheMs, identity?.expiresAt.getTime() ?? Infinity);
    cache.delete(key);
    cache.set(key, { identity, trustedUntilMs });
    // Map keeps insertion order and every hit re-inserts: the first key is the least recently used.
    while (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
  }

  return {
    get cached() {
      return cache.size;
    },
    async validate(token) {
      const key = createHash('sha256').update(token).digest('base64');
      const hit = cache.get(key);
      if (hit && hit.trustedUntilMs > clock.now().getTime()) {
        cache.delete(key);
        cache.set(key, hit);
        return hit.identity;
      }
      if (hit) cache.delete(key);
      let pending = inFlight.get(key);
      if (!pending) {
        pending = askKeystone(token)
          .then((identity) => {
            remember(key, identity);
            return identity;
          })
          .finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
  };
}

function readIdentity(body: unknown, status: number): TokenIdentity {
  const token = WireReader.of(body, { service: SERVICE, call: CALL, status }).object('token');
  const user = token.object('user');
  const project = token.objectOrNull('project');
  const system = token.objectOrNull('system');
  return {
    roles: token.objectsOrEmpty('roles').map((role) => role.string('name')),
    userId: user.string('id'),
    userDomainId: user.objectOrNull('domain')?.stringOr('id', null) ?? null,
    projectId: project?.string('id') ?? null,
    projectDomainId: project?.objectOrNull('domain')?.stringOr('id', null) ?? null,
    domainId: token.objectOrNull('domain')?.stringOr('id', null) ?? null,
    systemScope: system?.boolean('all', false) ? 'all' : null,
    isAdminProject: project !== null && token.boolean('is_admin_project', false),
    expiresAt: token.date('expires_at'),
  };
}

/** The identity endpoint named in `WWW-Authenticate`, without the version: where clients get tokens. */
export const keystoneBaseUrl = (authUrl: string): string => authUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
