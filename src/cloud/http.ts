/**
 * The one JSON-over-HTTP call every OpenStack client makes: a per-attempt timeout joined with the caller's signal,
 * bounded retries with exponential backoff, and failures as `upstream()` StewardErrors that carry what the service
 * said (Nova/Cinder `{"conflictingRequest": {"message"}}`, Placement `{"errors": [{"detail", "code"}]}`, Keystone
 * `{"error": {"message"}}`).
 *
 * Retry policy: connection errors, timeouts and 5xx are retried when the request is idempotent (every method but
 * POST, unless the caller says otherwise). A non-idempotent POST (a server action) is retried only when the
 * connection failed before the request could have been sent (refused, DNS, unreachable, connect timeout): a reset,
 * a timeout or a 5xx after sending may mean Nova already acted, and acting twice (two migrations) is worse than
 * failing once with a retryable error the applier can re-check. 4xx is never retried.
 */
import { systemClock } from '../lib/clock.js';
import { isStewardError, upstream, type StewardError } from '../errors.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

export interface HttpPolicy {
  /** Per attempt, covering connect, headers and body. Default 30 s. */
  timeoutMs?: number;
  /** Attempts after the first one, for retryable failures. Default 3. */
  retries?: number;
  /** Delay before the first retry; it doubles for each further retry up to `maxBackoffMs`. Default 200 ms. */
  backoffMs?: number;
  /** Default 5 s; also caps a 503's `Retry-After`. */
  maxBackoffMs?: number;
  logger?: Logger;
  /** Every attempt is counted with labels `service` and `outcome` (ok, client_error, server_error, timeout, connection_error). */
  metrics?: Pick<Metrics, 'upstreamRequests'>;
  fetch?: typeof fetch;
}

export interface JsonRequest {
  /** `nova`, `placement`, `cinder`, `keystone`: the first word of error messages and the metrics label. */
  service: string;
  /** Names the call in errors and logs, with ids as placeholders: `POST /servers/{id}/action (os-migrateLive)`. */
  call: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON; `undefined` sends no body. */
  body?: unknown;
  /** Whether sending the request twice is harmless. Default: true for every method but POST. */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON answer; null when the body is empty (202 of a server action, 204). */
  body: unknown;
}

export type JsonRequester = (request: JsonRequest) => Promise<JsonResponse>;

/** Failures that happen before any byte of the request could have reached the server. */
const CONNECT_PHASE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

type Outcome = 'ok' | 'client_error' | 'server_error' | 'timeout' | 'connection_error';

interface AttemptFailure {
  error: StewardError;
  outcome: Outcome;
  /** False only when the request certainly never reached the server. */
  sent: boolean;
  retryAfterMs?: number;
}

export function createJsonRequester(policy: HttpPolicy = {}): JsonRequester {
  const timeoutMs = policy.timeoutMs ?? 30_000;
  const retries = Math.max(0, policy.retries ?? 3);
  const backoffMs = policy.backoffMs ?? 200;
  const maxBackoffMs = policy.maxBackoffMs ?? 5_000;
  const logger = (policy.logger ?? silentLogger).child({ part: 'cloud-http' });
  const doFetch = policy.fetch ?? fetch;

  async function attempt(request: JsonRequest): Promise<JsonResponse | AttemptFailure> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'steward',
      ...request.headers,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response | undefined;
    let text: string;
    try {
      response = await doFetch(request.url, {
        method: request.method,
        headers,
        signal,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      });
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      const status = undefined;
      if (timeout.aborted) {
        const detail = `no answer from ${new URL(request.url).origin} within ${timeoutMs} ms`;
        return {
          error: upstream(request.service, request.call, status, detail, { cause: error, retryable: true }),
          outcome: 'timeout',
          sent: true,
        };
      }
      const code = errorCode(error);
      const detail = `cannot reach ${new URL(request.url).origin}: ${code ?? (error as Error).message}`;
      return {
        error: upstream(request.service, request.call, status, detail, {
          cause: error,
          retryable: true,
          details: { errno: code },
        }),
        outcome: 'connection_error',
        sent: code === undefined || !CONNECT_PHASE_CODES.has(code),
      };
    }
    const requestId =
      response.headers.get('x-openstack-request-id') ??
      response.headers.get('x-compute-request-id') ??
      undefined;
    if (response.ok) {
      if (text.trim() === '') return { status: response.status, headers: response.headers, body: null };
      try {
        return { status: response.status, headers: response.headers, body: JSON.parse(text) as unknown };
      } catch (error) {
        const detail = `the answer is not JSON: ${snippet(text)}`;
        return {
          error: upstream(request.service, request.call, response.status, detail, {
            cause: error,
            retryable: false,
            details: { requestId },
          }),
          outcome: 'server_error',
          sent: true,
        };
      }
    }
    const said = parseErrorBody(text);
    const serverError = response.status >= 500;
    const error = upstream(
      request.service,
      request.call,
      response.status,
      said.code ? `${said.message} (${said.code})` : said.message,
      {
        retryable: serverError,
        details: { upstreamMessage: said.message, upstreamCode: said.code, requestId, url: request.url },
      },
    );
    return {
      error,
      outcome: serverError ? 'server_error' : 'client_error',
      sent: true,
      ...(response.status === 503 ? { retryAfterMs: retryAfterMs(response.headers.get('retry-after')) } : {}),
    };
  }

  return async function requestJson(request: JsonRequest): Promise<JsonResponse> {
    const idempotent = request.idempotent ?? request.method !== 'POST';
    for (let attemptNo = 1; ; attemptNo++) {
      const result = await attempt(request);
      const outcome: Outcome = 'error' in result ? result.outcome : 'ok';
      policy.metrics?.upstreamRequests.inc({ service: request.service, outcome });
      if (!('error' in result)) return result;
      const mayRepeat = result.error.retryable && (idempotent || !result.sent);
      if (!mayRepeat || attemptNo > retries) throw result.error;
      const delayMs = Math.min(maxBackoffMs, result.retryAfterMs ?? backoffMs * 2 ** (attemptNo - 1));
      logger.warn(
        {
          service: request.service,
          call: request.call,
          attempt: attemptNo,
          delayMs,
          err: result.error.message,
        },
        'upstream call failed; retrying',
      );
      await systemClock.sleep(delayMs, request.signal);
    }
  };
}

/** The message (and Placement's code) out of an OpenStack error body, or a snippet of whatever came instead. */
export function parseErrorBody(text: string): { message: string; code?: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { message: snippet(text) || 'empty answer' };
  }
  if (!isRecord(body)) return { message: snippet(text) };
  // Placement: {"errors": [{"status", "title", "detail", "code", "request_id"}]}
  if (Array.isArray(body.errors) && isRecord(body.errors[0])) {
    const first = body.errors[0];
    const message = stringOf(first.detail) ?? stringOf(first.title) ?? snippet(text);
    const code = stringOf(first.code);
    return code ? { message: message.trim(), code } : { message: message.trim() };
  }
  // Ironic (and Watcher): WSME's {"error_message": "<JSON with faultstring>"}.
  if (typeof body.error_message === 'string') {
    try {
      const inner: unknown = JSON.parse(body.error_message);
      if (isRecord(inner) && stringOf(inner.faultstring))
        return { message: stringOf(inner.faultstring) as string };
    } catch {
      // Older services put the message itself there.
    }
    return { message: body.error_message };
  }
  // Nova and Cinder: {"conflictingRequest": {"message", "code"}}; Keystone: {"error": {"message", "code", "title"}}.
  for (const value of Object.values(body)) {
    if (isRecord(value)) {
      const message = stringOf(value.message) ?? stringOf(value.title);
      if (message) return { message };
    }
  }
  // Prometheus-style or other flat bodies.
  return { message: stringOf(body.message) ?? stringOf(body.error) ?? snippet(text) };
}

/** True for an upstream error with that HTTP status (e.g. a 404 a getter turns into `undefined`). */
export const hasUpstreamStatus = (error: unknown, status: number): boolean =>
  isStewardError(error) && error.extra.details?.status === status;

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const nested = (current as { errors?: unknown }).errors;
    current = Array.isArray(nested) && nested.length > 0 ? nested[0] : (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

const snippet = (text: string): string =>
  text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
const stringOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
