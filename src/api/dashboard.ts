/**
 * The optimization dashboard (`web/`, a single-page app) served under `/dashboard/`, beside the API that keeps `/`.
 * The app talks to the API over HTTP like any client, so serving it is only static files with a CSP of its own.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { StewardError } from '../errors.js';
import type { FailedAuthLimiter } from './failed-auth-limiter.js';

export const DASHBOARD_PREFIX = '/dashboard/';

/** The page may load its own scripts, styles and images and call the API on its own origin; nothing else. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 255 }),
    password: Type.String({ minLength: 1, maxLength: 4096 }),
    project_name: Type.String({ minLength: 1, maxLength: 64 }),
    user_domain_name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    project_domain_name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
const LoginAnswer = Type.Object({ token: Type.String(), expires_at: Type.String() });

/** Issues a Keystone token for a user; `undefined` when Keystone refuses the password (composed in compose.ts). */
export type DashboardLogin = (credentials: {
  username: string;
  password: string;
  projectName: string;
  userDomainName?: string;
  projectDomainName?: string;
}) => Promise<{ id: string; expiresAt: Date } | undefined>;

export interface DashboardOptions {
  /** The Vite output (`web/dist`). */
  root: string | undefined;
  /** With `auth: keystone`: the login form's way to a token. */
  login?: DashboardLogin;
  failedAuth?: FailedAuthLimiter | undefined;
}

export function isDashboardUrl(url: string): boolean {
  return url === '/dashboard' || url.startsWith('/dashboard/') || url.startsWith('/dashboard?');
}

/**
 * Serves the built app from `root` (the Vite output); without a build, `/dashboard/` says how to make one instead of
 * a bare 404.
 */
export async function registerDashboard(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  if (options.login) registerLogin(app, options.login, options.failedAuth);
  const { root } = options;
  if (root !== undefined && existsSync(path.join(root, 'index.html'))) {
    await app.register(fastifyStatic, {
      root,
      prefix: DASHBOARD_PREFIX,
      // Vite names every asset by its content hash: they never change, index.html always may.
      cacheControl: false,
      setHeaders: (reply, filePath) => {
        reply.header(
          'Cache-Control',
          filePath.includes(`${path.sep}assets${path.sep}`)
            ? 'public, max-age=31536000, immutable'
            : 'no-cache',
        );
      },
    });
    // The router ignores trailing slashes, so `/dashboard/` meets this route, not the wildcard's empty match.
    app.get('/dashboard', { schema: { hide: true } }, (_request, reply) =>
      reply.header('Cache-Control', 'no-cache').sendFile('index.html'),
    );
    return;
  }
  for (const url of ['/dashboard', '/dashboard/*'])
    app.get(url, { schema: { hide: true } }, (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          'The dashboard is not built: run `npm run build:web` (or `npm start`, which builds it when missing).\n',
        ),
    );
}

/**
 * `POST /dashboard/login`: the user's name and password go to Keystone from Steward, and the token comes back to
 * the page, which keeps it in memory. Refused passwords count against the address like refused tokens do.
 */
function registerLogin(
  app: FastifyInstance,
  login: DashboardLogin,
  failedAuth: FailedAuthLimiter | undefined,
) {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .post(
      '/dashboard/login',
      { schema: { hide: true, body: LoginBody, response: { 200: LoginAnswer } } },
      async (request, reply) => {
        const wait = failedAuth?.retryAfter(request.ip);
        if (wait !== undefined) {
          reply.header('Retry-After', String(wait));
          throw new StewardError(
            'too_many_requests',
            'TOO_MANY_FAILED_AUTHENTICATIONS',
            `Too many refused logins from ${request.ip}: try again in ${wait} s.`,
          );
        }
        const body = request.body;
        const token = await login({
          username: body.username,
          password: body.password,
          projectName: body.project_name,
          ...(body.user_domain_name !== undefined && { userDomainName: body.user_domain_name }),
          ...(body.project_domain_name !== undefined && { projectDomainName: body.project_domain_name }),
        });
        if (!token) {
          failedAuth?.recordFailure(request.ip);
          throw new StewardError(
            'unauthenticated',
            'NOT_AUTHENTICATED',
            'Keystone refused the user name, password or project: check them and log in again.',
          );
        }
        return { token: token.id, expires_at: token.expiresAt.toISOString() };
      },
    );
}
