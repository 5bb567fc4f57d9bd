/** Structured logs (pino). Every part gets a child logger naming the part; requests add their request id. */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; name?: string } & LoggerOptions = {}): Logger {
  return pino({
    level: options.level ?? process.env.STEWARD_LOG_LEVEL ?? 'info',
    name: options.name ?? 'steward',
    ...options,
  });
}

/** A logger that drops everything: for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
