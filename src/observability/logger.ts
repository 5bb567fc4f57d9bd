/**
 * Structured logs (pino). Every part gets a child logger naming the part; requests add their request id.
 * On a terminal the lines are formatted for people (pino-pretty, in this process so no line is lost at exit);
 * anywhere else, or with `logFormat: json`, one JSON object per line for a log collector.
 */
import { pino, stdSerializers, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { isStewardError, type StewardError } from '../errors.js';
import { isColourWanted } from '../lib/colour.js';

export type { Logger };

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
/** `auto`: pretty when stdout is a terminal, JSON otherwise. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * A modelled failure (a StewardError other than `internal`) is an expected outcome whose message says everything:
 * its kind and code, without a stack. Anything else is a bug, logged with its stack.
 */
export function serializeError(error: unknown): Record<string, unknown> {
  if (isModelled(error))
    return {
      type: error.name,
      kind: error.kind,
      code: error.code,
      message: error.message,
      ...(error.extra.cause instanceof Error && { cause: error.extra.cause.message }),
    };
  return error instanceof Error ? stdSerializers.err(error) : { message: String(error) };
}

const isModelled = (error: unknown): error is StewardError =>
  isStewardError(error) && error.kind !== 'internal';

export interface CreateLoggerOptions extends LoggerOptions {
  level?: string;
  name?: string;
  format?: LogFormat;
  /** Where lines go (stdout when omitted); a terminal is recognised by its `isTTY`. */
  destination?: DestinationStream & { isTTY?: boolean };
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const { format = 'auto', destination, ...rest } = options;
  const out = destination ?? process.stdout;
  const isTTY = out.isTTY === true;
  const pretty = format === 'pretty' || (format === 'auto' && isTTY);
  const settings: LoggerOptions = {
    level: options.level ?? process.env.STEWARD_LOG_LEVEL ?? 'info',
    name: options.name ?? 'steward',
    ...rest,
    serializers: { err: serializeError, ...rest.serializers },
  };
  if (!pretty) return destination ? pino(settings, destination) : pino(settings);
  return pino(
    {
      ...settings,
      // A modelled failure reads as one more field on the line ("reason"), not as a block of JSON under it.
      formatters: {
        ...settings.formatters,
        log: ({ err, ...fields }) =>
          isModelled(err)
            ? { ...fields, reason: `${err.message} (${err.code})` }
            : { ...fields, ...(err !== undefined && { err }) },
      },
    },
    PinoPretty({
      destination: out,
      sync: true,
      colorize: isColourWanted(isTTY, process.env),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,name',
      // The action plan and action uuids and the part make each line traceable; the message says what happened.
      singleLine: true,
    }),
  );
}

/** A logger that drops everything: for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
