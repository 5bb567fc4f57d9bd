/** The Keystone (identity v3) part of the simulator: password and token auth, token validation, the catalog. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../lib/clock.js';
import { nameUuid } from './cluster.js';
import { HttpError, matchRoute, readBody, type Reply, type Route } from './routing.js';

export type Role = 'admin' | 'manager' | 'member';
export const ROLE_RANK: Record<Role, number> = { member: 1, manager: 2, admin: 3 };
export const USERS: Record<string, { password: string; role: Role; id: string }> = {
  admin: { password: 'admin', role: 'admin', id: nameUuid('user-admin').replaceAll('-', '') },
  manager: { password: 'manager', role: 'manager', id: nameUuid('user-manager').replaceAll('-', '') },
  demo: { password: 'demo', role: 'member', id: nameUuid('user-demo').replaceAll('-', '') },
};
export const ADMIN_PROJECT = nameUuid('project-admin').replaceAll('-', '');
const TOKEN_TTL_MS = 3_600_000;

interface Token {
  user: string;
  role: Role;
  expiresMs: number;
  issued: string;
}

export interface KeystoneContext {
  clock: Clock;
  baseUrl: () => string;
  /** Service types the catalog leaves out. */
  catalogOmits?: readonly string[];
  /** Services outside the simulator listed in the catalog too, by type (e.g. the Steward API as `infra-optim`). */
  readonly catalogAdditions: Map<string, { name: string; url: string }>;
  readonly tokens: Map<string, Token>;
}

const unauthorized = (): HttpError =>
  new HttpError(401, {
    error: {
      code: 401,
      title: 'Unauthorized',
      message: 'The request you have made requires authentication.',
    },
  });

/** The caller of a request to any other service, from its `X-Auth-Token`; 401 without a valid one. */
export function authenticate(c: KeystoneContext, req: IncomingMessage): { user: string; role: Role } {
  const token = req.headers['x-auth-token'] as string | undefined;
  const t = token ? c.tokens.get(token) : undefined;
  if (!t || t.expiresMs <= c.clock.now().getTime()) throw unauthorized();
  return t;
}

function tokenBody(c: KeystoneContext, t: Token): unknown {
  const base = c.baseUrl();
  const ep = (type: string, name: string, url: string) => ({
    type,
    name,
    id: nameUuid(`svc-${type}`),
    endpoints: ['public', 'internal', 'admin'].map((iface) => ({
      id: nameUuid(`ep-${type}-${iface}`),
      interface: iface,
      region: 'RegionOne',
      region_id: 'RegionOne',
      url,
    })),
  });
  const roles =
    t.role === 'admin'
      ? ['admin', 'manager', 'member', 'reader']
      : t.role === 'manager'
        ? ['manager', 'member', 'reader']
        : ['member', 'reader'];
  return {
    token: {
      methods: ['password'],
      user: {
        id: USERS[t.user]?.id,
        name: t.user,
        domain: { id: 'default', name: 'Default' },
        password_expires_at: null,
      },
      roles: roles.map((r) => ({ id: nameUuid(`role-${r}`).replaceAll('-', ''), name: r })),
      audit_ids: [randomUUID().slice(0, 22)],
      project: {
        id: ADMIN_PROJECT,
        name: t.user === 'admin' ? 'admin' : 'demo',
        domain: { id: 'default', name: 'Default' },
      },
      is_domain: false,
      expires_at: new Date(t.expiresMs).toISOString(),
      issued_at: t.issued,
      catalog: [
        ep('identity', 'keystone', `${base}/identity`),
        ep('compute', 'nova', `${base}/compute/v2.1`),
        ep('placement', 'placement', `${base}/placement`),
        ep('volumev3', 'cinderv3', `${base}/volume/v3/${ADMIN_PROJECT}`),
        ep('image', 'glance', `${base}/image`),
        ep('baremetal', 'ironic', `${base}/baremetal`),
        ep('network', 'neutron', `${base}/networking`),
        ep('prometheus', 'prometheus', `${base}/prometheus`),
        ep('metric', 'prometheus', `${base}/prometheus`),
        ...[...c.catalogAdditions].map(([type, { name, url }]) => ep(type, name, url)),
      ].filter((entry) => !(c.catalogOmits ?? []).includes(entry.type)),
    },
  };
}

const versionDocument = (c: KeystoneContext): Reply => ({
  status: 200,
  body: {
    version: {
      id: 'v3.14',
      status: 'stable',
      links: [{ rel: 'self', href: `${c.baseUrl()}/identity/v3/` }],
    },
  },
});

const routes: readonly Route<KeystoneContext>[] = [
  { path: '/', handle: versionDocument },
  { path: '/v3', handle: versionDocument },
  {
    methods: ['POST'],
    path: '/v3/auth/tokens',
    async handle(c, { req }) {
      const body = (await readBody(req)) as {
        auth?: {
          identity?: {
            methods?: string[];
            password?: { user?: { name?: string; password?: string } };
            token?: { id?: string };
          };
        };
      };
      const ident = body.auth?.identity;
      let user: string | undefined;
      if (ident?.methods?.includes('password')) {
        const u = ident.password?.user;
        if (u?.name && USERS[u.name]?.password === u.password) user = u.name;
      } else if (ident?.methods?.includes('token')) {
        const t = ident.token?.id ? c.tokens.get(ident.token.id) : undefined;
        if (t && t.expiresMs > c.clock.now().getTime()) user = t.user;
      }
      if (!user) throw unauthorized();
      const id = `gAAAA${randomUUID().replaceAll('-', '')}`;
      const entry: Token = {
        user,
        role: (USERS[user] as { role: Role }).role,
        expiresMs: c.clock.now().getTime() + TOKEN_TTL_MS,
        issued: c.clock.now().toISOString(),
      };
      c.tokens.set(id, entry);
      return { status: 201, body: tokenBody(c, entry), headers: { 'x-subject-token': id } };
    },
  },
  {
    methods: ['GET', 'HEAD'],
    path: '/v3/auth/tokens',
    handle(c, { req }) {
      authenticate(c, req);
      const subject = req.headers['x-subject-token'] as string | undefined;
      const t = subject ? c.tokens.get(subject) : undefined;
      if (!t || t.expiresMs <= c.clock.now().getTime())
        throw new HttpError(404, {
          error: { code: 404, title: 'Not Found', message: 'Could not find token.' },
        });
      return { status: 200, body: tokenBody(c, t), headers: { 'x-subject-token': subject as string } };
    },
  },
  {
    path: '/v3/auth/tokens',
    handle() {
      throw new HttpError(405, {
        error: { code: 405, title: 'Method Not Allowed', message: 'Method not allowed' },
      });
    },
  },
];

/** Handles `/identity…` (the part after `/identity`). */
export async function keystone(
  c: KeystoneContext,
  req: IncomingMessage,
  path: string,
  q: URLSearchParams,
): Promise<Reply> {
  const method = req.method ?? 'GET';
  const hit = matchRoute(routes, method, path);
  if (!hit)
    throw new HttpError(404, {
      error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' },
    });
  return hit.route.handle(c, { req, method, params: hit.params, q });
}
