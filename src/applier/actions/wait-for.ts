/**
 * Polls the cloud until a long operation reaches its goal, with a per-action timeout and abort support.
 * `waitForServer` and `waitForVolume` own what every server or volume wait shares (the resource vanishing, the
 * resource going to an error state, a pending resize confirmation), so an action states only its goal.
 */
import { StewardError } from '../../errors.js';
import type { ComputeApi, Server, VolumeInfo } from '../../cloud/ports.js';
import type { ActionContext } from '../action-type.js';

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  /** The longest pause between two checks; the first pauses are shorter (see `waitFor`). */
  intervalMs: number;
}

/** The first pause is this fraction of `intervalMs`; each next one doubles, up to `intervalMs`. */
const FIRST_PAUSE_FRACTION = 1 / 8;

/**
 * Checks at once, then after pauses that grow from an eighth of `intervalMs` to `intervalMs`: an operation the
 * cloud finishes quickly is seen quickly, and a long one is not polled more often than at `intervalMs`.
 */
export async function waitFor(
  ctx: ActionContext,
  options: WaitOptions,
  reached: () => Promise<boolean>,
): Promise<void> {
  const deadline = ctx.clock.now().getTime() + options.timeoutMs;
  let pauseMs = options.intervalMs * FIRST_PAUSE_FRACTION;
  for (;;) {
    if (await reached()) return;
    if (ctx.clock.now().getTime() >= deadline) {
      throw new StewardError(
        'unavailable',
        'TIMEOUT',
        `${options.what} did not finish within ${options.timeoutMs / 1000} s`,
        {
          retryable: false,
        },
      );
    }
    await ctx.clock.sleep(pauseMs, ctx.signal);
    pauseMs = Math.min(pauseMs * 2, options.intervalMs);
  }
}

export interface ServerWaitOptions extends Omit<WaitOptions, 'what'> {
  /** What runs, as a noun and as a verb: `migration` / `migrating`. */
  operation: string;
  doing: string;
}

/**
 * Waits until `reached(server)` holds. The server vanishing or going to ERROR fails the wait; a server in
 * VERIFY_RESIZE has its resize (or cold migration) confirmed and is polled again.
 */
export async function waitForServer(
  ctx: ActionContext,
  compute: ComputeApi,
  uuid: string,
  options: ServerWaitOptions,
  reached: (server: Server) => boolean,
): Promise<void> {
  await waitFor(ctx, { ...options, what: `${options.operation} of ${uuid}` }, async () => {
    const server = await compute.getServer(uuid);
    if (!server)
      throw new StewardError(
        'not_found',
        'RESOURCE_NOT_FOUND',
        `instance ${uuid} vanished during ${options.operation}`,
      );
    if (server.status === 'VERIFY_RESIZE') {
      await compute.confirmResize(uuid);
      return false;
    }
    if (server.status === 'ERROR')
      throw new StewardError(
        'upstream',
        'UPSTREAM_ERROR',
        `instance ${uuid} went to ERROR while ${options.doing}`,
      );
    return reached(server);
  });
}

/** Waits until `reached(volume)` holds; the volume vanishing or going to an error status fails the wait. */
export async function waitForVolume(
  ctx: ActionContext,
  uuid: string,
  options: ServerWaitOptions,
  reached: (volume: VolumeInfo) => boolean,
): Promise<void> {
  const blockStorage = requireBlockStorage(ctx);
  await waitFor(ctx, { ...options, what: `${options.operation} of volume ${uuid}` }, async () => {
    const volume = await blockStorage.getVolume(uuid);
    if (!volume)
      throw new StewardError(
        'not_found',
        'RESOURCE_NOT_FOUND',
        `volume ${uuid} vanished during ${options.operation}`,
      );
    if (volume.status.startsWith('error') || volume.migrationStatus === 'error')
      throw new StewardError(
        'upstream',
        'UPSTREAM_ERROR',
        `volume ${uuid} went to ${volume.migrationStatus === 'error' ? 'migration status error' : volume.status} while ${options.doing}`,
      );
    return reached(volume);
  });
}

/** Nova's task states of a migration or resize under way, and the resize awaiting confirmation. */
const MOVE_TASK_STATES: ReadonlySet<string> = new Set([
  'migrating',
  'resize_prep',
  'resize_migrating',
  'resize_migrated',
  'resize_finish',
]);

/** Whether a move of the server is already under way (an interrupted run resumes by waiting for it). */
export const isMoving = (server: Server): boolean =>
  server.status === 'VERIFY_RESIZE' || (server.taskState !== null && MOVE_TASK_STATES.has(server.taskState));

export function requireCloud(ctx: ActionContext) {
  if (!ctx.cloud) {
    throw new StewardError(
      'unavailable',
      'UPSTREAM_UNAVAILABLE',
      'no cloud is configured: this action needs the Compute API',
    );
  }
  return ctx.cloud;
}

export function requireBlockStorage(ctx: ActionContext) {
  const { blockStorage } = requireCloud(ctx);
  if (!blockStorage) {
    throw new StewardError(
      'unavailable',
      'UPSTREAM_UNAVAILABLE',
      'the cloud has no Block Storage API (Cinder): this action needs it',
    );
  }
  return blockStorage;
}
