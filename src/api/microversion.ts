/**
 * Watcher's microversion negotiation (`OpenStack-API-Version: infra-optim X.Y`), with upstream's exact rules:
 * no header or another service's ⇒ 1.0, `latest` ⇒ maximum, non-numeric ⇒ 1.0, a bare `1` ⇒ 1.0, another
 * major or a minor out of range ⇒ 406.
 */
import { MAX_MICROVERSION, MIN_MICROVERSION } from '../contract/states.js';
import { StewardError } from '../errors.js';

export const SERVICE_TYPE = 'infra-optim';
const MAX_MINOR = Number(MAX_MICROVERSION.split('.')[1]);
const RANGE = `[${MIN_MICROVERSION}, ${MAX_MICROVERSION}]`;

export interface Microversion {
  major: 1;
  minor: number;
}

export const formatMicroversion = (version: Microversion): string => `${version.major}.${version.minor}`;

export function parseMicroversion(header: string | string[] | undefined): Microversion {
  const values = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
  const ours = values
    .map((value) => value.split(/\s+/))
    .find(([service]) => service?.toLowerCase() === SERVICE_TYPE);
  const requested = ours?.[1];
  if (requested === undefined) return { major: 1, minor: 0 };
  if (requested.toLowerCase() === 'latest') return { major: 1, minor: MAX_MINOR };
  if (!/^\d+(\.\d+)*$/.test(requested)) return { major: 1, minor: 0 };
  const parts = requested.split('.').map(Number);
  if (parts.length === 1 && parts[0] === 1) return { major: 1, minor: 0 };
  if (parts.length !== 2) throw notAcceptable('Invalid value for OpenStack-API-Version header');
  const [major, minor] = parts as [number, number];
  if (major !== 1) {
    throw notAcceptable(
      `Mutually exclusive versions requested. Version ${requested} requested but not supported by this service. The supported version range is: ${RANGE}.`,
    );
  }
  if (minor > MAX_MINOR) {
    throw notAcceptable(
      `Version ${requested} was requested but the minor version is not supported by this service. The supported version range is: ${RANGE}.`,
    );
  }
  return { major: 1, minor };
}

const notAcceptable = (message: string) =>
  new StewardError('not_acceptable', 'UNSUPPORTED_MICROVERSION', message);

/** A feature newer than the request's microversion: upstream answers 406 for fields, 400 for some verbs. */
export function requireMicroversion(
  version: Microversion,
  minor: number,
  what: string,
  kind: 'not_acceptable' | 'invalid' = 'not_acceptable',
): void {
  if (version.minor >= minor) return;
  throw new StewardError(
    kind,
    'MICROVERSION_TOO_LOW',
    kind === 'invalid'
      ? `API microversion 1.${minor} or higher is required.`
      : `${what} requires API microversion 1.${minor} or higher (requested ${formatMicroversion(version)}).`,
  );
}

export const versionHeaders = {
  minimum: MIN_MICROVERSION,
  maximum: MAX_MICROVERSION,
};
