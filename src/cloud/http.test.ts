import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isStewardError, type StewardError } from '../errors.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createJsonRequester, parseErrorBody, type JsonRequest } from './http.js';

/** A loopback server that misbehaves on purpose, one behaviour per path; `hits` counts requests per path. */
const hits = new Map<string, number>();
let server: Server;
let base: string;

const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  const count = (hits.get(path) ?? 0) + 1;
  hits.set(path, count);
  switch (path) {
    case '/flaky':
      return count === 1
        ? json(res, 503, { computeFault: { message: 'Service Unavailable', code: 503 } })
        : json(res, 200, { ok: true, attempt: count });
    case '/always-503':
      return json(
        res,
        503,
        { computeFault: { message: 'The server is currently unavailable.', code: 503 } },
        { 'retry-after': '0' },
      );
    case '/hang':
      return; // never answers
    case '/reset':
      req.socket.destroy();
      return;
    case '/nova-400':
      return json(res, 400, {
        badRequest: { message: 'Invalid input for field/attribute host. Value: 42.', code: 400 },
      });
    case '/nova-409':
      return json(res, 409, {
        conflictingRequest: {
          message: "Cannot 'os-migrateLive' instance 9c5e while it is in task_state migrating",
          code: 409,
        },
      });
    case '/placement-409':
      return json(res, 409, {
        errors: [
          {
            status: 409,
            title: 'Conflict',
            detail: 'resource provider generation conflict',
            code: 'placement.concurrent_update',
            request_id: 'req-1',
          },
        ],
      });
    case '/accepted':
      res.writeHead(202, { 'x-openstack-request-id': 'req-accepted' });
      return void res.end();
    case '/not-json':
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html><body>proxy says hello</body></html>');
    case '/html-502':
      res.writeHead(502, { 'content-type': 'text/html' });
      return void res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    default:
      return json(res, 200, { path, method: req.method });
  }
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => hits.clear());

// Generous: a loaded machine must not turn an answer into a timeout; the timeout tests set their own.
const FAST = { timeoutMs: 2_000, retries: 2, backoffMs: 1, maxBackoffMs: 2 };
const get = (path: string, extra: Partial<JsonRequest> = {}): JsonRequest => ({
  service: 'nova',
  call: `GET ${path}`,
  method: 'GET',
  url: `${base}${path}`,
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<StewardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isStewardError(error)) throw new Error(`expected a StewardError, got ${String(error)}`);
  return error;
}

async function countOf(metrics: Metrics, service: string, outcome: string): Promise<number> {
  const values = (await metrics.upstreamRequests.get()).values;
  return values.find((v) => v.labels.service === service && v.labels.outcome === outcome)?.value ?? 0;
}

describe('createJsonRequester', () => {
  it('retries a 503 and returns the answer that follows', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const request = createJsonRequester({ ...FAST, metrics });
    const answer = await request(get('/flaky'));
    expect(answer.body).toEqual({ ok: true, attempt: 2 });
    expect(hits.get('/flaky')).toBe(2);
    expect(await countOf(metrics, 'nova', 'server_error')).toBe(1);
    expect(await countOf(metrics, 'nova', 'ok')).toBe(1);
  });

  it('gives up after the configured retries with a retryable error that names the service, call and status', async () => {
    const error = await failure(createJsonRequester(FAST)(get('/always-503')));
    expect(hits.get('/always-503')).toBe(3);
    expect(error.message).toBe(
      'nova GET /always-503 failed with HTTP 503: The server is currently unavailable.',
    );
    expect(error.retryable).toBe(true);
    expect(error.kind).toBe('upstream');
  });

  it('reads a proxy page of a 502 as text and retries it', async () => {
    const error = await failure(createJsonRequester({ ...FAST, retries: 1 })(get('/html-502')));
    expect(hits.get('/html-502')).toBe(2);
    expect(error.message).toBe('nova GET /html-502 failed with HTTP 502: 502 Bad Gateway');
  });

  it('times out an answer that never comes, retrying idempotent calls', async () => {
    const error = await failure(createJsonRequester({ ...FAST, timeoutMs: 20, retries: 1 })(get('/hang')));
    expect(hits.get('/hang')).toBe(2);
    expect(error.message).toMatch(
      /^nova GET \/hang failed: no answer from http:\/\/127\.0\.0\.1:\d+ within 20 ms$/,
    );
    expect(error.kind).toBe('unavailable');
    expect(error.retryable).toBe(true);
  });

  it('does not repeat a POST that timed out, since Nova may already be acting on it', async () => {
    const error = await failure(
      // Long enough for the request to reach the server on a loaded machine: the point is that it is not sent twice.
      createJsonRequester({ ...FAST, timeoutMs: 250 })(
        get('/hang', { method: 'POST', body: { 'os-stop': null } }),
      ),
    );
    expect(hits.get('/hang')).toBe(1);
    expect(error.retryable).toBe(true);
  });

  it('retries a GET whose connection was reset but not a POST', async () => {
    const request = createJsonRequester(FAST);
    const getError = await failure(request(get('/reset')));
    expect(hits.get('/reset')).toBe(3);
    expect(getError.message).toMatch(/^nova GET \/reset failed: cannot reach http:\/\/127\.0\.0\.1:\d+: /);
    hits.clear();
    await failure(request(get('/reset', { method: 'POST', body: {} })));
    expect(hits.get('/reset')).toBe(1);
  });

  it('retries even a POST when the connection was refused, because nothing was sent', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const metrics = createMetrics({ defaultMetrics: false });
    const error = await failure(
      createJsonRequester({ ...FAST, metrics })({
        service: 'nova',
        call: 'POST /servers/{id}/action (os-stop)',
        method: 'POST',
        url: `http://127.0.0.1:${port}/x`,
        body: { 'os-stop': null },
      }),
    );
    expect(await countOf(metrics, 'nova', 'connection_error')).toBe(3);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it("never retries a 4xx and carries Nova's message", async () => {
    const error = await failure(createJsonRequester(FAST)(get('/nova-400')));
    expect(hits.get('/nova-400')).toBe(1);
    expect(error.message).toBe(
      'nova GET /nova-400 failed with HTTP 400: Invalid input for field/attribute host. Value: 42.',
    );
    expect(error.retryable).toBe(false);
    expect(error.extra.details).toMatchObject({
      service: 'nova',
      status: 400,
      upstreamMessage: 'Invalid input for field/attribute host. Value: 42.',
    });
  });

  it('names the server action in a 409', async () => {
    const error = await failure(
      createJsonRequester(FAST)(
        get('/nova-409', { method: 'POST', call: 'POST /servers/{id}/action (os-migrateLive)', body: {} }),
      ),
    );
    expect(error.message).toBe(
      "nova POST /servers/{id}/action (os-migrateLive) failed with HTTP 409: Cannot 'os-migrateLive' instance 9c5e while it is in task_state migrating",
    );
  });

  it("keeps Placement's error code", async () => {
    const error = await failure(
      createJsonRequester(FAST)(
        get('/placement-409', {
          service: 'placement',
          call: 'PUT /resource_providers/{uuid}/traits',
          method: 'PUT',
          body: {},
        }),
      ),
    );
    expect(error.message).toBe(
      'placement PUT /resource_providers/{uuid}/traits failed with HTTP 409: resource provider generation conflict (placement.concurrent_update)',
    );
    expect(error.extra.details).toMatchObject({
      upstreamCode: 'placement.concurrent_update',
      requestId: undefined,
    });
  });

  it('answers an empty 202 with a null body', async () => {
    const answer = await createJsonRequester(FAST)(get('/accepted', { method: 'POST', body: {} }));
    expect(answer).toMatchObject({ status: 202, body: null });
    expect(answer.headers.get('x-openstack-request-id')).toBe('req-accepted');
  });

  it('fails without retrying on a 200 that is not JSON', async () => {
    const error = await failure(createJsonRequester(FAST)(get('/not-json')));
    expect(hits.get('/not-json')).toBe(1);
    expect(error.message).toBe(
      'nova GET /not-json failed with HTTP 200: the answer is not JSON: proxy says hello',
    );
  });

  it("stops at once, with the caller's reason, when the caller aborts", async () => {
    const controller = new AbortController();
    const pending = createJsonRequester({ ...FAST, timeoutMs: 5_000 })(
      get('/hang', { signal: controller.signal }),
    );
    // Abort once the server holds the request, not after a fixed delay a loaded machine may not meet.
    const before = hits.get('/hang') ?? 0;
    while ((hits.get('/hang') ?? 0) === before) await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('action plan cancelled'));
    await expect(pending).rejects.toThrow('action plan cancelled');
    expect((hits.get('/hang') ?? 0) - before).toBe(1);
  });

  it('sends JSON with the given headers', async () => {
    const answer = await createJsonRequester(FAST)(
      get('/echo', { method: 'PUT', body: { a: 1 }, headers: { 'x-auth-token': 't' } }),
    );
    expect(answer.body).toEqual({ path: '/echo', method: 'PUT' });
  });
});

describe('parseErrorBody', () => {
  it.each([
    [
      'Nova',
      '{"itemNotFound": {"message": "Instance x could not be found.", "code": 404}}',
      { message: 'Instance x could not be found.' },
    ],
    [
      'Cinder',
      '{"badRequest": {"code": 400, "message": "Invalid host foo: no such pool"}}',
      { message: 'Invalid host foo: no such pool' },
    ],
    [
      'Placement',
      '{"errors": [{"status": 400, "title": "Bad Request", "detail": "No such trait(s): CUSTOM_X", "code": "placement.undefined_code"}]}',
      { message: 'No such trait(s): CUSTOM_X', code: 'placement.undefined_code' },
    ],
    [
      'Keystone',
      '{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}',
      { message: 'The request you have made requires authentication.' },
    ],
    [
      'Ironic',
      '{"error_message": "{\\"faultcode\\": \\"Client\\", \\"faultstring\\": \\"Node n1 could not be found.\\", \\"debuginfo\\": null}"}',
      { message: 'Node n1 could not be found.' },
    ],
    ['an HTML proxy page', '<html><h1>502 Bad Gateway</h1></html>', { message: '502 Bad Gateway' }],
    ['an empty body', '', { message: 'empty answer' }],
  ])('reads the message of %s', (_name, body, expected) => {
    expect(parseErrorBody(body)).toEqual(expected);
  });
});
