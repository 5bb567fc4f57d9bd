/** Long-running commands stop cleanly on SIGINT/SIGTERM: exit 0 when `stop` resolves, 1 when it fails. */
import type { Logger } from '../observability/logger.js';

export function stopOnSignals(logger: Logger, what: string, stop: () => Promise<unknown>): void {
  let stopping = false;
  const onSignal = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `stopping ${what}`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
}
