/**
 * Microversion negotiation for Nova and Placement: ask for the newest version Steward understands, settle for what
 * the service offers down to the minimum Steward needs, and fail with a sentence naming both when the service is
 * too old. The service's root document (`{"version": {...}}` for Nova, `{"versions": [...]}` for Placement) gives
 * its range.
 */
import { isStewardError, upstream } from '../errors.js';
import type { ServiceClient } from './service-client.js';
import type { WireReader } from './wire-reader.js';

export type Microversion = readonly [major: number, minor: number];

export function parseMicroversion(text: string): Microversion {
  const match = /^(\d+)\.(\d+)$/.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not a microversion like 2.96`);
  return [Number(match[1]), Number(match[2])];
}

export const formatMicroversion = (version: Microversion): string => `${version[0]}.${version[1]}`;

export const compareMicroversions = (a: Microversion, b: Microversion): number => a[0] - b[0] || a[1] - b[1];

export const atLeast = (version: Microversion, minor: number, major = version[0]): boolean =>
  compareMicroversions(version, [major, minor]) >= 0;

export interface NegotiationOptions {
  client: ServiceClient;
  wanted: Microversion;
  minimum: Microversion;
  /** Reads `[min, max]` from the root document, or undefined when it does not say. */
  range(root: WireReader): [Microversion, Microversion] | undefined;
}

/**
 * The version to send: `wanted` when the service supports it, else the service's maximum if that is at least
 * `minimum`. A root document that cannot be read (a catalog URL with a project id, a proxy) leaves `wanted`, and the
 * service's own 406 will say what is wrong.
 */
export async function negotiateMicroversion(
  options: NegotiationOptions,
  signal?: AbortSignal,
): Promise<Microversion> {
  const { client, wanted, minimum } = options;
  let range: [Microversion, Microversion] | undefined;
  try {
    const root = await client.request({
      method: 'GET',
      path: '/',
      call: 'GET / (version discovery)',
      bare: true,
      ...(signal ? { signal } : {}),
    });
    range = options.range(root.read());
  } catch (error) {
    // Only an answer that says nothing useful is ignored; an unreachable service fails here as it would later.
    if (!isStewardError(error) || error.retryable) throw error;
  }
  if (!range) return wanted;
  const [serverMin, serverMax] = range;
  if (compareMicroversions(serverMax, minimum) < 0 || compareMicroversions(serverMin, wanted) > 0) {
    throw upstream(
      client.service,
      'version discovery',
      undefined,
      `the service supports microversions ${formatMicroversion(serverMin)} to ${formatMicroversion(serverMax)} but Steward needs at least ${formatMicroversion(minimum)} (and at most ${formatMicroversion(wanted)})`,
      { retryable: false },
    );
  }
  return compareMicroversions(serverMax, wanted) < 0 ? serverMax : wanted;
}

/** Negotiates on first use and reuses the answer; a failed negotiation is tried again by the next call. */
export function negotiatedOnce(
  options: () => NegotiationOptions,
): (signal?: AbortSignal) => Promise<Microversion> {
  let negotiated: Promise<Microversion> | undefined;
  return (signal) => {
    negotiated ??= negotiateMicroversion(options(), signal).catch((error: unknown) => {
      negotiated = undefined;
      throw error;
    });
    return negotiated;
  };
}
