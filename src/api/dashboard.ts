/**
 * The optimization dashboard (`web/`, a single-page app) served under `/dashboard/`, beside the API that keeps `/`.
 * The app talks to the API over HTTP like any client, so serving it is only static files with a CSP of its own.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const DASHBOARD_PREFIX = '/dashboard/';

/** The page may load its own scripts, styles and images and call the API on its own origin; nothing else. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

export function isDashboardUrl(url: string): boolean {
  return url === '/dashboard' || url.startsWith('/dashboard/') || url.startsWith('/dashboard?');
}

/**
 * Serves the built app from `root` (the Vite output); without a build, `/dashboard/` says how to make one instead of
 * a bare 404.
 */
export async function registerDashboard(app: FastifyInstance, root: string | undefined): Promise<void> {
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
