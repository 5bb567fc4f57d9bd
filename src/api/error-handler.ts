/**
 * The only place where error kinds become HTTP statuses. Every error leaves in Watcher's body with
 * `Content-Type: application/json`; anything that is not a StewardError is a 500 with a generic message, and the
 * real error is logged with the request id.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toWatcherErrorBody } from '../contract/error-body.js';
import { isStewardError, type ErrorKind } from '../errors.js';
import { formatSchemaErrors } from './schema-errors.js';

const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  too_many_requests: 429,
  forbidden: 403,
  not_found: 404,
  not_acceptable: 406,
  unsupported_media_type: 415,
  conflict: 409,
  internal: 500,
  upstream: 502,
  unavailable: 503,
};

export function statusOf(error: unknown): number {
  if (isStewardError(error)) return STATUS_OF_KIND[error.kind];
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) return 400;
  if (
    typeof fastifyError.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    return fastifyError.statusCode;
  }
  return 500;
}

function faultstringOf(error: unknown, status: number): string {
  if (isStewardError(error)) return error.message;
  const fastifyError = error as Partial<FastifyError> & { validationContext?: string };
  if (fastifyError.validation)
    return formatSchemaErrors(fastifyError.validation, fastifyError.validationContext ?? 'body');
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body is too large.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `Unsupported Content-Type: send application/json.`;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is empty; a JSON body is required.';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return `Malformed JSON in the request body: ${fastifyError.message ?? ''}`.trim();
    case undefined:
    default:
      break;
  }
  if (status === 400 && fastifyError instanceof SyntaxError)
    return `Malformed JSON in the request body: ${fastifyError.message}`;
  if (status < 500 && fastifyError.message) return fastifyError.message;
  return 'An unknown exception occurred.';
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const status = statusOf(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else
    request.log.info(
      { status, error: error instanceof Error ? error.message : String(error) },
      'request rejected',
    );
  return reply
    .code(status)
    .header('Content-Type', 'application/json')
    .send(toWatcherErrorBody(status, faultstringOf(error, status)));
}
