/**
 * oslo.messaging's 2.0 envelope, as Nova writes it to RabbitMQ:
 * `{"oslo.version": "2.0", "oslo.message": "<the message, JSON-encoded as a string>"}`.
 * Decoding never throws: a broken message from a foreign producer must become a logged reason, not a crash.
 */
export const OSLO_VERSION = '2.0';

export interface OsloNotification {
  message_id?: string;
  publisher_id: string;
  event_type: string;
  priority: string;
  payload: unknown;
  timestamp?: string;
}

export type DecodeResult<T = unknown> =
  { ok: true; message: T; enveloped: boolean } | { ok: false; reason: string };

export function encodeOsloEnvelope(message: unknown): { 'oslo.version': string; 'oslo.message': string } {
  return { 'oslo.version': OSLO_VERSION, 'oslo.message': JSON.stringify(message) };
}

/**
 * Accepts the raw body (Buffer/string) or an already parsed object. A body without the envelope is passed through,
 * because oslo.messaging's notifier with `[oslo_messaging_notifications] driver = messaging` (v1) sends it bare.
 */
export function decodeOsloEnvelope(body: unknown): DecodeResult {
  let parsed: unknown = body;
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    try {
      parsed = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : body);
    } catch (error) {
      return { ok: false, reason: `body is not JSON: ${(error as Error).message}` };
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, reason: 'body is not a JSON object' };
  }
  const record = parsed as Record<string, unknown>;
  if (!('oslo.message' in record) && !('oslo.version' in record))
    return { ok: true, message: record, enveloped: false };
  const version = record['oslo.version'];
  if (typeof version !== 'string' || version.split('.')[0] !== OSLO_VERSION.split('.')[0]) {
    return { ok: false, reason: `unsupported oslo.version ${JSON.stringify(version)}` };
  }
  const inner = record['oslo.message'];
  if (typeof inner !== 'string') return { ok: false, reason: 'oslo.message is not a string' };
  try {
    return { ok: true, message: JSON.parse(inner) as unknown, enveloped: true };
  } catch (error) {
    return { ok: false, reason: `oslo.message is not JSON: ${(error as Error).message}` };
  }
}

/** Narrows a decoded message to a notification (event_type, publisher_id, priority, payload). */
export function asNotification(message: unknown): DecodeResult<OsloNotification> {
  if (message === null || typeof message !== 'object')
    return { ok: false, reason: 'notification is not an object' };
  const record = message as Record<string, unknown>;
  for (const field of ['event_type', 'publisher_id', 'priority'] as const) {
    if (typeof record[field] !== 'string')
      return { ok: false, reason: `notification has no string ${field}` };
  }
  if (!('payload' in record)) return { ok: false, reason: 'notification has no payload' };
  return { ok: true, message: record as unknown as OsloNotification, enveloped: false };
}
