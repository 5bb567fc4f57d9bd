import type { VolumeInfo } from '../../cloud/ports.js';
import { ACTION_PARAMETERS, type ActionParameters } from '../../contract/actions.js';
import { conflict, invalid, StewardError } from '../../errors.js';
import { defineActionType, ok, skip, type ActionContext, type Precondition } from '../action-type.js';
import { requireBlockStorage, requireCloud, waitForVolume } from './wait-for.js';

type Params = ActionParameters<'volume_migrate'>;

/** `swap` and `migrate` move the volume to a pool (Cinder migrate; swap no longer goes through Nova upstream), `retype` changes its type. */
const isRetype = (p: Params): boolean => p.migration_type === 'retype';

function destinationOf(p: Params): string {
  const destination = isRetype(p) ? p.destination_type : p.destination_node;
  if (!destination)
    throw invalid(
      isRetype(p)
        ? 'volume_migrate of type retype needs destination_type (a volume type name)'
        : `volume_migrate of type ${p.migration_type} needs destination_node (a pool, host@backend#pool)`,
      { migration_type: p.migration_type },
    );
  return destination;
}

const arrived = (p: Params, volume: VolumeInfo, destination: string): boolean =>
  isRetype(p) ? volume.volumeType === destination : volume.host === destination;
const moving = (volume: VolumeInfo): boolean =>
  volume.migrationStatus === 'migrating' || volume.status === 'retyping';
const settled = (p: Params, volume: VolumeInfo, destination: string): boolean =>
  arrived(p, volume, destination) &&
  !moving(volume) &&
  (volume.status === 'available' || volume.status === 'in-use');

/** Cinder moves an attached volume only with its server running (the guest copies the data), as upstream checks. */
async function assertMovable(ctx: ActionContext, volume: VolumeInfo): Promise<void> {
  if (volume.status !== 'available' && volume.status !== 'in-use')
    throw conflict(`volume ${volume.uuid} is ${volume.status}: it must be available or in-use to move`);
  const attachment = volume.attachments[0];
  if (!attachment) return;
  const server = await requireCloud(ctx).compute.getServer(attachment.serverId);
  if (!server || !['ACTIVE', 'PAUSED', 'VERIFY_RESIZE'].includes(server.status))
    throw conflict(
      `volume ${volume.uuid} is attached to instance ${attachment.serverId}, which is ${server?.status ?? 'gone'}: it must be ACTIVE or PAUSED for the volume to move`,
    );
}

async function check(ctx: ActionContext, p: Params): Promise<Precondition> {
  const blockStorage = requireBlockStorage(ctx);
  const destination = destinationOf(p);
  const volume = await blockStorage.getVolume(p.resource_id);
  if (!volume) return skip(`volume ${p.resource_id} was not found`);
  if (arrived(p, volume, destination) && !moving(volume))
    return skip(`volume ${p.resource_id} is already ${isRetype(p) ? 'of type' : 'on'} ${destination}`);
  if (isRetype(p)) {
    if (!(await blockStorage.listVolumeTypes()).some((t) => t.name === destination || t.id === destination))
      throw new StewardError('not_found', 'RESOURCE_NOT_FOUND', `volume type ${destination} was not found`);
  } else if (!(await blockStorage.listPools()).some((pool) => pool.name === destination)) {
    throw new StewardError('not_found', 'RESOURCE_NOT_FOUND', `storage pool ${destination} was not found`);
  }
  if (!moving(volume)) await assertMovable(ctx, volume);
  return ok;
}

/**
 * Moves a Cinder volume, with upstream's parameters: `migrate` (and `swap`) to the pool `destination_node`,
 * `retype` to the type `destination_type` (migrating on demand), then waits until the volume has settled there.
 * Skipped when the volume is gone or already there; no revert, as upstream.
 */
export const volumeMigrate = defineActionType({
  name: 'volume_migrate',
  parameters: ACTION_PARAMETERS.volume_migrate,
  abortable: false,
  describe: (p) =>
    isRetype(p)
      ? `Retype the volume ${p.resource_id} to ${p.destination_type ?? '(no type)'}`
      : `Migrate the volume ${p.resource_id} to ${p.destination_node ?? '(no pool)'}`,
  check,
  async execute(ctx, p) {
    const blockStorage = requireBlockStorage(ctx);
    const destination = destinationOf(p);
    const volume = await blockStorage.getVolume(p.resource_id);
    if (!volume)
      throw new StewardError('not_found', 'RESOURCE_NOT_FOUND', `volume ${p.resource_id} vanished`);
    // Idempotent: a volume already there, or already moving (an interrupted run), is only waited for.
    if (!arrived(p, volume, destination) && !moving(volume)) {
      if (isRetype(p)) await blockStorage.retypeVolume(p.resource_id, destination, 'on-demand');
      else await blockStorage.migrateVolume(p.resource_id, destination);
    }
    await waitForVolume(
      ctx,
      p.resource_id,
      {
        operation: isRetype(p) ? 'retype' : 'migration',
        doing: isRetype(p) ? 'retyping' : 'migrating',
        timeoutMs: ctx.timeoutMs(),
        intervalMs: 1000,
      },
      (now) => settled(p, now, destination),
    );
  },
  async verify(ctx, p) {
    const destination = destinationOf(p);
    const volume = await requireBlockStorage(ctx).getVolume(p.resource_id);
    if (!volume || !arrived(p, volume, destination))
      throw conflict(
        `volume ${p.resource_id} is ${isRetype(p) ? `of type ${volume?.volumeType ?? '?'}` : `on ${volume?.host ?? '?'}`}, not ${destination}`,
      );
  },
});
