/**
 * Cinder's unversioned notifications for settled volume moves. Payloads are `volume_utils._usage_from_volume` and
 * `_usage_from_capacity` field by field (test/fixtures/cinder-notifications/README.md names each field's source).
 * As in Cinder: a retype sends `volume.retype` once, after any migration, from the volume's old backend; a
 * migration sends no volume event, so only the capacity reports of the pools it touched show it.
 */
import { allocatedGb, MAX_OVER_SUBSCRIPTION_RATIO, schedulerHost, type SettledMove } from './cinder.js';
import type { ClusterState, SimPool, SimVolume } from './cluster.js';
import type { Notifier } from './notifications.js';

/** Python's isoformat() of a naive UTC datetime with microseconds, as Cinder's payloads write times. */
const pythonIso = (d: Date): string => `${d.toISOString().replace('Z', '')}000`;

/** `_usage_from_volume`; `volume_type` is the type's id, which in the simulator is its name. */
export function volumeUsagePayload(v: SimVolume): Record<string, unknown> {
  const created = pythonIso(new Date(v.created));
  return {
    tenant_id: v.projectId,
    host: v.pool,
    user_id: 'admin',
    availability_zone: 'nova',
    volume_id: v.id,
    volume_type: v.type,
    display_name: v.name,
    launched_at: created,
    created_at: created,
    status: v.status,
    snapshot_id: null,
    size: v.sizeGb,
    replication_status: null,
    replication_extended_status: null,
    replication_driver_data: null,
    metadata: [],
    volume_attachment: v.attachedTo
      ? [
          {
            id: v.id,
            volume_id: v.id,
            instance_uuid: v.attachedTo,
            attached_host: null,
            mountpoint: '/dev/vdb',
            attach_time: created,
            detach_time: null,
            attach_status: 'attached',
            attach_mode: 'rw',
            connection_info: null,
            connector: null,
          },
        ]
      : [],
  };
}

/** `_usage_from_capacity` of `HostManager._get_pool_usage`, from the numbers get_pools answers (thin, no reserve). */
export function capacityPoolPayload(
  state: ClusterState,
  pool: SimPool,
  reportedAt: Date,
): Record<string, unknown> {
  const allocated = allocatedGb(state, pool.name);
  return {
    name_to_id: pool.name,
    total: pool.totalGb,
    free: pool.totalGb - allocated,
    allocated,
    provisioned: allocated,
    virtual_free: pool.totalGb * MAX_OVER_SUBSCRIPTION_RATIO - allocated,
    reported_at: pythonIso(reportedAt),
  };
}

/** Volume events first, so a listener has each move before the capacity reports that count it. */
export async function notifySettledVolumeMoves(
  notifier: Notifier,
  state: ClusterState,
  moves: readonly SettledMove[],
  now: Date,
): Promise<void> {
  if (moves.length === 0) return;
  for (const move of moves)
    if (move.kind === 'retype')
      await notifier.emitCinder(
        'volume.retype',
        `volume.${move.fromPool.split('#')[0] ?? move.fromPool}`,
        volumeUsagePayload(move.volume),
      );
  const touched = new Set(moves.flatMap((move) => [move.fromPool, move.toPool]));
  for (const pool of state.pools)
    if (touched.has(pool.name))
      await notifier.emitCinder(
        'capacity.pool',
        `capacity.${schedulerHost(state)}`,
        capacityPoolPayload(state, pool, now),
      );
}
