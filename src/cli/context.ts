/** What every resource command needs: a client built from the global options, the output format, error handling. */
import type { Command } from 'commander';
import { ApiError, StewardClient } from '../contract/client.js';
import type { Format } from './output.js';

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
  if (index <= 0) throw new Error(`parameter must be key=value, got ${value}`);
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
