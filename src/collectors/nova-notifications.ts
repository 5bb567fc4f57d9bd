/**
 * Nova versioned notifications → cluster data model changes. Decoding never throws and applying never half-changes
 * the model: every message ends as one outcome value, which the provider counts and logs.
 *
 * Which field to trust comes from reading Nova (see docs/collectors.md and /work/shared/data/nova/README.md):
 * payload `host` is the nova-compute service host, except in `instance.live_migration_post.end` (sent by the source
 * from its stale copy, bug 2104220) and in the rebuild events of an evacuation (sent before the host is switched).
 */
import { isDeepStrictEqual } from 'node:util';
import type { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Flavor, HostAggregate, Instance, InstanceState } from '../model/elements.js';
import {
  decodeNotificationEnvelope,
  isRecord,
  parsed,
  PayloadReader,
  type Parsed,
} from './notification-fields.js';

export { parseNovaTime } from './notification-fields.js';

/**
 * What became of a notification. `no_change`: nothing strategies read changed (an instance's freshness stamp may
 * still advance); `stale`: older than what the model holds; `needs_resync`: names a host the model does not know,
 * whose capacity only a full sync (Placement) can supply, so the model was left alone and a sync is due.
 */
export const NOTIFICATION_OUTCOMES = [
  'applied',
  'no_change',
  'stale',
  'duplicate',
  'dropped_malformed',
  'dropped_unknown',
  'needs_resync',
  // Counted by the live model for a message the bus could not decode at all (it reaches no collector).
  'undecodable',
] as const;
export type NotificationOutcome = (typeof NOTIFICATION_OUTCOMES)[number];

export interface NotificationResult {
  outcome: NotificationOutcome;
  /** The notification's event_type, or `unknown` when it could not be read. */
  eventType: string;
  reason?: string;
}

/** A notification read from the wire: envelope fields plus the versioned object's `nova_object.data`. */
export interface NovaNotification {
  messageId: string | undefined;
  eventType: string;
  publisherId: string;
  priority: string;
  /** When Nova sent it (the envelope's naive-UTC `timestamp`); undefined when the message has none. */
  timestamp: Date | undefined;
  payloadName: string | undefined;
  data: Record<string, unknown>;
}

export type DecodedNotification =
  { ok: true; notification: NovaNotification } | { ok: false; result: NotificationResult };

export interface ApplyOptions {
  /** Stamps an element created or changed by an event that carries no time at all. Default: the epoch. */
  receivedAt?: Date;
  /** Nova's `[DEFAULT] default_availability_zone`: the zone of a host that is in no zone aggregate. */
  defaultAvailabilityZone?: string;
}

type HostSource = 'payload' | 'keep' | 'publisher';

/** How each event type changes the model. Every event Nova's samples contain is listed; others are dropped_unknown. */
type Handling =
  | { kind: 'instance'; host: HostSource }
  | { kind: 'instance_delete' }
  | { kind: 'task_error' }
  | { kind: 'service'; action: 'create' | 'update' | 'delete' }
  | { kind: 'aggregate'; action: 'upsert' | 'delete' }
  | { kind: 'ignore'; why: string };

const snapshot: Handling = { kind: 'instance', host: 'payload' };
const keepHost: Handling = { kind: 'instance', host: 'keep' };
const startOfAggregateChange: Handling = {
  kind: 'ignore',
  why: 'the .end event carries the aggregate after the change',
};

const instanceSnapshots = [
  'create.start',
  'create.end',
  'create.error',
  'delete.start',
  'update',
  'lock',
  'unlock',
  'power_on.start',
  'power_on.end',
  'power_off.start',
  'power_off.end',
  'shutdown.start',
  'shutdown.end',
  'pause.start',
  'pause.end',
  'unpause.start',
  'unpause.end',
  'suspend.start',
  'suspend.end',
  'resume.start',
  'resume.end',
  'shelve.start',
  'shelve.end',
  'shelve_offload.start',
  'shelve_offload.end',
  'unshelve.start',
  'unshelve.end',
  'rescue.start',
  'rescue.end',
  'unrescue.start',
  'unrescue.end',
  'soft_delete.start',
  'soft_delete.end',
  'restore.start',
  'restore.end',
  'resize_prep.start',
  'resize_prep.end',
  'resize.start',
  'resize.end',
  'resize.error',
  'resize_finish.start',
  'resize_finish.end',
  'resize_confirm.start',
  'resize_confirm.end',
  'resize_revert.start',
  'resize_revert.end',
  'live_migration_pre.start',
  'live_migration_pre.end',
  'live_migration_post.start',
  'live_migration_post_dest.start',
  'live_migration_post_dest.end',
  'live_migration_rollback.start',
  'live_migration_rollback.end',
  'live_migration_rollback_dest.start',
  'live_migration_rollback_dest.end',
  'live_migration_abort.start',
  'live_migration_abort.end',
  'live_migration_force_complete.start',
  'live_migration_force_complete.end',
] as const;

export const EVENT_HANDLING: Readonly<Record<string, Handling>> = {
  ...Object.fromEntries(instanceSnapshots.map((action) => [`instance.${action}`, snapshot])),
  'instance.delete.end': { kind: 'instance_delete' },
  // Bug 2104220: the source sends post.end last, from its copy that still says host = source and task = migrating.
  // post_dest.end (sent by the destination after it took the instance) already carried everything true.
  'instance.live_migration_post.end': {
    kind: 'ignore',
    why: 'sent by the source from its stale copy (bug 2104220); post_dest.end carries the destination',
  },
  // During an evacuation the payload still names the failed host until after rebuild.end; the rebuild runs on the
  // host that will hold the instance, which is the publisher of rebuild.end.
  'instance.evacuate': keepHost,
  'instance.rebuild_scheduled': keepHost,
  'instance.rebuild.start': keepHost,
  'instance.rebuild.error': keepHost,
  'instance.rebuild.end': { kind: 'instance', host: 'publisher' },
  'compute_task.migrate_server.error': { kind: 'task_error' },
  'compute.exception': { kind: 'ignore', why: 'an API or compute error report; it names no model element' },
  'service.create': { kind: 'service', action: 'create' },
  'service.update': { kind: 'service', action: 'update' },
  'service.delete': { kind: 'service', action: 'delete' },
  'aggregate.create.start': startOfAggregateChange,
  'aggregate.create.end': { kind: 'aggregate', action: 'upsert' },
  'aggregate.delete.start': startOfAggregateChange,
  'aggregate.delete.end': { kind: 'aggregate', action: 'delete' },
  'aggregate.add_host.start': startOfAggregateChange,
  'aggregate.add_host.end': { kind: 'aggregate', action: 'upsert' },
  'aggregate.remove_host.start': startOfAggregateChange,
  'aggregate.remove_host.end': { kind: 'aggregate', action: 'upsert' },
  'aggregate.update_metadata.start': startOfAggregateChange,
  'aggregate.update_metadata.end': { kind: 'aggregate', action: 'upsert' },
};

const INSTANCE_STATES: ReadonlySet<string> = new Set<InstanceState>([
  'active',
  'building',
  'paused',
  'suspended',
  'stopped',
  'shelved',
  'shelved_offloaded',
  'resized',
  'rescued',
  'error',
  'deleted',
  'soft-delete',
]);

const DEFAULT_ZONE = 'nova';
const EPOCH = new Date(0);

/** Reads a raw bus message (oslo 2.0 envelope, or a bare message) into a notification; never throws. */
export function decodeNovaNotification(body: unknown): DecodedNotification {
  const decoded = decodeNotificationEnvelope(body, (payload) =>
    isRecord(payload) && isRecord(payload['nova_object.data'])
      ? { ok: true, payload: { name: payload['nova_object.name'], data: payload['nova_object.data'] } }
      : { ok: false, reason: 'payload is not a versioned object with nova_object.data' },
  );
  if (!decoded.ok) return decoded;
  const { payload, ...envelope } = decoded.envelope;
  return {
    ok: true,
    notification: {
      ...envelope,
      payloadName: typeof payload.name === 'string' ? payload.name : undefined,
      data: payload.data,
    },
  };
}

interface InstanceFields {
  uuid: string;
  name: string;
  state: InstanceState;
  taskState: string | null;
  host: string | null;
  projectId: string;
  flavor: {
    flavorid: string;
    name: string;
    vcpus: number;
    memoryMb: number;
    rootGb: number;
    ephemeralGb: number;
    swapMb: number;
    extraSpecs: Record<string, string>;
  };
  metadata: Record<string, string>;
  locked: boolean | undefined;
  updatedAt: Date | undefined;
}

/** The InstancePayload base shared by InstanceActionPayload, InstanceUpdatePayload, InstanceCreatePayload and kin. */
function readInstance(data: Record<string, unknown>): Parsed<InstanceFields> {
  const reader = new PayloadReader(data);
  const uuid = reader.string('uuid');
  const state = reader.string('state');
  if (state !== '' && !INSTANCE_STATES.has(state))
    reader.problems.push(`state ${JSON.stringify(state)} is not a Nova vm_state`);
  const fields = {
    uuid,
    name: reader.nullableString('display_name') ?? '',
    state: state as InstanceState,
    taskState: reader.nullableString('task_state'),
    host: reader.nullableString('host'),
    projectId: reader.string('tenant_id'),
    metadata: reader.stringMap('metadata'),
    locked: reader.optionalBoolean('locked'),
    updatedAt: reader.time('updated_at'),
  };
  const flavor = reader.object('flavor');
  const flavorFields = {
    flavorid: flavor?.string('flavorid') ?? '',
    name: flavor?.string('name') ?? '',
    vcpus: flavor?.count('vcpus') ?? 0,
    memoryMb: flavor?.count('memory_mb') ?? 0,
    rootGb: flavor?.count('root_gb') ?? 0,
    ephemeralGb: flavor?.optionalCount('ephemeral_gb') ?? 0,
    swapMb: flavor?.optionalCount('swap') ?? 0,
    extraSpecs: flavor?.stringMap('extra_specs', { optional: true }) ?? {},
  };
  if (flavor) reader.problems.push(...flavor.problems);
  return parsed(reader, { ...fields, flavor: flavorFields });
}

/** The fields strategies read; `updatedAt` is left out so a fresher copy of the same state is no change. */
const INSTANCE_KEYS = [
  'name',
  'state',
  'taskState',
  'hostname',
  'projectId',
  'flavor',
  'vcpus',
  'memoryMb',
  'diskGb',
  'locked',
  'metadata',
] as const;
const sameInstance = (a: Instance, b: Instance) =>
  INSTANCE_KEYS.every((key) => isDeepStrictEqual(a[key], b[key]));

function nextInstance(
  fields: InstanceFields,
  existing: Instance | undefined,
  hostname: string | null,
  stamp: Date,
): Instance {
  const f = fields.flavor;
  // Keep the sync's flavor and accounting while the flavor is the same: the sync may know more (a boot-from-volume
  // root disk Placement does not count); a resize brings a new flavor and new numbers.
  const sameFlavor =
    existing !== undefined &&
    existing.flavor.name === f.name &&
    existing.flavor.vcpus === f.vcpus &&
    existing.flavor.memoryMb === f.memoryMb &&
    existing.flavor.diskGb === f.rootGb;
  const flavor: Flavor = sameFlavor
    ? { ...existing.flavor, extraSpecs: f.extraSpecs }
    : {
        id: f.flavorid,
        name: f.name,
        vcpus: f.vcpus,
        memoryMb: f.memoryMb,
        diskGb: f.rootGb,
        extraSpecs: f.extraSpecs,
      };
  return {
    uuid: fields.uuid,
    name: fields.name,
    state: fields.state,
    taskState: fields.taskState,
    hostname,
    projectId: fields.projectId,
    flavor,
    vcpus: sameFlavor ? existing.vcpus : f.vcpus,
    memoryMb: sameFlavor ? existing.memoryMb : f.memoryMb,
    // What Placement allocates as DISK_GB for a local-disk server, as the sync counts it.
    diskGb: sameFlavor ? existing.diskGb : f.rootGb + f.ephemeralGb + Math.ceil(f.swapMb / 1024),
    locked: fields.locked ?? existing?.locked ?? false,
    metadata: fields.metadata,
    // Not in any notification payload: only the sync knows them.
    pinnedAvailabilityZone: existing?.pinnedAvailabilityZone ?? null,
    schedulerHints: existing ? structuredClone(existing.schedulerHints) : {},
    imageProperties: existing ? structuredClone(existing.imageProperties) : {},
    serverGroup: existing?.serverGroup ? { ...existing.serverGroup } : null,
    ...(existing?.createdAt && { createdAt: existing.createdAt }),
    ...(existing?.capabilities && { capabilities: { ...existing.capabilities } }),
    // Who set a key is not in the payload either: a key still there keeps its setter until the next sync.
    ...(existing?.protectedMetadata && {
      protectedMetadata: Object.fromEntries(
        Object.entries(existing.protectedMetadata).filter(([key]) => key in fields.metadata),
      ),
    }),
    updatedAt: stamp,
  };
}

const isStale = (eventTime: Date | undefined, updatedAt: Date | undefined) =>
  eventTime !== undefined && updatedAt !== undefined && eventTime.getTime() < updatedAt.getTime();

const latest = (a: Date | undefined, b: Date) => (a !== undefined && a.getTime() > b.getTime() ? a : b);

/** `nova-compute:host2` → `host2` for compute publishers; undefined for the API, conductor and others. */
function computePublisherHost(publisherId: string): string | undefined {
  const [binary, ...rest] = publisherId.split(':');
  const host = rest.join(':');
  return binary === 'nova-compute' && host !== '' ? host : undefined;
}

function applyInstance(
  model: ClusterModel,
  n: NovaNotification,
  hostSource: HostSource | 'delete',
  options: ApplyOptions,
): NotificationResult {
  const eventType = n.eventType;
  const read = readInstance(n.data);
  if (!read.ok) return { outcome: 'dropped_malformed', eventType, reason: read.reason };
  const fields = read.value;
  const existing = model.getInstance(fields.uuid);
  // Nova's own updated_at orders saves of one instance; the envelope time is the fallback (updated_at is null
  // before the first save).
  const eventTime = fields.updatedAt ?? n.timestamp;
  if (existing && isStale(eventTime, existing.updatedAt)) {
    return {
      outcome: 'stale',
      eventType,
      reason: `instance ${fields.uuid} in the model is newer than this event`,
    };
  }
  if (hostSource === 'delete') {
    if (!existing)
      return { outcome: 'no_change', eventType, reason: `instance ${fields.uuid} is not in the model` };
    model.removeInstance(fields.uuid);
    return { outcome: 'applied', eventType };
  }
  let hostname: string | null;
  switch (hostSource) {
    case 'payload':
      hostname = fields.host;
      break;
    case 'keep':
      hostname = existing ? existing.hostname : fields.host;
      break;
    case 'publisher':
      hostname = computePublisherHost(n.publisherId) ?? fields.host;
      break;
  }
  if (hostname !== null && !model.getNode(hostname)) {
    return {
      outcome: 'needs_resync',
      eventType,
      reason: `host ${hostname} of instance ${fields.uuid} is not in the model`,
    };
  }
  const stamp = eventTime ?? existing?.updatedAt ?? options.receivedAt ?? EPOCH;
  const next = nextInstance(fields, existing, hostname, stamp);
  if (existing && sameInstance(existing, next)) {
    existing.updatedAt = latest(existing.updatedAt, stamp);
    return { outcome: 'no_change', eventType };
  }
  model.upsertInstance(next);
  return { outcome: 'applied', eventType };
}

/** ComputeTaskPayload: the conductor gave up on a migration (e.g. NoValidHost) and reset the instance. */
function applyTaskError(model: ClusterModel, n: NovaNotification): NotificationResult {
  const eventType = n.eventType;
  const reader = new PayloadReader(n.data);
  const uuid = reader.string('instance_uuid');
  const state = reader.string('state');
  if (state !== '' && !INSTANCE_STATES.has(state))
    reader.problems.push(`state ${JSON.stringify(state)} is not a Nova vm_state`);
  const read = parsed(reader, { uuid, state: state as InstanceState });
  if (!read.ok) return { outcome: 'dropped_malformed', eventType, reason: read.reason };
  const existing = model.getInstance(uuid);
  if (!existing)
    return {
      outcome: 'no_change',
      eventType,
      reason: `instance ${uuid} is not in the model; the payload cannot create it`,
    };
  if (isStale(n.timestamp, existing.updatedAt))
    return { outcome: 'stale', eventType, reason: `instance ${uuid} in the model is newer than this event` };
  if (existing.state === read.value.state && existing.taskState === null)
    return { outcome: 'no_change', eventType };
  model.upsertInstance({
    ...existing,
    state: read.value.state,
    taskState: null,
    updatedAt: n.timestamp ?? existing.updatedAt,
  });
  return { outcome: 'applied', eventType };
}

/** ServiceStatusPayload: up/down from forced_down, enabled/disabled from disabled (as upstream Watcher). */
function applyService(
  model: ClusterModel,
  n: NovaNotification,
  action: 'create' | 'update' | 'delete',
): NotificationResult {
  const eventType = n.eventType;
  const reader = new PayloadReader(n.data);
  const fields = {
    host: reader.string('host'),
    binary: reader.string('binary'),
    disabled: reader.boolean('disabled'),
    disabledReason: reader.nullableString('disabled_reason'),
    forcedDown: reader.boolean('forced_down'),
  };
  const read = parsed(reader, fields);
  if (!read.ok) return { outcome: 'dropped_malformed', eventType, reason: read.reason };
  const service = read.value;
  if (service.binary !== 'nova-compute')
    return { outcome: 'no_change', eventType, reason: `${service.binary} is not a compute service` };
  const node = model.getNode(service.host);
  if (node && isStale(n.timestamp, node.updatedAt))
    return {
      outcome: 'stale',
      eventType,
      reason: `host ${service.host} in the model is newer than this event`,
    };
  if (action === 'delete') {
    if (!node) return { outcome: 'no_change', eventType, reason: `host ${service.host} is not in the model` };
    model.removeNode(service.host);
    return { outcome: 'applied', eventType };
  }
  // A new host's capacity, uuid and traits come only from Placement and the hypervisor API: a sync adds it.
  if (!node)
    return { outcome: 'needs_resync', eventType, reason: `host ${service.host} is not in the model` };
  const next: ComputeNode = {
    ...node,
    state: service.forcedDown ? 'down' : 'up',
    status: service.disabled ? 'disabled' : 'enabled',
    disabledReason: service.disabledReason,
    updatedAt: n.timestamp ?? node.updatedAt,
  };
  if (
    next.state === node.state &&
    next.status === node.status &&
    next.disabledReason === node.disabledReason
  ) {
    if (n.timestamp) node.updatedAt = latest(node.updatedAt, n.timestamp);
    return { outcome: 'no_change', eventType };
  }
  model.upsertNode(next);
  return { outcome: 'applied', eventType };
}

/** A host's zone in Nova: the zone of an aggregate it is in, else the default zone. */
function zoneOf(model: ClusterModel, hostname: string, defaultZone: string): string {
  for (const aggregate of model.aggregates())
    if (aggregate.availabilityZone !== null && aggregate.hosts.includes(hostname))
      return aggregate.availabilityZone;
  return defaultZone;
}

/** Re-derives every host's aggregate ids and zone from the aggregates (after one aggregate changed). */
function remapHosts(model: ClusterModel, touched: ReadonlySet<string>, defaultZone: string): void {
  for (const hostname of touched) {
    const node = model.getNode(hostname);
    if (!node) continue;
    const aggregates = [...model.aggregates()]
      .filter((aggregate) => aggregate.hosts.includes(hostname))
      .map((aggregate) => aggregate.id);
    const availabilityZone = zoneOf(model, hostname, defaultZone);
    if (isDeepStrictEqual(aggregates, node.aggregates) && availabilityZone === node.availabilityZone)
      continue;
    model.upsertNode({ ...node, aggregates, availabilityZone });
  }
}

/** AggregatePayload: `hosts` is the whole list after the change; an availability zone is `metadata.availability_zone`. */
function applyAggregate(
  model: ClusterModel,
  n: NovaNotification,
  action: 'upsert' | 'delete',
  options: ApplyOptions,
): NotificationResult {
  const eventType = n.eventType;
  const reader = new PayloadReader(n.data);
  const id = reader.count('id');
  const name = reader.string('name');
  const metadata = reader.stringMap('metadata', { optional: true });
  const rawHosts = n.data.hosts;
  let hosts: string[] = [];
  if (Array.isArray(rawHosts) && rawHosts.every((host) => typeof host === 'string'))
    hosts = [...new Set(rawHosts)];
  else if (rawHosts !== null && rawHosts !== undefined)
    reader.problems.push('hosts is not a list of strings or null');
  const read = parsed(reader, { id, name, metadata, hosts });
  if (!read.ok) return { outcome: 'dropped_malformed', eventType, reason: read.reason };
  const existing = model.getAggregate(id);
  if (existing && isStale(n.timestamp, existing.updatedAt))
    return { outcome: 'stale', eventType, reason: `aggregate ${id} in the model is newer than this event` };
  const defaultZone = options.defaultAvailabilityZone ?? DEFAULT_ZONE;
  if (action === 'delete') {
    if (!existing) return { outcome: 'no_change', eventType, reason: `aggregate ${id} is not in the model` };
    model.removeAggregate(id);
    remapHosts(model, new Set(existing.hosts), defaultZone);
    return { outcome: 'applied', eventType };
  }
  const unknown = hosts.filter((host) => !model.getNode(host));
  if (unknown.length > 0)
    return {
      outcome: 'needs_resync',
      eventType,
      reason: `aggregate ${id} names hosts not in the model: ${unknown.join(', ')}`,
    };
  const updatedAt = n.timestamp ?? existing?.updatedAt;
  const next: HostAggregate = {
    id,
    name,
    availabilityZone: metadata.availability_zone ?? null,
    hosts,
    metadata,
    ...(updatedAt && { updatedAt }),
  };
  const same =
    existing !== undefined &&
    existing.name === next.name &&
    existing.availabilityZone === next.availabilityZone &&
    isDeepStrictEqual([...existing.hosts].sort(), [...next.hosts].sort()) &&
    isDeepStrictEqual(existing.metadata, next.metadata);
  if (same) {
    if (n.timestamp) existing.updatedAt = latest(existing.updatedAt, n.timestamp);
    return { outcome: 'no_change', eventType };
  }
  model.upsertAggregate(next);
  remapHosts(model, new Set([...(existing?.hosts ?? []), ...hosts]), defaultZone);
  return { outcome: 'applied', eventType };
}

/**
 * Applies one decoded notification to the model. Malformed payloads, stale events and unknown hosts leave the
 * model exactly as it was; the result says why.
 */
export function applyNovaNotification(
  model: ClusterModel,
  notification: NovaNotification,
  options: ApplyOptions = {},
): NotificationResult {
  try {
    return dispatch(model, notification, options);
  } catch (error) {
    // Every change is computed before the model is touched, so a surprise here cannot have half-applied anything.
    return {
      outcome: 'dropped_malformed',
      eventType: notification.eventType,
      reason: `could not be applied: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

function dispatch(
  model: ClusterModel,
  notification: NovaNotification,
  options: ApplyOptions,
): NotificationResult {
  const eventType = notification.eventType;
  // Upstream listens with publisher_id regex ^nova-.*; other services share the topic in some deployments.
  if (!notification.publisherId.startsWith('nova-'))
    return {
      outcome: 'dropped_unknown',
      eventType,
      reason: `publisher ${notification.publisherId} is not a Nova service`,
    };
  const handling = EVENT_HANDLING[eventType];
  if (!handling)
    return { outcome: 'dropped_unknown', eventType, reason: `event type ${eventType} is not handled` };
  switch (handling.kind) {
    case 'instance':
      return applyInstance(model, notification, handling.host, options);
    case 'instance_delete':
      return applyInstance(model, notification, 'delete', options);
    case 'task_error':
      return applyTaskError(model, notification);
    case 'service':
      return applyService(model, notification, handling.action);
    case 'aggregate':
      return applyAggregate(model, notification, handling.action, options);
    case 'ignore':
      return { outcome: 'no_change', eventType, reason: handling.why };
  }
}

/** Remembers the `capacity` most recently seen message ids (oslo may redeliver); the least recent is forgotten first. */
export class MessageIdWindow {
  readonly #ids = new Set<string>();

  constructor(readonly capacity = 10_000) {}

  /** True when the id was seen before; otherwise records it. */
  seen(messageId: string): boolean {
    if (this.#ids.has(messageId)) {
      // A Set keeps insertion order: re-inserting makes it the most recent.
      this.#ids.delete(messageId);
      this.#ids.add(messageId);
      return true;
    }
    this.#ids.add(messageId);
    if (this.#ids.size > this.capacity) {
      const oldest = this.#ids.values().next();
      if (!oldest.done) this.#ids.delete(oldest.value);
    }
    return false;
  }

  get size(): number {
    return this.#ids.size;
  }
}

export interface NovaNotificationCollectorOptions extends ApplyOptions {
  /** Message ids remembered for duplicate detection. Default 10,000. */
  duplicateWindow?: number;
}

/**
 * Decoding, duplicate detection and applying in one place: `receive` reads a bus message once (duplicates end
 * there), `apply` may run the same notification again on another model (the provider's journal replay).
 */
export class NovaNotificationCollector {
  readonly #window: MessageIdWindow;
  readonly #options: ApplyOptions;

  constructor(options: NovaNotificationCollectorOptions = {}) {
    this.#window = new MessageIdWindow(options.duplicateWindow);
    this.#options = options;
  }

  receive(body: unknown): DecodedNotification {
    const decoded = decodeNovaNotification(body);
    if (!decoded.ok) return decoded;
    const { messageId, eventType } = decoded.notification;
    if (messageId !== undefined && this.#window.seen(messageId)) {
      return {
        ok: false,
        result: { outcome: 'duplicate', eventType, reason: `message ${messageId} was already received` },
      };
    }
    return decoded;
  }

  apply(model: ClusterModel, notification: NovaNotification, receivedAt?: Date): NotificationResult {
    return applyNovaNotification(model, notification, {
      ...this.#options,
      ...(receivedAt && { receivedAt }),
    });
  }

  /** `receive` then `apply`. */
  handle(model: ClusterModel, body: unknown, receivedAt?: Date): NotificationResult {
    const received = this.receive(body);
    return received.ok ? this.apply(model, received.notification, receivedAt) : received.result;
  }
}
