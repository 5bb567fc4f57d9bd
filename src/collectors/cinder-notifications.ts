/**
 * Cinder's notifications → storage model changes. Cinder sends *unversioned* notifications: `payload` is the flat
 * dict of `volume_utils._usage_from_volume` (volume events, publisher `volume.<host>`) or `_usage_from_capacity`
 * (`capacity.pool`, publisher `capacity.<scheduler host>`). Decoding never throws and applying never half-changes
 * the model: every message ends as one outcome value, which the storage provider counts and logs.
 *
 * What Cinder does *not* send matters as much (read from cinder/volume/manager.py): `os-migrate_volume` emits no
 * volume event at all (the temporary volume has `use_quota = False`, so its create and delete are silent). Only the
 * next `capacity.pool` reports show it, as allocated capacity the model cannot explain: that report is answered with
 * `needs_resync`, and the sync places the volume.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Volume } from '../model/elements.js';
import type { StorageModel } from '../model/storage-model.js';
import { MessageIdWindow, type NotificationResult } from './nova-notifications.js';
import {
  decodeNotificationEnvelope,
  isRecord,
  parsed,
  parseNovaTime,
  PayloadReader,
  type Parsed,
} from './notification-fields.js';

/** A Cinder notification read from the wire: the envelope fields and the flat payload. */
export interface CinderNotification {
  messageId: string | undefined;
  eventType: string;
  publisherId: string;
  priority: string;
  /** When Cinder sent it (oslo's naive-UTC `timestamp`); undefined when the message has none. */
  timestamp: Date | undefined;
  payload: Record<string, unknown>;
}

export type DecodedCinderNotification =
  { ok: true; notification: CinderNotification } | { ok: false; result: NotificationResult };

type Handling =
  | { kind: 'volume'; change: 'create' | 'update' | 'resize' | 'retype' }
  | { kind: 'volume_delete' }
  | { kind: 'capacity_pool' }
  | { kind: 'ignore'; why: string };

const update: Handling = { kind: 'volume', change: 'update' };
const startOfVolumeChange: Handling = {
  kind: 'ignore',
  why: 'the .end event carries the volume after the change',
};

/** How each event type changes the model; others are dropped_unknown. */
export const CINDER_EVENT_HANDLING: Readonly<Record<string, Handling>> = {
  'volume.create.start': startOfVolumeChange,
  'volume.create.end': { kind: 'volume', change: 'create' },
  'volume.update.start': startOfVolumeChange,
  'volume.update.end': update,
  'volume.attach.start': startOfVolumeChange,
  'volume.attach.end': update,
  'volume.detach.start': startOfVolumeChange,
  'volume.detach.end': update,
  'volume.resize.start': startOfVolumeChange,
  'volume.resize.end': { kind: 'volume', change: 'resize' },
  // Sent once, at the end of a retype (after its migration, if any): host and volume_type are the new ones.
  'volume.retype': { kind: 'volume', change: 'retype' },
  'volume.delete.start': startOfVolumeChange,
  'volume.delete.end': { kind: 'volume_delete' },
  'capacity.pool': { kind: 'capacity_pool' },
  'capacity.backend': {
    kind: 'ignore',
    why: 'a backend total of its pools; the model keeps the pools themselves',
  },
};

const EPOCH = new Date(0);

/** Reads a raw bus message (oslo 2.0 envelope, or a bare message) into a notification; never throws. */
export function decodeCinderNotification(body: unknown): DecodedCinderNotification {
  const decoded = decodeNotificationEnvelope(body, (payload) =>
    isRecord(payload) ? { ok: true, payload } : { ok: false, reason: 'payload is not an object' },
  );
  return decoded.ok ? { ok: true, notification: decoded.envelope } : decoded;
}

interface VolumeFields {
  uuid: string;
  name: string;
  sizeGb: number;
  status: string;
  /** The payload's `volume_type` is the type's id (`volume_type_id`), not its name. */
  volumeTypeId: string | null;
  pool: string | null;
  projectId: string;
  attachments: { serverId: string }[];
  bootable: boolean;
}

/** `volume_attachment`: the volume's attachment rows; an instance counts once its attachment is `attached`. */
function readAttachments(reader: PayloadReader): { serverId: string }[] {
  const raw = reader.data.volume_attachment;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || !raw.every(isRecord)) {
    reader.problems.push('volume_attachment is not a list of objects');
    return [];
  }
  const servers = new Set<string>();
  for (const row of raw) {
    const status = row.attach_status;
    if (typeof row.instance_uuid === 'string' && (status === undefined || status === 'attached'))
      servers.add(row.instance_uuid);
  }
  return [...servers].sort().map((serverId) => ({ serverId }));
}

function readVolume(data: Record<string, unknown>): Parsed<VolumeFields> {
  const reader = new PayloadReader(data, '', true);
  return parsed(reader, {
    uuid: reader.string('volume_id'),
    name: reader.nullableString('display_name') ?? '',
    sizeGb: reader.count('size'),
    status: reader.string('status'),
    volumeTypeId: reader.nullableString('volume_type'),
    pool: reader.nullableString('host'),
    projectId: reader.string('tenant_id'),
    attachments: readAttachments(reader),
    // As upstream: Cinder adds glance_metadata only for a volume made from an image, i.e. a bootable one.
    bootable: 'glance_metadata' in data,
  });
}

const isStale = (eventTime: Date | undefined, updatedAt: Date | undefined) =>
  eventTime !== undefined && updatedAt !== undefined && eventTime.getTime() < updatedAt.getTime();

/** A volume type name the model knows, for the id a payload carries (equal when ids are names, as in devstack-less clouds). */
function knownTypeName(model: StorageModel, id: string): string | undefined {
  for (const pool of model.pools()) if (pool.volumeTypes.includes(id)) return id;
  for (const node of model.nodes()) if (node.volumeType.includes(id)) return id;
  return undefined;
}

const VOLUME_KEYS = [
  'name',
  'sizeGb',
  'status',
  'volumeType',
  'pool',
  'attachments',
  'projectId',
  'bootable',
] as const;
const sameVolume = (a: Volume, b: Volume) => VOLUME_KEYS.every((key) => isDeepStrictEqual(a[key], b[key]));

function applyVolume(
  model: StorageModel,
  n: CinderNotification,
  change: 'create' | 'update' | 'resize' | 'retype' | 'delete',
  receivedAt: Date | undefined,
): NotificationResult {
  const eventType = n.eventType;
  const read = readVolume(n.payload);
  if (!read.ok) return { outcome: 'dropped_malformed', eventType, reason: read.reason };
  const fields = read.value;
  const existing = model.getVolume(fields.uuid);
  if (existing && isStale(n.timestamp, existing.updatedAt))
    return {
      outcome: 'stale',
      eventType,
      reason: `volume ${fields.uuid} in the model is newer than this event`,
    };
  if (change === 'delete') {
    if (!existing)
      return { outcome: 'no_change', eventType, reason: `volume ${fields.uuid} is not in the model` };
    const pool = model.poolOf(existing);
    model.removeVolume(existing.uuid);
    if (pool) model.chargePool(pool.name, -existing.sizeGb, -1);
    return { outcome: 'applied', eventType };
  }
  if (fields.pool !== null && !model.getPool(fields.pool))
    return {
      outcome: 'needs_resync',
      eventType,
      reason: `pool ${fields.pool} of volume ${fields.uuid} is not in the model`,
    };
  // The type only changes by a retype; a new or retyped volume needs the type's name, which only a sync has when
  // Cinder's type ids are not the names.
  let volumeType = existing?.volumeType ?? null;
  if (!existing || change === 'retype') {
    if (fields.volumeTypeId === null) volumeType = null;
    else {
      const name = knownTypeName(model, fields.volumeTypeId);
      if (name === undefined)
        return {
          outcome: 'needs_resync',
          eventType,
          reason: `volume type ${fields.volumeTypeId} of volume ${fields.uuid} is not known by name`,
        };
      volumeType = name;
    }
  }
  const stamp = n.timestamp ?? existing?.updatedAt ?? receivedAt ?? EPOCH;
  const next: Volume = {
    uuid: fields.uuid,
    name: fields.name,
    sizeGb: fields.sizeGb,
    status: fields.status,
    volumeType,
    pool: fields.pool,
    attachments: fields.attachments,
    projectId: fields.projectId,
    bootable: fields.bootable,
    // Not in the payload: only the sync (os-vol-mig-status-attr:migstat) knows it.
    migrationStatus: existing?.migrationStatus ?? null,
    ...(existing?.createdAt && { createdAt: existing.createdAt }),
    updatedAt: stamp,
  };
  if (existing && sameVolume(existing, next)) {
    if (existing.updatedAt === undefined || stamp.getTime() > existing.updatedAt.getTime())
      existing.updatedAt = stamp;
    return { outcome: 'no_change', eventType };
  }
  // Cinder's allocated accounting follows the volume: what it leaves and what it brings, so the next capacity
  // report agrees with the model.
  const from = existing ? model.poolOf(existing) : undefined;
  model.upsertVolume(next);
  if (from) model.chargePool(from.name, -existing!.sizeGb, -1);
  if (next.pool !== null) model.chargePool(next.pool, next.sizeGb, 1);
  return { outcome: 'applied', eventType };
}

/**
 * `_usage_from_capacity`: `name_to_id` is the pool (`host@backend#pool`), capacities are GB floats. A report whose
 * allocated capacity differs from the model's means volumes changed without an event (a migration), so the model
 * is left alone and a sync is due.
 */
function applyCapacity(model: StorageModel, n: CinderNotification): NotificationResult {
  const eventType = n.eventType;
  const reader = new PayloadReader(n.payload, '', true);
  const name = reader.string('name_to_id');
  const capacity = {
    totalCapacityGb: reader.number('total'),
    freeCapacityGb: reader.number('free'),
    allocatedCapacityGb: reader.number('allocated'),
    provisionedCapacityGb: reader.number('provisioned'),
    virtualFreeGb: reader.number('virtual_free'),
  };
  const reportedRaw = n.payload.reported_at;
  const reportedAt =
    reportedRaw === undefined || reportedRaw === null ? undefined : parseNovaTime(reportedRaw);
  if (reportedRaw !== undefined && reportedRaw !== null && reportedAt === undefined)
    reader.problems.push('reported_at is not a time');
  const read = parsed(reader, capacity);
  if (!read.ok) return { outcome: 'dropped_malformed', eventType, reason: read.reason };
  const pool = model.getPool(name);
  if (!pool) return { outcome: 'needs_resync', eventType, reason: `pool ${name} is not in the model` };
  const eventTime = reportedAt ?? n.timestamp;
  if (isStale(eventTime, pool.updatedAt))
    return { outcome: 'stale', eventType, reason: `pool ${name} in the model is newer than this report` };
  if (read.value.allocatedCapacityGb !== pool.allocatedCapacityGb)
    return {
      outcome: 'needs_resync',
      eventType,
      reason: `pool ${name} reports ${read.value.allocatedCapacityGb} GB allocated, the model ${pool.allocatedCapacityGb} GB: volumes moved without an event`,
    };
  const next = { ...pool, ...read.value, updatedAt: eventTime ?? pool.updatedAt };
  const same = (Object.keys(read.value) as (keyof typeof read.value)[]).every(
    (key) => pool[key] === next[key],
  );
  if (same) {
    if (eventTime && (pool.updatedAt === undefined || eventTime > pool.updatedAt)) pool.updatedAt = eventTime;
    return { outcome: 'no_change', eventType };
  }
  model.upsertPool(next);
  return { outcome: 'applied', eventType };
}

/** Upstream's filters: volume events from `^volume.*`, capacity from `capacity.*`. */
function publisherMatches(handling: Handling, eventType: string, publisherId: string): boolean {
  if (eventType.startsWith('capacity.')) return publisherId.startsWith('capacity');
  return handling.kind === 'ignore' || publisherId.startsWith('volume');
}

/**
 * Applies one decoded notification to the model. Malformed payloads, stale events and unknown pools leave the model
 * exactly as it was; the result says why.
 */
export function applyCinderNotification(
  model: StorageModel,
  notification: CinderNotification,
  receivedAt?: Date,
): NotificationResult {
  const eventType = notification.eventType;
  try {
    const handling = CINDER_EVENT_HANDLING[eventType];
    if (!handling)
      return { outcome: 'dropped_unknown', eventType, reason: `event type ${eventType} is not handled` };
    if (!publisherMatches(handling, eventType, notification.publisherId))
      return {
        outcome: 'dropped_unknown',
        eventType,
        reason: `publisher ${notification.publisherId} does not send ${eventType}`,
      };
    switch (handling.kind) {
      case 'volume':
        return applyVolume(model, notification, handling.change, receivedAt);
      case 'volume_delete':
        return applyVolume(model, notification, 'delete', receivedAt);
      case 'capacity_pool':
        return applyCapacity(model, notification);
      case 'ignore':
        return { outcome: 'no_change', eventType, reason: handling.why };
    }
  } catch (error) {
    // Every change is computed before the model is touched, so a surprise here cannot have half-applied anything.
    return {
      outcome: 'dropped_malformed',
      eventType,
      reason: `could not be applied: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Decoding, duplicate detection and applying, as NovaNotificationCollector. */
export class CinderNotificationCollector {
  readonly #window: MessageIdWindow;

  constructor(options: { duplicateWindow?: number } = {}) {
    this.#window = new MessageIdWindow(options.duplicateWindow);
  }

  receive(body: unknown): DecodedCinderNotification {
    const decoded = decodeCinderNotification(body);
    if (!decoded.ok) return decoded;
    const { messageId, eventType } = decoded.notification;
    if (messageId !== undefined && this.#window.seen(messageId))
      return {
        ok: false,
        result: { outcome: 'duplicate', eventType, reason: `message ${messageId} was already received` },
      };
    return decoded;
  }

  apply(model: StorageModel, notification: CinderNotification, receivedAt?: Date): NotificationResult {
    return applyCinderNotification(model, notification, receivedAt);
  }

  handle(model: StorageModel, body: unknown, receivedAt?: Date): NotificationResult {
    const received = this.receive(body);
    return received.ok ? this.apply(model, received.notification, receivedAt) : received.result;
  }
}
