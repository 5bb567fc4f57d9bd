/**
 * What every request must satisfy before any route sees it. Probing the API with generated requests found the
 * inputs that got past the schemas and answered 500: a NUL character reaching PostgreSQL (which cannot store
 * U+0000 in text or jsonb), JSON nested deep enough to overflow the recursive validators, and bytes that are not
 * UTF-8. They are refused here, once, with a 400 naming the problem.
 */
import { StewardError } from '../errors.js';

/** Deeper than any strategy's parameters need (zone_migration's are 4 levels below the body), far from the stack's limit. */
export const MAX_JSON_DEPTH = 32;
/** Upstream's list routes take at most 7 query parameters; more is a probe, not a client. */
export const MAX_QUERY_PARAMETERS = 32;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function rejected(message: string): StewardError {
  return new StewardError('invalid', 'INVALID_INPUT', message);
}

/** Checks the request line as the client sent it: percent-encoding that decodes to UTF-8, no NUL. */
export function checkRequestTarget(rawUrl: string): void {
  const query = rawUrl.indexOf('?');
  const path = query === -1 ? rawUrl : rawUrl.slice(0, query);
  const parts = query === -1 ? [] : rawUrl.slice(query + 1).split('&');
  if (parts.length > MAX_QUERY_PARAMETERS)
    throw rejected(`Too many query parameters: ${parts.length} (at most ${MAX_QUERY_PARAMETERS}).`);
  for (const [where, text] of [['path', path], ...parts.map((part) => ['query', part] as const)] as const) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      throw rejected(`The request ${where} is not valid UTF-8 once percent-decoded: ${text.slice(0, 80)}`);
    }
    if (decoded.includes('\u0000'))
      throw rejected(
        `The request ${where} contains a NUL character (U+0000), which Steward does not accept.`,
      );
  }
}

/**
 * Parses a JSON body: UTF-8 only, nesting bounded, no NUL in any key or string. Returns undefined for an empty
 * body (python-watcherclient sends DELETE and `/start` with a content type and nothing in it).
 */
export function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw rejected('The request body is not valid UTF-8.');
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw rejected(`Malformed JSON in the request body: ${(error as Error).message}`);
  }
  checkJsonValue(value);
  return value;
}

/** Iterative, so that the check itself cannot overflow on the input it exists to refuse. */
function checkJsonValue(root: unknown): void {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) throw nulInBody();
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH)
      throw rejected(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
    if (Array.isArray(value)) {
      for (const item of value) pending.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) throw nulInBody();
      pending.push({ value: item, depth: depth + 1 });
    }
  }
}

function nulInBody(): StewardError {
  return rejected('The request body contains a NUL character (U+0000), which Steward does not accept.');
}

/** JSON and nothing else: a CORS-simple `text/plain` or form POST from a web page must not reach a route. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  return essence === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(essence);
}

/** Headers every response carries: the API serves JSON only, never something a browser should render or frame. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};
