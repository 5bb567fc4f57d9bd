import { describe, expect, it } from 'vitest';
import { isStewardError } from '../errors.js';
import { checkRequestTarget, isJsonMediaType, MAX_JSON_DEPTH, parseJsonBody } from './edge.js';

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(isStewardError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a rejection');
}

const nested = (depth: number) => '{"a": '.repeat(depth) + '1' + '}'.repeat(depth);

describe('request edge', () => {
  it('accepts JSON nested as deep as the bound and refuses one level more', () => {
    expect(parseJsonBody(Buffer.from(nested(MAX_JSON_DEPTH)))).toBeTypeOf('object');
    expect(messageOf(() => parseJsonBody(Buffer.from(nested(MAX_JSON_DEPTH + 1))))).toMatch(/nested deeper/);
  });

  it('refuses a million-deep body without overflowing its own stack', () => {
    const depth = 1_000_000;
    const body = Buffer.from('['.repeat(depth) + ']'.repeat(depth));
    // JSON.parse itself may give up first on some engines; either way it is a 400, not a RangeError.
    expect(messageOf(() => parseJsonBody(body))).toMatch(/nested deeper|Malformed JSON/);
  });

  it('refuses NUL in keys and strings at any depth, and bytes that are not UTF-8', () => {
    expect(messageOf(() => parseJsonBody(Buffer.from('{"a": ["x", {"b\\u0000": 1}]}')))).toMatch(/NUL/);
    expect(messageOf(() => parseJsonBody(Buffer.from('{"a": [["x\\u0000"]]}')))).toMatch(/NUL/);
    expect(messageOf(() => parseJsonBody(Buffer.from([0x22, 0xff, 0x22])))).toMatch(/UTF-8/);
    expect(parseJsonBody(Buffer.from('{"name": "caf\\u00e9 ☕"}'))).toEqual({ name: 'café ☕' });
  });

  it('takes an empty or blank body as no body', () => {
    expect(parseJsonBody(Buffer.alloc(0))).toBeUndefined();
    expect(parseJsonBody(Buffer.from(' \n'))).toBeUndefined();
  });

  it('checks the request target as sent: NUL, broken percent-encoding, too many parameters', () => {
    expect(() => checkRequestTarget('/v1/audits?goal=dummy&limit=10')).not.toThrow();
    expect(() => checkRequestTarget('/v1/goals/caf%C3%A9')).not.toThrow();
    expect(messageOf(() => checkRequestTarget('/v1/goals/a%00b'))).toMatch(/path contains a NUL/);
    expect(messageOf(() => checkRequestTarget('/v1/goals?goal=a%00'))).toMatch(/query contains a NUL/);
    expect(messageOf(() => checkRequestTarget('/v1/goals?goal=%C3%28'))).toMatch(/not valid UTF-8/);
    const many = Array.from({ length: 33 }, (_, i) => `p${i}=1`).join('&');
    expect(messageOf(() => checkRequestTarget(`/v1/goals?${many}`))).toMatch(/Too many query parameters/);
  });

  it('takes application/json with parameters and +json types as JSON, nothing else', () => {
    expect(isJsonMediaType('application/json')).toBe(true);
    expect(isJsonMediaType('Application/JSON; charset=utf-8')).toBe(true);
    expect(isJsonMediaType('application/merge-patch+json')).toBe(true);
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'])
      expect(isJsonMediaType(type)).toBe(false);
  });
});
