/**
 * The one error type of Steward. A handful of kinds decide the HTTP status (only in api/error-handler.ts);
 * the stable `code` is documented in docs/errors.md. Outcomes (a skipped action, an empty solution) are values,
 * never errors.
 */
export const ERROR_KINDS = [
  'invalid',
  'unauthenticated',
  'too_many_requests',
  'not_found',
  'conflict',
  'forbidden',
  'not_acceptable',
  'unsupported_media_type',
  'upstream',
  'unavailable',
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_PARAMETERS'
  | 'INVALID_PATCH'
  | 'INVALID_STATE_TRANSITION'
  | 'INVALID_SORT'
  | 'INVALID_UUID'
  | 'INVALID_SCOPE'
  | 'INVALID_INTERVAL'
  | 'INVALID_RANGE'
  | 'NOT_IN_PROJECT'
  | 'NO_STRATEGY_FOR_GOAL'
  | 'BODY_TOO_LARGE'
  | 'TOO_MANY_FAILED_AUTHENTICATIONS'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNSUPPORTED_MICROVERSION'
  | 'MICROVERSION_TOO_LOW'
  | 'POLICY_FORBIDDEN'
  | 'NOT_AUTHENTICATED'
  | 'RESOURCE_NOT_FOUND'
  | 'ROUTE_NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'ACTION_PLAN_ONGOING'
  | 'STRATEGY_FAILED'
  | 'UNSUPPORTED_ACTION_TYPE'
  | 'METRIC_UNAVAILABLE'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_UNAVAILABLE'
  | 'BUS_UNAVAILABLE'
  | 'TIMEOUT'
  | 'INTERNAL';

export interface StewardErrorExtra {
  cause?: unknown;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

export class StewardError extends Error {
  override readonly name = 'StewardError';
  constructor(
    readonly kind: ErrorKind,
    readonly code: ErrorCode,
    message: string,
    readonly extra: StewardErrorExtra = {},
  ) {
    super(message, { cause: extra.cause });
  }

  get retryable(): boolean {
    return this.extra.retryable ?? false;
  }
}

export const isStewardError = (error: unknown): error is StewardError => error instanceof StewardError;

/** Watcher's wording: "Audit 1234 could not be found", "AuditTemplate x could not be found". */
export const notFound = (resourceLabel: string, id: string): StewardError =>
  new StewardError('not_found', 'RESOURCE_NOT_FOUND', `${resourceLabel} ${id} could not be found`, {
    details: { resource: resourceLabel, id },
  });

export const invalid = (
  message: string,
  details?: Record<string, unknown>,
  code: ErrorCode = 'INVALID_INPUT',
): StewardError => new StewardError('invalid', code, message, { details });

export const conflict = (
  message: string,
  code: ErrorCode = 'CONFLICT',
  details?: Record<string, unknown>,
): StewardError => new StewardError('conflict', code, message, { details });

export const invalidTransition = (machine: string, from: string, to: string): StewardError =>
  new StewardError(
    'conflict',
    'INVALID_STATE_TRANSITION',
    `State transition not allowed: (${from} -> ${to})`,
    {
      details: { machine, from, to },
    },
  );

/**
 * A failed call to another service, naming the service and the call so an operator can find it. `status` is
 * undefined when no answer came (connection error, timeout). `details` adds what the service said (its own
 * message and code, the request id) for logs and callers that branch on it.
 */
export const upstream = (
  service: string,
  call: string,
  status: number | undefined,
  detail: string,
  extra: { retryable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {},
): StewardError =>
  new StewardError(
    status === undefined ? 'unavailable' : 'upstream',
    status === undefined ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_ERROR',
    `${service} ${call} failed${status === undefined ? '' : ` with HTTP ${status}`}: ${detail}`,
    {
      retryable: extra.retryable ?? (status === undefined || status >= 500),
      cause: extra.cause,
      details: { ...extra.details, service, call, status },
    },
  );

export const internal = (message: string, cause?: unknown): StewardError =>
  new StewardError('internal', 'INTERNAL', message, { cause });
