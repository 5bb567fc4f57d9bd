/**
 * Reads untrusted JSON answers field by field. A missing or mistyped required field is an `upstream()` error that
 * names the call and the field path, so a cloud that answers in an unexpected shape fails loudly instead of
 * filling the model with `undefined`. Optional fields fall back to their documented default.
 */
import { upstream, type StewardError } from '../errors.js';

export interface WireOrigin {
  service: string;
  call: string;
  status: number;
}

export class WireReader {
  readonly #value: Record<string, unknown>;
  readonly #path: string;
  readonly #origin: WireOrigin;

  private constructor(value: Record<string, unknown>, path: string, origin: WireOrigin) {
    this.#value = value;
    this.#path = path;
    this.#origin = origin;
  }

  /** The answer's top level; it must be a JSON object. */
  static of(value: unknown, origin: WireOrigin): WireReader {
    if (!isRecord(value)) throw malformed(origin, 'the answer', 'a JSON object');
    return new WireReader(value, '', origin);
  }

  has(key: string): boolean {
    return this.#value[key] !== undefined && this.#value[key] !== null;
  }

  raw(key: string): unknown {
    return this.#value[key];
  }

  string(key: string): string {
    const value = this.#value[key];
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    throw this.#fail(key, 'a string');
  }

  stringOr<D extends string | null>(key: string, fallback: D): string | D {
    const value = this.#value[key];
    if (value === undefined || value === null || value === '') return fallback;
    return this.string(key);
  }

  number(key: string): number {
    const value = this.#value[key];
    const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof parsed === 'number' && !Number.isNaN(parsed)) return parsed;
    throw this.#fail(key, 'a number');
  }

  numberOr<D extends number | null>(key: string, fallback: D): number | D {
    const value = this.#value[key];
    if (value === undefined || value === null || value === '') return fallback;
    return this.number(key);
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.#value[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    // Cinder's `bootable` is the string "true"/"false".
    if (value === 'true' || value === 'True') return true;
    if (value === 'false' || value === 'False') return false;
    throw this.#fail(key, 'a boolean');
  }

  /** OpenStack timestamps, with or without a zone: Nova's "2016-01-29T13:42:02.000000" is UTC. */
  date(key: string): Date {
    const value = this.string(key);
    const date = new Date(/(Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`);
    if (Number.isNaN(date.getTime())) throw this.#fail(key, 'a timestamp');
    return date;
  }

  dateOrNull(key: string): Date | null {
    return this.has(key) ? this.date(key) : null;
  }

  object(key: string): WireReader {
    const value = this.#value[key];
    if (!isRecord(value)) throw this.#fail(key, 'an object');
    return new WireReader(value, this.#at(key), this.#origin);
  }

  objectOrNull(key: string): WireReader | null {
    return isRecord(this.#value[key]) ? this.object(key) : null;
  }

  /** An array of objects; a missing key is an error. */
  objects(key: string): WireReader[] {
    const value = this.#value[key];
    if (!Array.isArray(value)) throw this.#fail(key, 'an array');
    return value.map((item, index) => {
      if (!isRecord(item)) throw this.#fail(`${key}[${index}]`, 'an object');
      return new WireReader(item, `${this.#at(key)}[${index}]`, this.#origin);
    });
  }

  objectsOrEmpty(key: string): WireReader[] {
    return this.has(key) ? this.objects(key) : [];
  }

  strings(key: string): string[] {
    const value = this.#value[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
      throw this.#fail(key, 'an array of strings');
    return value;
  }

  /** A map of strings (metadata, extra specs); non-string values are stringified as Nova would store them. */
  stringRecord(key: string): Record<string, string> {
    const value = this.#value[key];
    if (value === undefined || value === null) return {};
    if (!isRecord(value)) throw this.#fail(key, 'an object');
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
  }

  record(key: string): Record<string, unknown> {
    const value = this.#value[key];
    if (value === undefined || value === null) return {};
    if (!isRecord(value)) throw this.#fail(key, 'an object');
    return { ...value };
  }

  /** Each entry of an object whose values are objects (Placement inventories, allocations). */
  entries(key: string): [string, WireReader][] {
    const reader = this.object(key);
    return Object.keys(reader.#value).map((name) => [name, reader.object(name)]);
  }

  #at(key: string): string {
    return this.#path === '' ? key : `${this.#path}.${key}`;
  }

  #fail(key: string, expected: string): StewardError {
    return malformed(this.#origin, `"${this.#at(key)}"`, expected);
  }
}

function malformed(origin: WireOrigin, what: string, expected: string): StewardError {
  return upstream(
    origin.service,
    origin.call,
    origin.status,
    `unexpected answer: ${what} is not ${expected}`,
    { retryable: false },
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
