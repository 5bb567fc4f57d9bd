/** What every resource command needs: a client built from the global options, the output format, error handling. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ApiError, StewardClient } from '../contract/client.js';
import type { Collection, ResourceOf } from '../contract/resources.js';
import { addColumnOption, type Format } from './output.js';
import { EXIT_USAGE, UsageError } from './usage-error.js';

export interface GlobalOptions {
  endpoint: string;
  apiVersion: string;
  osInfraOptimApiVersion?: string;
  format: Format;
  token?: string;
}

export function globalsOf(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

export function clientOf(command: Command): StewardClient {
  const options = globalsOf(command);
  return new StewardClient({
    endpoint: options.endpoint,
    microversion: options.osInfraOptimApiVersion ?? options.apiVersion,
    ...(options.token !== undefined && { token: options.token }),
  });
}

/** Runs a command action; API errors print their faultstring and exit 1, nothing else is swallowed. */
export function action<A extends unknown[]>(
  work: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await work(...args);
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`ERROR: ${error.message}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      if (error instanceof ApiError) {
        process.stderr.write(`ERROR (HTTP ${error.status}): ${error.message}\n`);
        process.exitCode = 1;
        return;
      }
      if (error instanceof TypeError && /fetch failed/.test(error.message)) {
        process.stderr.write(
          `ERROR: cannot reach ${globalsOf(args.at(-1) as Command).endpoint}: is Steward running?\n`,
        );
        process.exitCode = 1;
        return;
      }
      throw error;
    }
  };
}

/** `key=value` pairs (repeatable `-p`), values parsed as JSON when they are JSON. */
export function collectParameter(
  value: string,
  previous: Record<string, unknown> = {},
): Record<string, unknown> {
  const index = value.indexOf('=');
  // commander prints this as one line naming the option, and exits 1.
  if (index <= 0) throw new InvalidArgumentError(`expected key=value, e.g. ${value || 'name'}=1`);
  const key = value.slice(0, index);
  const raw = value.slice(index + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = raw;
  }
  return { ...previous, [key]: parsed };
}

/** What the list options ask for. */
export interface ListOptions {
  limit?: string;
  marker?: string;
  sortKey?: string;
  sortDir?: 'asc' | 'desc';
  detail?: boolean;
}

/** `--limit`, `--marker`, `--sort-key`, `--sort-dir` and `--detail`, as watcherclient's list commands have them. */
export function addListOptions(command: Command): Command {
  return addColumnOption(command)
    .option('--limit <n>', 'at most this many (default: all, page after page)')
    .option('--marker <uuid>', 'start after this one (the last of the previous page)')
    .option('--sort-key <field>', 'sort by this field')
    .addOption(new Option('--sort-dir <dir>', 'sort direction').choices(['asc', 'desc']))
    .option('--detail', 'show every field, not only the usual columns');
}

/** One page when `--limit` is given, every page otherwise. */
export async function fetchList<C extends Collection>(
  client: StewardClient,
  resource: C,
  filters: Record<string, string | undefined>,
  options: ListOptions,
): Promise<ResourceOf[C][]> {
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new UsageError(`--limit must be a positive integer, got ${options.limit}`);
  const query = {
    ...filters,
    marker: options.marker,
    sort_key: options.sortKey,
    sort_dir: options.sortDir,
  };
  return limit === undefined ? client.listAll(resource, query) : client.list(resource, { ...query, limit });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The API's list filters (`audit_uuid`) take only uuids, as Watcher's do; the CLI also takes a name there and looks
 * it up first, as it does for show.
 */
export async function uuidOf(
  client: StewardClient,
  resource: 'audits',
  idOrName: string | undefined,
): Promise<string | undefined> {
  if (idOrName === undefined || UUID.test(idOrName)) return idOrName;
  return String((await client.show(resource, idOrName)).uuid);
}
