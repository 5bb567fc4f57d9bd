/**
 * What the Nova and Cinder collectors share on the wire: reading an oslo notification's envelope fields, and
 * reading payload fields with every problem collected, so a dropped message's reason names all of them at once.
 */
import { asNotification, decodeOsloEnvelope } from '../bus/oslo-envelope.js';
import type { NotificationResult } from './nova-notifications.js';

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * oslo.messaging writes `str(utcnow())`: `2026-05-13 12:53:00.123456`, naive UTC, no fraction when it is zero.
 * Payload times are ISO 8601 with `Z`. Both are read as UTC; anything else is undefined.
 */
export function parseNovaTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    value.trim(),
  );
  if (!match) return undefined;
  const fraction = match[3] ? match[3].slice(0, 4) : '';
  const date = new Date(`${match[1]}T${match[2]}${fraction}${match[4] ?? 'Z'}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The envelope fields every notification has, with its payload read by the collector's own reader. */
export interface NotificationEnvelope<P> {
  messageId: string | undefined;
  eventType: string;
  publisherId: string;
  priority: string;
  /** When the service sent it (oslo's naive-UTC `timestamp`); undefined when the message has none. */
  timestamp: Date | undefined;
  payload: P;
}

export type DecodedEnvelope<P> =
  { ok: true; envelope: NotificationEnvelope<P> } | { ok: false; result: NotificationResult };

export const malformed = (eventType: string, reason: string): { ok: false; result: NotificationResult } => ({
  ok: false,
  result: { outcome: 'dropped_malformed', eventType, reason },
});

/**
 * Reads a raw bus message (oslo 2.0 envelope, or a bare message); never throws. `readPayload` checks the payload
 * (a versioned object for Nova, a flat dict for Cinder) and answers the reason when it is not what it must be.
 */
export function decodeNotificationEnvelope<P>(
  body: unknown,
  readPayload: (payload: unknown) => { ok: true; payload: P } | { ok: false; reason: string },
): DecodedEnvelope<P> {
  const decoded = decodeOsloEnvelope(body);
  if (!decoded.ok) return malformed('unknown', decoded.reason);
  const narrowed = asNotification(decoded.message);
  if (!narrowed.ok) {
    const eventType =
      isRecord(decoded.message) && typeof decoded.message.event_type === 'string'
        ? decoded.message.event_type
        : 'unknown';
    return malformed(eventType, narrowed.reason);
  }
  const message = narrowed.message;
  const payload = readPayload(message.payload);
  if (!payload.ok) return malformed(message.event_type, payload.reason);
  const timestamp = message.timestamp === undefined ? undefined : parseNovaTime(message.timestamp);
  if (message.timestamp !== undefined && timestamp === undefined)
    return malformed(message.event_type, `timestamp ${JSON.stringify(message.timestamp)} is not a time`);
  const messageId = (message as { message_id?: unknown }).message_id;
  if (messageId !== undefined && typeof messageId !== 'string')
    return malformed(message.event_type, 'message_id is not a string');
  return {
    ok: true,
    envelope: {
      messageId,
      eventType: message.event_type,
      publisherId: message.publisher_id,
      priority: message.priority,
      timestamp,
      payload: payload.payload,
    },
  };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The value read, or every problem the reader met. */
export const parsed = <T>(reader: PayloadReader, value: T): Parsed<T> =>
  reader.problems.length > 0
    ? { ok: false, reason: `payload ${reader.problems.join('; ')}` }
    : { ok: true, value };

/** Field readers that collect every problem, so a dropped message's reason names all of them at once. */
export class PayloadReader {
  readonly problems: string[] = [];
  constructor(
    readonly data: Record<string, unknown>,
    readonly prefix = '',
    /** Cinder writes '' where a field has no value; read that as null. */
    readonly emptyIsNull = false,
  ) {}

  #problem(field: string, expected: string): void {
    this.problems.push(
      `${this.prefix}${field} ${field in this.data ? 'is not' : 'is missing, expected'} ${expected}`,
    );
  }

  string(field: string): string {
    const value = this.data[field];
    if (typeof value === 'string' && value !== '') return value;
    this.#problem(field, 'a non-empty string');
    return '';
  }

  nullableString(field: string): string | null {
    const value = this.data[field];
    if (value === null || typeof value === 'string') return this.emptyIsNull && value === '' ? null : value;
    this.#problem(field, 'a string or null');
    return null;
  }

  boolean(field: string): boolean {
    const value = this.data[field];
    if (typeof value === 'boolean') return value;
    this.#problem(field, 'a boolean');
    return false;
  }

  optionalBoolean(field: string): boolean | undefined {
    return this.data[field] === undefined ? undefined : this.boolean(field);
  }

  count(field: string): number {
    const value = this.data[field];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    this.#problem(field, 'a non-negative integer');
    return 0;
  }

  optionalCount(field: string): number {
    return this.data[field] === undefined || this.data[field] === null ? 0 : this.count(field);
  }

  /** A map of string values; `null` (no metadata) counts as empty. */
  stringMap(field: string, { optional = false } = {}): Record<string, string> {
    const value = this.data[field];
    if ((value === undefined && optional) || value === null) return {};
    if (isRecord(value) && Object.values(value).every((entry) => typeof entry === 'string'))
      return { ...(value as Record<string, string>) };
    this.#problem(field, 'an object of strings');
    return {};
  }

  time(field: string): Date | undefined {
    const value = this.data[field];
    if (value === undefined || value === null) return undefined;
    const parsed = parseNovaTime(value);
    if (!parsed) this.#problem(field, 'an ISO 8601 time or null');
    return parsed;
  }

  /** A nested Nova versioned object's `nova_object.data`. */
  object(field: string): PayloadReader | undefined {
    const value = this.data[field];
    if (isRecord(value) && isRecord(value['nova_object.data']))
      return new PayloadReader(value['nova_object.data'], `${this.prefix}${field}.`);
    this.#problem(field, 'a versioned object');
    return undefined;
  }

  /** Capacities are Python floats; `virtual_free` may be negative on an over-subscribed pool. */
  number(field: string): number {
    const value = this.data[field];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    this.#problem(field, 'a number');
    return 0;
  }
}
