/**
 * The Watcher-compatible REST API v1. Built, not listened: the composition root calls `listen`. Domain services
 * reach routes through `deps`, never through Fastify decorators.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawServerDefault,
} from 'fastify';
import { StewardError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/store.js';
import { checkRequestTarget, isJsonMediaType, parseJsonBody, SECURITY_HEADERS } from './edge.js';
import { DASHBOARD_HEADERS, isDashboardUrl, registerDashboard, type DashboardLogin } from './dashboard.js';
import { sendError } from './error-handler.js';
import {
  createFailedAuthLimiter,
  type FailedAuthLimiter,
  type FailedAuthLimits,
} from './failed-auth-limiter.js';
import {
  formatMicroversion,
  parseMicroversion,
  SERVICE_TYPE,
  versionHeaders,
  type Microversion,
} from './microversion.js';
import { createPolicyEnforcer, loadPolicyFile, type Credentials, type PolicyEnforcer } from './policy.js';
import { assertRouteDeclared, PUBLIC_ROUTES, ROUTE_POLICIES, routeKey } from './route-policies.js';
import type { ApplierClient, DecisionEngineClient, ScopeCheck } from '../service-ports.js';
import type { DashboardDeps } from '../dashboards/index.js';
import { registerActionPlanRoutes } from './routes/action-plans.js';
import { registerActionRoutes } from './routes/actions.js';
import { registerAuditTemplateRoutes } from './routes/audit-templates.js';
import { registerAuditRoutes } from './routes/audits.js';
import { registerCatalogRoutes } from './routes/catalog.js';
import { registerDashboardRoutes } from './routes/dashboards.js';
import { registerDataModelRoutes } from './routes/data-model.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerRootRoutes } from './routes/root.js';
import { registerServiceRoutes } from './routes/services.js';
import { registerWebhookRoutes } from './routes/webhooks.js';

export interface ApiConfig {
  /** Base URL used in links; by default taken from the request's Host header. */
  publicUrl?: string;
  maxLimit: number;
  bodyLimitBytes: number;
  auth:
    | { strategy: 'noauth' }
    | {
        strategy: 'keystone';
        /** The caller's credentials, or undefined for a token Keystone does not know (expired, revoked, made up). */
        validateToken(token: string): Promise<Credentials | undefined>;
        /** Sent in `WWW-Authenticate: Keystone uri="…"` with every 401, where clients get a token. */
        wwwAuthenticateUri: string;
        /** Refused tokens per client address before 429 (default 20 a minute). */
        failedAuthLimits?: FailedAuthLimits;
        /** Issues a user's token for the dashboard's login form; undefined when Keystone refuses the password. */
        login?: DashboardLogin;
      };
  policyFile?: string;
  serviceDownTimeSeconds: number;
  cors?: { origins: string[] };
  /** The built dashboard (`web/dist`), served under `/dashboard/`; absent or unbuilt, that path says how to build it. */
  dashboardRoot?: string;
}

export interface ApiDeps {
  store: Store;
  engine: DecisionEngineClient;
  applier: ApplierClient;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  config: ApiConfig;
  /** What the utilisation dashboards read (metrics, model, flavors); absent, they answer 503. */
  dashboards?: Omit<DashboardDeps, 'planMoves' | 'clock'>;
  /** Looks a scope's host and zone names up in the compute model; absent, scopes are stored unchecked. */
  checkScope?(scope: readonly unknown[]): ScopeCheck;
}

export interface RouteDeps extends ApiDeps {
  policy: PolicyEnforcer;
}

/** The Fastify instance routes register on: request parts typed from their TypeBox schemas, replies checked against the response schemas. */
export type ApiInstance = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    microversion: Microversion;
    credentials: Credentials;
  }
}

/** What a route needs to know about the request it serves. */
export function requestContext(request: FastifyRequest, deps: ApiDeps) {
  return {
    baseUrl: deps.config.publicUrl ?? `${request.protocol}://${request.host}`,
    version: request.microversion,
  };
}

const HTTP_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;

const ADMIN: Credentials = { roles: ['admin'], projectId: null, userId: null };
/** Of a request that was not authenticated (public routes): no role, so no rule but `@` admits it. */
const ANONYMOUS: Credentials = { roles: [], projectId: null, userId: null };

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const failedAuth =
    deps.config.auth.strategy === 'keystone'
      ? createFailedAuthLimiter(
          deps.config.auth.failedAuthLimits ?? { maxFailures: 20, windowSeconds: 60 },
          deps.clock,
        )
      : undefined;
  const policy = createPolicyEnforcer(deps.config.policyFile ? loadPolicyFile(deps.config.policyFile) : {});
  // pino's Logger and Fastify's logger type differ only in generics; the annotation bridges them.
  const apiLogger: FastifyBaseLogger = deps.logger.child({ part: 'api' });
  const app = Fastify({
    loggerInstance: apiLogger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    bodyLimit: deps.config.bodyLimitBytes,
    genReqId: () => `req-${randomUUID()}`,
    // Upstream routes any first path segment other than v1 to v1 (`/audits` works like `/v1/audits`).
    rewriteUrl: (request) => {
      const url = request.url ?? '/';
      if (url === '/' || /^\/(v1|metrics|openapi\.json|dashboard)(\/|\?|$)/.test(url) || url.startsWith('/?'))
        return url;
      return `/v1${url}`;
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    routerOptions: { ignoreTrailingSlash: true },
    // A path the router cannot decode (bad percent-encoding) is refused before any hook runs (onSend too);
    // answer it in Watcher's error body with the same headers as everything else.
    frameworkErrors: (error, request, reply) => {
      const refusal =
        error.code === 'FST_ERR_BAD_URL'
          ? new StewardError(
              'invalid',
              'INVALID_INPUT',
              'The request path is not valid UTF-8 once percent-decoded.',
            )
          : error;
      sendError(request, reply.headers(SECURITY_HEADERS), refusal);
    },
  });
  const baseline: Microversion = { major: 1, minor: 0 };
  app.decorateRequest('microversion', { getter: () => baseline });
  app.decorateRequest('credentials', { getter: () => ANONYMOUS });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      assertRouteDeclared(method, route.url, route.schema?.response);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Steward: Watcher-compatible Infrastructure Optimization API', version: '1.7' },
      components: {},
    },
  });

  // Cross-origin callers only when origins are configured. The preflight is answered in @fastify/cors's own
  // onRequest hook, registered before authentication: a browser sends it without the token.
  if (deps.config.cors) {
    const { origins } = deps.config.cors;
    await app.register(cors, {
      origin: origins.includes('*') ? true : origins,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Content-Type', 'X-Auth-Token', 'OpenStack-API-Version', 'X-Roles', 'X-Project-Id'],
      exposedHeaders: [
        'OpenStack-API-Version',
        'OpenStack-API-Minimum-Version',
        'OpenStack-API-Maximum-Version',
        'X-OpenStack-Request-Id',
        'Location',
      ],
      maxAge: 600,
      // A preflight without its headers is answered 204 without CORS headers, not with a plain-text 400.
      strictPreflight: false,
    });
  }

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-OpenStack-Request-Id', request.id);
    checkRequestTarget(request.raw.url ?? '/');
    if (!request.url.startsWith('/v1')) return;
    reply
      .header('OpenStack-API-Minimum-Version', versionHeaders.minimum)
      .header('OpenStack-API-Maximum-Version', versionHeaders.maximum)
      .header('Vary', 'OpenStack-API-Version');
    const version = parseMicroversion(request.headers['openstack-api-version']);
    Object.defineProperty(request, 'microversion', { value: version, writable: true });
    reply.header('OpenStack-API-Version', `${SERVICE_TYPE} ${formatMicroversion(version)}`);
    if (PUBLIC_ROUTES.has(routeKey(request.method, request.routeOptions.url ?? ''))) return;
    Object.defineProperty(request, 'credentials', {
      value: await authenticate(request, reply, deps, failedAuth),
      writable: true,
    });
  });

  app.addHook('onSend', async (request, reply) => {
    if (!isDashboardUrl(request.url)) {
      reply.headers(SECURITY_HEADERS);
      return;
    }
    // The dashboard's hashed assets keep the long cache @fastify/static gave them.
    const cacheControl = reply.getHeader('Cache-Control');
    reply.headers({ ...SECURITY_HEADERS, ...DASHBOARD_HEADERS });
    if (cacheControl !== undefined) reply.header('Cache-Control', cacheControl);
  });

  // Authorisation comes before validation, so a caller without the right learns nothing from the answer.
  app.addHook('preValidation', (request, _reply, done) => {
    const key = routeKey(request.method, request.routeOptions.url ?? '');
    try {
      if (Object.hasOwn(ROUTE_POLICIES, key)) policy.enforce(ROUTE_POLICIES[key]!, request.credentials);
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  // Only JSON bodies (415 otherwise, so a CORS-simple POST from a web page cannot reach a route); an empty body
  // is no body whatever its declared type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    const buffer = typeof body === 'string' ? Buffer.from(body) : body;
    if (buffer.length > 0 && !isJsonMediaType(request.headers['content-type'])) {
      const declared = request.headers['content-type'] ?? 'none';
      done(
        new StewardError(
          'unsupported_media_type',
          'UNSUPPORTED_MEDIA_TYPE',
          `Unsupported Content-Type ${declared}: send the body as application/json.`,
        ),
        undefined,
      );
      return;
    }
    try {
      done(null, parseJsonBody(buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) => {
    // Upstream (pecan) answers 405 with Allow for a known path and another method; Fastify only knows 404.
    const path = request.url.split('?')[0] ?? request.url;
    // The dashboard's wildcard route matches every path under it; a file it lacks is a plain 404.
    const allowed = isDashboardUrl(path)
      ? []
      : HTTP_METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
    if (allowed.length > 0) {
      reply.header('Allow', allowed.join(', '));
      const notAllowed = Object.assign(
        new Error(`The method ${request.method} is not allowed for ${path}.`),
        { statusCode: 405 },
      );
      return sendError(request, reply, notAllowed);
    }
    return sendError(
      request,
      reply,
      new StewardError(
        'not_found',
        'ROUTE_NOT_FOUND',
        `The resource could not be found: ${request.method} ${request.url}`,
      ),
    );
  });

  const routeDeps: RouteDeps = { ...deps, policy };
  const api: ApiInstance = app.withTypeProvider<TypeBoxTypeProvider>();
  registerRootRoutes(api, routeDeps);
  registerCatalogRoutes(api, routeDeps);
  registerAuditTemplateRoutes(api, routeDeps);
  registerAuditRoutes(api, routeDeps);
  registerActionPlanRoutes(api, routeDeps);
  registerActionRoutes(api, routeDeps);
  registerServiceRoutes(api, routeDeps);
  registerDataModelRoutes(api, routeDeps);
  registerDashboardRoutes(api, routeDeps);
  registerWebhookRoutes(api, routeDeps);
  registerMetricsRoute(api, routeDeps);
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  await registerDashboard(app, {
    root: deps.config.dashboardRoot,
    ...(deps.config.auth.strategy === 'keystone' &&
      deps.config.auth.login !== undefined && { login: deps.config.auth.login }),
    failedAuth,
  });
  await app.ready();
  return app;
}

async function authenticate(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ApiDeps,
  failedAuth: FailedAuthLimiter | undefined,
): Promise<Credentials> {
  const auth = deps.config.auth;
  if (auth.strategy === 'noauth') {
    // As upstream's noauth: roles come from X-Roles; without it the single-machine operator is the admin.
    const header = request.headers['x-roles'];
    const project = request.headers['x-project-id'];
    const projectId = typeof project === 'string' && project !== '' ? project : null;
    if (header === undefined) return projectId === null ? ADMIN : { ...ADMIN, projectId };
    const roles = (Array.isArray(header) ? header.join(',') : header)
      .split(',')
      .map((role) => role.trim())
      .filter(Boolean);
    return { roles, projectId, userId: null };
  }
  const token = request.headers['x-auth-token'];
  const wait = failedAuth?.retryAfter(request.ip);
  if (wait !== undefined) {
    reply.header('Retry-After', String(wait));
    throw new StewardError(
      'too_many_requests',
      'TOO_MANY_FAILED_AUTHENTICATIONS',
      `Too many refused tokens from ${request.ip}: try again in ${wait} s.`,
    );
  }
  // Only a token Keystone was asked about counts: a missing one costs nothing to refuse.
  const refuse = (message: string, counted: boolean) => {
    if (counted) failedAuth?.recordFailure(request.ip);
    // keystonemiddleware's header: clients learn where to get a token.
    reply.header('WWW-Authenticate', `Keystone uri="${auth.wwwAuthenticateUri}"`);
    return new StewardError('unauthenticated', 'NOT_AUTHENTICATED', message);
  };
  if (typeof token !== 'string' || token === '')
    throw refuse('Authentication required: send a Keystone token in X-Auth-Token.', false);
  const credentials = await auth.validateToken(token);
  if (!credentials) throw refuse('The Keystone token is invalid, expired or revoked.', true);
  return credentials;
}
