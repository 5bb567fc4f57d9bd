/**
 * One OpenStack service as the clients see it: the endpoint from the session, the token on every request (and a
 * single re-authentication when the service answers 401, e.g. a token revoked or a clock skewed against
 * Keystone's), the service's own headers (microversions), query strings, and answers read through `WireReader`.
 */
import { hasUpstreamStatus, type JsonRequester, type JsonRequest } from './http.js';
import type { KeystoneSession } from './keystone.js';
import { WireReader } from './wire-reader.js';

export interface ServiceClientOptions {
  /** `nova`, `placement`, `cinder`: names the service in errors and metrics. */
  service: string;
  /** Catalog types to try, in order (`['block-storage', 'volumev3', 'volume']`). */
  serviceTypes: readonly string[];
  session: KeystoneSession;
  http: JsonRequester;
  /** Headers on every call once the endpoint is known (microversion negotiation reads the endpoint's root). */
  headers?: (baseUrl: string, signal?: AbortSignal) => Promise<Record<string, string>>;
}

export type QueryValue = string | number | boolean | undefined;

export interface ServiceRequest {
  method: JsonRequest['method'];
  /** Below the endpoint, starting with `/`; ids already encoded. */
  path: string;
  /** Names the call with placeholders: `GET /servers/{id}`. */
  call: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Leaves out the service's own headers: for the version discovery those headers depend on. */
  bare?: boolean;
}

export interface ServiceAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  /** The body as a JSON object, for field-by-field reading. */
  read(): WireReader;
}

export interface ServiceClient {
  readonly service: string;
  baseUrl(signal?: AbortSignal): Promise<string>;
  request(request: ServiceRequest): Promise<ServiceAnswer>;
  /** `request`, with a 404 answered as undefined (a getter for something that may be gone). */
  find(request: ServiceRequest): Promise<ServiceAnswer | undefined>;
}

export function createServiceClient(options: ServiceClientOptions): ServiceClient {
  const { service, session, http } = options;

  async function send(request: ServiceRequest, token: string | undefined): Promise<ServiceAnswer> {
    const base = await session.endpoint(options.serviceTypes, request.signal);
    const extra = options.headers && !request.bare ? await options.headers(base, request.signal) : {};
    const response = await http({
      service,
      call: request.call,
      method: request.method,
      url: `${base}${request.path}${queryString(request.query)}`,
      headers: { ...extra, ...(token === undefined ? {} : { 'x-auth-token': token }) },
      ...(request.body === undefined ? {} : { body: request.body }),
      ...(request.idempotent === undefined ? {} : { idempotent: request.idempotent }),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    return {
      ...response,
      read: () => WireReader.of(response.body, { service, call: request.call, status: response.status }),
    };
  }

  async function request(request: ServiceRequest): Promise<ServiceAnswer> {
    const token = await session.token(request.signal);
    try {
      return await send(request, token);
    } catch (error) {
      // A 401 is answered before the service acts, so even a server action may be sent again with a new token.
      if (token === undefined || !hasUpstreamStatus(error, 401)) throw error;
      session.invalidate(token);
      return send(request, await session.token(request.signal));
    }
  }

  return {
    service,
    baseUrl: (signal) => session.endpoint(options.serviceTypes, signal),
    request,
    async find(req) {
      try {
        return await request(req);
      } catch (error) {
        if (hasUpstreamStatus(error, 404)) return undefined;
        throw error;
      }
    },
  };
}

/** The `marker` of a `rel: next` link (Nova's `servers_links`, Cinder's `volumes_links`), or undefined on the last page. */
export function nextMarker(links: readonly WireReader[]): string | undefined {
  const next = links.find((link) => link.stringOr('rel', '') === 'next');
  if (!next) return undefined;
  // The href may name another host (Nova builds it from its own link prefix), so only its marker is used.
  const marker = new URL(next.string('href'), 'http://relative.invalid').searchParams.get('marker');
  return marker ?? undefined;
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
