/**
 * What the simulated services share: an HTTP error carrying the service's own body, a route table matched on path
 * segments, request bodies and microversion headers.
 */
import type { IncomingMessage } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

/** A response to send: a null body is sent empty as JSON, an undefined one empty without a content type. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RouteRequest {
  req: IncomingMessage;
  method: string;
  /** Values of the `:name` segments of the route's path; `*` holds the rest a trailing `*` matched. */
  params: Record<string, string>;
  q: URLSearchParams;
}

/**
 * One route: `path` is matched segment by segment (`:name` matches any one segment, a trailing `*` any rest);
 * `methods` undefined matches every method. The first matching route of a table wins.
 */
export interface Route<C> {
  methods?: readonly string[];
  path: string;
  handle(c: C, r: RouteRequest): Reply | Promise<Reply>;
}

export function matchRoute<C>(
  routes: readonly Route<C>[],
  method: string,
  path: string,
): { route: Route<C>; params: Record<string, string> } | null {
  const seg = path.split('/').filter(Boolean);
  for (const route of routes) {
    if (route.methods && !route.methods.includes(method)) continue;
    const params = matchPath(route.path, seg);
    if (params) return { route, params };
  }
  return null;
}

function matchPath(pattern: string, seg: string[]): Record<string, string> | null {
  const parts = pattern.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    if (part === '*') {
      params['*'] = seg.slice(i).join('/');
      return params;
    }
    const s = seg[i];
    if (s === undefined) return null;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(s);
    else if (part !== s) return null;
  }
  return parts.length === seg.length ? params : null;
}

export const novaError = (status: number, message: string): HttpError => {
  const key =
    status === 404
      ? 'itemNotFound'
      : status === 409
        ? 'conflictingRequest'
        : status === 403
          ? 'forbidden'
          : status === 401
            ? 'unauthorized'
            : 'badRequest';
  return new HttpError(status, { [key]: { message, code: status } });
};

export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw novaError(400, 'Malformed request body');
  }
}

export function parseMicroversion(
  req: IncomingMessage,
  service: string,
  dflt: [number, number],
): [number, number] {
  const header = (req.headers['openstack-api-version'] as string | undefined) ?? '';
  let text: string | undefined;
  const m = new RegExp(`${service}\\s+([\\d.]+|latest)`, 'i').exec(header);
  if (m) text = m[1];
  else if (service === 'compute') text = req.headers['x-openstack-nova-api-version'] as string | undefined;
  if (!text) return dflt;
  if (text === 'latest') return service === 'compute' ? [2, 100] : [1, 39];
  const [a, b] = text.split('.').map(Number);
  return [a ?? 2, b ?? 1];
}

/** Whether microversion `v` is 2.`minor` or later (Nova's numbering). */
export const atLeast = (v: [number, number], minor: number): boolean =>
  v[0] > 2 || (v[0] === 2 && v[1] >= minor);
