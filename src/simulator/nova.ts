/**
 * The Nova (compute v2.1, microversions 2.1–2.100) part of the simulator: servers and their actions, migrations
 * taking simulated time, services, hypervisors, aggregates, availability zones, flavors and server groups, with
 * the versioned notifications Nova sends for each.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../lib/clock.js';
import type {
  ClusterState,
  SimHost,
  SimInstance,
  SimInstanceAction,
  SimMigration,
  SimNetwork,
} from './cluster.js';
import { bootLoad, nameUuid, usedOn } from './cluster.js';
import { rejectReason, schedule } from './scheduler.js';
import { invalidatePlacement } from './metrics.js';
import {
  buildErrorPayload,
  CONTROL_HOST,
  instanceActionPayload,
  instanceCreatePayload,
  instanceUpdatePayload,
  NO_VALID_HOST,
  resizePrepPayload,
  servicePayload,
  type InstanceView,
  type Notifier,
} from './notifications.js';
import { hostLoadAverage } from './load.js';
import { capabilitiesOf } from './capabilities.js';
import { addressesOf, findNetwork, plugPort } from './neutron.js';
import { moveDurationMs, moveProgress } from './moves.js';
import { ADMIN_PROJECT, ROLE_RANK, USERS, type Role } from './keystone.js';
import {
  atLeast,
  HttpError,
  matchRoute,
  novaError,
  parseMicroversion,
  readBody,
  type Reply,
  type Route,
} from './routing.js';

export interface NovaContext {
  state: ClusterState;
  clock: Clock;
  notifier: Notifier;
  bandwidthMbPerS: number;
  baseUrl: () => string;
  /** The next `os-migrations` id. */
  nextMigrationId(): number;
  /**
   * Nova's `[notifications] notify_on_state_change`: `instance.update` on every vm_state change, or every vm_state
   * and task_state change; null (Nova's default) sends none.
   */
  notifyOnStateChange?: NotifyOnStateChange;
}

export type NotifyOnStateChange = 'vm_state' | 'vm_and_task_state' | null;

/** What a route sees: the service, the request's microversion and the caller. */
type NovaRequest = NovaContext & { v: [number, number]; role: Role; admin: boolean };

const iso = (c: { clock: Clock }): string =>
  c.clock
    .now()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z');

/** Nova's power_state SHUTDOWN (nova/compute/power_state.py). */
const POWER_SHUTDOWN = 4;

// The instance as the emitting service sees it on `host` (its AZ is that host's).
const on = (c: NovaContext, host: string | null, view: Omit<InstanceView, 'host'> = {}): InstanceView => ({
  host,
  availabilityZone: host ? (c.state.hostsByName.get(host)?.az ?? null) : null,
  ...view,
});
const actionPayload = (
  c: NovaContext,
  i: SimInstance,
  host: string | null,
  view: Omit<InstanceView, 'host'> = {},
): Record<string, unknown> => instanceActionPayload(i, on(c, host, view));

/**
 * Moves the instance to a new vm_state and/or task_state as `instance.save()` does in Nova, and sends the
 * `instance.update` that `notify_on_state_change` asks for, from the service that made the change.
 */
async function changeState(
  c: NovaContext,
  i: SimInstance,
  to: { vmState?: string; taskState?: string | null },
  publisherHost: string,
  publisher: 'nova-compute' | 'nova-api' | 'nova-conductor' = 'nova-compute',
): Promise<void> {
  const oldState = i.vmState;
  const oldTaskState = i.taskState;
  if (to.vmState !== undefined) i.vmState = to.vmState;
  if (to.taskState !== undefined) i.taskState = to.taskState;
  const mode = c.notifyOnStateChange ?? null;
  const vmChanged = oldState !== i.vmState;
  const taskChanged = oldTaskState !== i.taskState;
  if (mode === null || !(vmChanged || (mode === 'vm_and_task_state' && taskChanged))) return;
  i.updated = iso(c);
  await c.notifier.emit(
    'instance.update',
    publisherHost,
    instanceUpdatePayload(i, on(c, i.host), { now: c.clock.now(), oldState, oldTaskState }),
    publisher,
  );
}

/** Simulated time (ms) when the earliest running migration finishes, or null if none runs. */
export function nextMigrationDueMs(state: ClusterState): number | null {
  let due: number | null = null;
  for (const m of state.migrations)
    if (m.status === 'running' && (due === null || m.startedMs + m.durationMs < due))
      due = m.startedMs + m.durationMs;
  return due;
}

/** Completes the migrations whose simulated time is over, sending Nova's notifications in Nova's order. */
export async function settleMigrations(c: NovaContext): Promise<void> {
  const { state } = c;
  const now = c.clock.now().getTime();
  for (const m of state.migrations) {
    if (m.status !== 'running' || now < m.startedMs + m.durationMs) continue;
    const inst = state.instances.get(m.instanceId);
    if (!inst) continue;
    m.updated = iso(c);
    if (m.type === 'live-migration') {
      m.status = 'completed';
      // As in Nova: the source calls post_live_migration_at_destination synchronously, then sends post.end from
      // its own stale copy (host = source, task = migrating), last.
      await c.notifier.emit(
        'instance.live_migration_post.start',
        m.sourceHost,
        actionPayload(c, inst, m.sourceHost, { taskState: 'migrating' }),
      );
      await c.notifier.emit(
        'instance.live_migration_post_dest.start',
        m.destHost,
        actionPayload(c, inst, m.sourceHost, { taskState: 'migrating' }),
      );
      inst.host = m.destHost;
      inst.updated = iso(c);
      invalidatePlacement();
      await changeState(c, inst, { taskState: null }, m.destHost);
      await c.notifier.emit(
        'instance.live_migration_post_dest.end',
        m.destHost,
        actionPayload(c, inst, m.destHost),
      );
      await c.notifier.emit(
        'instance.live_migration_post.end',
        m.sourceHost,
        actionPayload(c, inst, m.sourceHost, { taskState: 'migrating' }),
      );
    } else {
      // Cold migration and resize wait for confirmation in VERIFY_RESIZE, holding both allocations. The source
      // moves the instance to the destination before resize.end; the destination then finishes it.
      m.status = 'finished';
      const oldFlavor = state.flavors.find((f) => f.id === m.oldFlavorId) ?? inst.flavor;
      inst.host = m.destHost;
      inst.updated = iso(c);
      await changeState(c, inst, { taskState: 'resize_migrated' }, m.sourceHost);
      await c.notifier.emit(
        'instance.resize.end',
        m.sourceHost,
        actionPayload(c, inst, m.destHost, { flavor: oldFlavor }),
      );
      await changeState(c, inst, { taskState: 'resize_finish' }, m.destHost);
      await c.notifier.emit('instance.resize_finish.start', m.destHost, actionPayload(c, inst, m.destHost));
      inst.updated = iso(c);
      await changeState(c, inst, { vmState: 'resized', taskState: null }, m.destHost);
      invalidatePlacement();
      await c.notifier.emit('instance.resize_finish.end', m.destHost, actionPayload(c, inst, m.destHost));
    }
  }
}

/** A powered-off host's nova-compute stops reporting, so Nova shows its service and hypervisor down. */
const serviceState = (h: SimHost): 'up' | 'down' => (h.forcedDown || h.powerState === 'off' ? 'down' : 'up');

const STATUS: Record<string, string> = {
  active: 'ACTIVE',
  stopped: 'SHUTOFF',
  error: 'ERROR',
  resized: 'VERIFY_RESIZE',
  building: 'BUILD',
  paused: 'PAUSED',
  suspended: 'SUSPENDED',
  deleted: 'DELETED',
};
const statusOf = (i: SimInstance): string =>
  i.taskState === 'migrating'
    ? 'MIGRATING'
    : i.taskState === 'resize_migrating'
      ? 'RESIZE'
      : (STATUS[i.vmState] ?? i.vmState.toUpperCase());

function serverView(
  c: NovaContext,
  i: SimInstance,
  v: [number, number],
  detail: boolean,
): Record<string, unknown> {
  const base = `${c.baseUrl()}/compute/v2.1`;
  const links = [
    { href: `${base}/servers/${i.id}`, rel: 'self' },
    { href: `${c.baseUrl()}/compute/servers/${i.id}`, rel: 'bookmark' },
  ];
  if (!detail) return { id: i.id, name: i.name, links };
  const host = i.host ? c.state.hostsByName.get(i.host) : undefined;
  const flavor = atLeast(v, 47)
    ? {
        disk: i.flavor.diskGb,
        ephemeral: 0,
        extra_specs: { ...i.flavor.extraSpecs },
        original_name: i.flavor.name,
        ram: i.flavor.ramMb,
        swap: 0,
        vcpus: i.flavor.vcpus,
      }
    : {
        id: i.flavor.id,
        links: [{ href: `${c.baseUrl()}/compute/flavors/${i.flavor.id}`, rel: 'bookmark' }],
      };
  const view: Record<string, unknown> = {
    id: i.id,
    name: i.name,
    status: statusOf(i),
    tenant_id: i.projectId,
    user_id: i.userId,
    metadata: { ...i.metadata },
    hostId: i.host ? nameUuid(`${i.projectId}${i.host}`).replaceAll('-', '') : '',
    image: imageRef(c, i, v),
    flavor,
    created: i.created,
    updated: i.updated,
    addresses: addressesOf(c.state, i),
    accessIPv4: '',
    accessIPv6: '',
    links,
    'OS-DCF:diskConfig': 'MANUAL',
    progress: 0,
    'OS-EXT-AZ:availability_zone': host?.az ?? '',
    config_drive: '',
    key_name: null,
    'OS-SRV-USG:launched_at': i.created,
    'OS-SRV-USG:terminated_at': null,
    'OS-EXT-SRV-ATTR:host': i.host,
    'OS-EXT-SRV-ATTR:instance_name': `instance-${i.id.slice(0, 8)}`,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': i.host,
    'OS-EXT-STS:task_state': i.taskState,
    'OS-EXT-STS:vm_state': i.vmState,
    'OS-EXT-STS:power_state': i.powerState,
    'os-extended-volumes:volumes_attached': [],
    security_groups: [{ name: 'default' }],
  };
  // Nova adds the traceback as `details` for admins; the simulator has none to give.
  if (i.fault) view.fault = { ...i.fault };
  if (atLeast(v, 3)) view['OS-EXT-SRV-ATTR:hostname'] = i.name;
  if (atLeast(v, 9)) view.locked = i.locked;
  if (atLeast(v, 73)) view.locked_reason = null;
  if (atLeast(v, 19)) view.description = null;
  if (atLeast(v, 26)) view.tags = [];
  if (atLeast(v, 63)) view.trusted_image_certificates = null;
  if (atLeast(v, 71)) view.server_groups = i.serverGroup ? [i.serverGroup] : [];
  if (atLeast(v, 96)) view.pinned_availability_zone = i.pinnedAz;
  if (atLeast(v, 100)) view.scheduler_hints = {};
  if (atLeast(v, 100)) view.capabilities = capabilitiesOf(c.state, i);
  // Not Nova's yet (2025.2 PTG: record the role that set each key): the keys a member may not change, by setter role.
  if (atLeast(v, 100)) view.protected_metadata = protectedMetadata(i);
  return view;
}

/** The metadata keys set by a role above member (admin > manager > member), with that role. */
const protectedMetadata = (i: SimInstance): Record<string, string> =>
  Object.fromEntries(
    Object.entries(i.metadataRoles).filter(
      ([key, role]) => key in i.metadata && ROLE_RANK[role as Role] > ROLE_RANK.member,
    ),
  );

/** Nova's image reference: {id, links}, and from 2.98 the image's custom properties (Nova's 2.100 sample). */
function imageRef(c: NovaContext, i: SimInstance, v: [number, number]): Record<string, unknown> {
  const ref: Record<string, unknown> = {
    id: i.imageId,
    links: [{ href: `${c.baseUrl()}/compute/images/${i.imageId}`, rel: 'bookmark' }],
  };
  if (atLeast(v, 98)) ref.properties = { ...c.state.images.find((img) => img.id === i.imageId)?.properties };
  return ref;
}

function page<T>(items: T[], id: (t: T) => string, q: URLSearchParams): { items: T[]; next: string | null } {
  let start = 0;
  const marker = q.get('marker');
  if (marker) {
    const idx = items.findIndex((t) => id(t) === marker);
    if (idx < 0) throw novaError(400, `marker [${marker}] not found`);
    start = idx + 1;
  }
  const limit = q.has('limit') ? Number(q.get('limit')) : 1000;
  if (!Number.isInteger(limit) || limit < 0) throw novaError(400, 'limit must be a non-negative integer');
  const slice = items.slice(start, start + limit);
  const last = slice[slice.length - 1];
  return { items: slice, next: q.has('limit') && start + limit < items.length && last ? id(last) : null };
}

function findServer(c: NovaContext, id: string | undefined): SimInstance {
  const i = id === undefined ? undefined : c.state.instances.get(id);
  if (!i || i.vmState === 'deleted') throw novaError(404, `Instance ${id} could not be found.`);
  return i;
}
function findHost(c: NovaContext, name: string): SimHost {
  const h = c.state.hostsByName.get(name);
  if (!h) throw novaError(400, `Compute host ${name} could not be found.`);
  return h;
}

async function startMove(
  c: NovaContext,
  i: SimInstance,
  type: SimMigration['type'],
  destName: string | null,
  oldFlavor = i.flavor,
): Promise<SimMigration> {
  const { state } = c;
  if (i.locked) throw novaError(409, `Instance ${i.id} is locked`);
  if (i.taskState)
    throw novaError(409, `Cannot '${type}' instance ${i.id} while it is in task_state ${i.taskState}`);
  if (type === 'live-migration' && i.vmState !== 'active' && i.vmState !== 'paused')
    throw novaError(409, `Cannot 'os-migrateLive' instance ${i.id} while it is in vm_state ${i.vmState}`);
  if (type !== 'live-migration' && i.vmState !== 'active' && i.vmState !== 'stopped')
    throw novaError(409, `Cannot 'migrate' instance ${i.id} while it is in vm_state ${i.vmState}`);
  const source = i.host as string;
  const src = state.hostsByName.get(source);
  if (src?.inMaintenance) throw novaError(409, `Source host ${source} is in maintenance`);
  let dest: SimHost | null;
  if (destName) {
    dest = findHost(c, destName);
    if (dest.hostname === source)
      throw novaError(400, `The target host ${destName} is the same as the source host`);
    if (dest.inMaintenance) throw novaError(409, `Target host ${destName} is in maintenance`);
    const reason = rejectReason(state, dest, { flavor: i.flavor, instance: i });
    if (reason) throw novaError(400, `Migration pre-check error: ${reason}`);
  } else {
    dest = schedule(state, { flavor: i.flavor, instance: i });
    if (!dest) throw novaError(400, NO_VALID_HOST);
  }
  const m: SimMigration = {
    id: c.nextMigrationId(),
    uuid: randomUUID(),
    instanceId: i.id,
    type,
    sourceHost: source,
    destHost: dest.hostname,
    status: 'running',
    startedMs: c.clock.now().getTime(),
    durationMs: moveDurationMs(i.flavor.ramMb, c.bandwidthMbPerS),
    memoryTotalBytes: i.flavor.ramMb * 1024 * 1024,
    created: iso(c),
    updated: iso(c),
    oldFlavorId: oldFlavor.id,
    newFlavorId: i.flavor.id,
  };
  state.migrations.push(m);
  i.updated = iso(c);
  await changeState(
    c,
    i,
    { taskState: type === 'live-migration' ? 'migrating' : 'resize_migrating' },
    CONTROL_HOST,
    'nova-conductor',
  );
  if (type === 'live-migration') {
    await c.notifier.emit('instance.live_migration_pre.start', dest.hostname, actionPayload(c, i, source));
    await c.notifier.emit('instance.live_migration_pre.end', dest.hostname, actionPayload(c, i, source));
  } else {
    // prep_resize runs on the destination, resize_instance on the source (Nova's compute manager).
    const prep = on(c, source, { flavor: oldFlavor, taskState: 'resize_prep' });
    await c.notifier.emit('instance.resize_prep.start', dest.hostname, resizePrepPayload(i, prep, i.flavor));
    await c.notifier.emit('instance.resize_prep.end', dest.hostname, resizePrepPayload(i, prep, i.flavor));
    await c.notifier.emit(
      'instance.resize.start',
      source,
      actionPayload(c, i, source, { flavor: oldFlavor }),
    );
  }
  return m;
}

function migrationView(
  c: NovaContext,
  m: SimMigration,
  v: [number, number],
  perServer: boolean,
): Record<string, unknown> {
  const now = c.clock.now().getTime();
  const done = m.status === 'running' ? moveProgress(m.startedMs, m.durationMs, now) : 1;
  const dst = c.state.hostsByName.get(m.destHost);
  const view: Record<string, unknown> = {
    id: m.id,
    created_at: m.created,
    updated_at: m.updated,
    status: m.status,
    server_uuid: m.instanceId,
    source_compute: m.sourceHost,
    source_node: m.sourceHost,
    dest_compute: m.destHost,
    dest_node: m.destHost,
    dest_host: dst?.hostIp ?? null,
    source_region: 'RegionOne',
    dest_region: 'RegionOne',
  };
  if (perServer) {
    Object.assign(view, {
      memory_total_bytes: m.memoryTotalBytes,
      memory_processed_bytes: Math.round(m.memoryTotalBytes * done),
      memory_remaining_bytes: Math.round(m.memoryTotalBytes * (1 - done)),
      disk_total_bytes: 0,
      disk_processed_bytes: 0,
      disk_remaining_bytes: 0,
    });
  } else {
    Object.assign(view, {
      instance_uuid: m.instanceId,
      old_instance_type_id: Number(m.oldFlavorId) || 1,
      new_instance_type_id: Number(m.newFlavorId) || 1,
      migration_type: m.type,
    });
    delete view.server_uuid;
  }
  if (atLeast(v, 59)) view.uuid = m.uuid;
  if (atLeast(v, 80)) {
    view.user_id = USERS.admin?.id;
    view.project_id = ADMIN_PROJECT;
  }
  return view;
}

const forbidden = (rule: string): HttpError =>
  novaError(403, `Policy doesn't allow ${rule} to be performed.`);

type ServerAction = (
  c: NovaRequest,
  i: SimInstance,
  a: Record<string, unknown>,
  name: string,
) => Promise<void>;

async function confirmOrRevertResize(
  c: NovaRequest,
  i: SimInstance,
  _a: unknown,
  action: string,
): Promise<void> {
  if (i.vmState !== 'resized')
    throw novaError(409, `Cannot '${action}' instance ${i.id} while it is in vm_state ${i.vmState}`);
  const m = [...c.state.migrations].reverse().find((x) => x.instanceId === i.id && x.status === 'finished');
  if (!m) throw novaError(400, `Instance has not been resized.`);
  // confirm_resize runs on the source; revert_resize on the destination, then finish_revert_resize on the source.
  if (action === 'confirmResize') {
    m.status = 'confirmed';
    await c.notifier.emit('instance.resize_confirm.start', m.sourceHost, actionPayload(c, i, i.host));
  } else {
    await c.notifier.emit(
      'instance.resize_revert.start',
      m.destHost,
      actionPayload(c, i, m.destHost, { taskState: 'resize_reverting' }),
    );
    m.status = 'reverted';
    i.host = m.sourceHost;
    invalidatePlacement();
    const old = c.state.flavors.find((f) => f.id === m.oldFlavorId);
    if (old) i.flavor = old;
  }
  // Nova's confirm_resize and finish_revert_resize keep a guest that was shut off when it moved stopped.
  i.updated = iso(c);
  await changeState(
    c,
    i,
    { vmState: i.powerState === POWER_SHUTDOWN ? 'stopped' : 'active' },
    action === 'confirmResize' ? m.sourceHost : (i.host ?? m.sourceHost),
  );
  m.updated = iso(c);
  await c.notifier.emit(
    action === 'confirmResize' ? 'instance.resize_confirm.end' : 'instance.resize_revert.end',
    m.sourceHost,
    actionPayload(c, i, i.host),
  );
}

async function stopOrStart(c: NovaRequest, i: SimInstance, _a: unknown, action: string): Promise<void> {
  const want = action === 'os-stop' ? 'active' : 'stopped';
  if (i.locked && !c.admin) throw novaError(409, `Instance ${i.id} is locked`);
  if (i.vmState !== want || i.taskState)
    throw novaError(
      409,
      `Cannot '${action === 'os-stop' ? 'stop' : 'start'}' instance ${i.id} while it is in vm_state ${i.vmState}`,
    );
  const ev = action === 'os-stop' ? 'instance.power_off' : 'instance.power_on';
  // nova-api sets the task state before it casts to the compute.
  await changeState(
    c,
    i,
    { taskState: action === 'os-stop' ? 'powering-off' : 'powering-on' },
    CONTROL_HOST,
    'nova-api',
  );
  await c.notifier.emit(
    `${ev}.start`,
    i.host ?? CONTROL_HOST,
    actionPayload(c, i, i.host, { taskState: action === 'os-stop' ? 'powering-off' : 'powering-on' }),
  );
  i.powerState = action === 'os-stop' ? POWER_SHUTDOWN : 1;
  if (action === 'os-start') i.startedAtS = c.clock.now().getTime() / 1000;
  i.updated = iso(c);
  invalidatePlacement();
  await changeState(
    c,
    i,
    { vmState: action === 'os-stop' ? 'stopped' : 'active', taskState: null },
    i.host ?? CONTROL_HOST,
  );
  await c.notifier.emit(`${ev}.end`, i.host ?? CONTROL_HOST, actionPayload(c, i, i.host));
}

/** Nova's `instance_actions` names for the action keys (nova/compute/instance_actions.py). */
const INSTANCE_ACTION_NAMES: Record<string, string> = {
  'os-migrateLive': 'live-migration',
  migrate: 'migrate',
  resize: 'resize',
  confirmResize: 'confirmResize',
  revertResize: 'revertResize',
  'os-stop': 'stop',
  'os-start': 'start',
};

function instanceActionView(c: NovaRequest, a: SimInstanceAction): Record<string, unknown> {
  return {
    action: a.action,
    instance_uuid: a.instanceId,
    message: a.message,
    project_id: a.projectId,
    request_id: a.requestId,
    start_time: a.startTime,
    user_id: a.userId,
    ...(atLeast(c.v, 58) && { updated_at: a.startTime }),
  };
}

/** `POST /servers/{id}/action`: one handler per action key. */
const SERVER_ACTIONS: Record<string, ServerAction> = {
  async 'os-migrateLive'(c, i, a) {
    if (!c.admin) throw forbidden('os_compute_api:os-migrate-server:migrate_live');
    await startMove(c, i, 'live-migration', typeof a.host === 'string' ? a.host : null);
  },
  async migrate(c, i, a) {
    if (!c.admin) throw forbidden('os_compute_api:os-migrate-server:migrate');
    await startMove(c, i, 'migration', typeof a.host === 'string' ? a.host : null);
  },
  async resize(c, i, a) {
    const rawRef = a.flavorRef;
    const ref = typeof rawRef === 'string' || typeof rawRef === 'number' ? String(rawRef) : '';
    const flavor = c.state.flavors.find((f) => f.id === ref);
    if (!flavor) throw novaError(400, `Flavor ${ref} could not be found.`);
    if (flavor.id === i.flavor.id) throw novaError(400, 'When resizing, instances must change flavor!');
    const old = i.flavor;
    i.flavor = flavor;
    try {
      await startMove(c, i, 'resize', null, old);
    } catch (e) {
      i.flavor = old;
      throw e;
    }
  },
  confirmResize: confirmOrRevertResize,
  revertResize: confirmOrRevertResize,
  'os-stop': stopOrStart,
  'os-start': stopOrStart,
};

/**
 * The host's `uptime` line as libvirt reports it to Nova (` 15:31:02 up 2 days,  3:04,  0 users,  load average:
 * …`), the format the openstack client parses for `hypervisor show`; the load follows the simulated CPU.
 */
function uptimeLine(c: NovaContext, h: SimHost): string {
  const nowMs = c.clock.now().getTime();
  const upMinutes = Math.max(0, Math.floor((nowMs - h.bootedMs) / 60_000));
  const days = Math.floor(upMinutes / 1440);
  const clock = `${Math.floor((upMinutes % 1440) / 60)}:${String(upMinutes % 60).padStart(2, '0')}`;
  const up = days > 0 ? `${days} day${days === 1 ? '' : 's'}, ${clock.padStart(5)}` : clock.padStart(5);
  const t = nowMs / 1000;
  const loads = [60, 300, 900].map((window) => hostLoadAverage(c.state, h, t, window).toFixed(2));
  return ` ${c.clock.now().toISOString().slice(11, 19)} up ${up},  0 users,  load average: ${loads.join(', ')}`;
}

function hypervisorView(
  c: NovaRequest,
  h: SimHost,
  detail: boolean,
  q: URLSearchParams,
): Record<string, unknown> {
  const { state, v } = c;
  const base: Record<string, unknown> = {
    id: atLeast(v, 53) ? h.id : state.hosts.indexOf(h) + 1,
    hypervisor_hostname: h.hostname,
    state: serviceState(h),
    status: h.status,
  };
  if (!detail) return base;
  Object.assign(base, {
    host_ip: h.hostIp,
    hypervisor_type: 'QEMU',
    hypervisor_version: 8002000,
    service: {
      host: h.hostname,
      id: atLeast(v, 53) ? h.serviceId : state.hosts.indexOf(h) + 1,
      disabled_reason: h.disabledReason,
    },
  });
  if (atLeast(v, 88)) base.uptime = serviceState(h) === 'up' ? uptimeLine(c, h) : null;
  else {
    const used = usedOn(state, h.hostname);
    Object.assign(base, {
      vcpus: h.vcpus,
      vcpus_used: used.vcpus,
      memory_mb: h.memoryMb,
      memory_mb_used: used.ramMb,
      local_gb: h.diskGb,
      local_gb_used: used.diskGb,
      free_ram_mb: h.memoryMb - used.ramMb,
      free_disk_gb: h.diskGb - used.diskGb,
      running_vms: [...state.instances.values()].filter((i) => i.host === h.hostname).length,
      current_workload: 0,
      disk_available_least: h.diskGb - used.diskGb,
      cpu_info: '{}',
    });
  }
  if (q.get('with_servers') === 'true')
    base.servers = [...state.instances.values()]
      .filter((i) => i.host === h.hostname)
      .map((i) => ({ name: `instance-${i.id.slice(0, 8)}`, uuid: i.id }));
  return base;
}

function listHypervisors(c: NovaRequest, q: URLSearchParams, detail: boolean): Reply {
  const { state, v } = c;
  const pattern = q.get('hypervisor_hostname_pattern');
  const list = pattern ? state.hosts.filter((h) => h.hostname.includes(pattern)) : state.hosts;
  const { items, next } = page(list, (h) => (atLeast(v, 53) ? h.id : String(state.hosts.indexOf(h) + 1)), q);
  const body: Record<string, unknown> = { hypervisors: items.map((h) => hypervisorView(c, h, detail, q)) };
  if (next)
    body.hypervisors_links = [
      {
        href: `${c.baseUrl()}/compute/v2.1/os-hypervisors${detail ? '/detail' : ''}?limit=${q.get('limit')}&marker=${next}`,
        rel: 'next',
      },
    ];
  return { status: 200, body };
}

function listServers(c: NovaRequest, q: URLSearchParams, detail: boolean): Reply {
  const host = q.get('host');
  const status = q.get('status');
  const project = q.get('project_id') ?? q.get('tenant_id');
  const since = q.get('changes-since') ? new Date(q.get('changes-since') as string).getTime() : null;
  // The 2025.2 PTG's filter: servers with a port on the network, named by id or name; none for an unknown one.
  const networkRef = q.get('network');
  const networkId = networkRef === null ? null : (findNetwork(c.state, networkRef)?.id ?? '');
  const all =
    c.admin &&
    (q.get('all_tenants') ?? '') !== '' &&
    !['0', 'false'].includes((q.get('all_tenants') ?? '').toLowerCase());
  const list: SimInstance[] = [];
  for (const i of c.state.instances.values()) {
    if (i.vmState === 'deleted' && since === null) continue;
    if (!all && !project && i.projectId !== ADMIN_PROJECT && !c.admin) continue;
    if (host && i.host !== host) continue;
    if (status && statusOf(i) !== status.toUpperCase()) continue;
    if (project && i.projectId !== project) continue;
    if (networkId !== null && !(i.ports ?? []).some((port) => port.networkId === networkId)) continue;
    if (since !== null && new Date(i.updated).getTime() < since) continue;
    list.push(i);
  }
  const { items, next } = page(list, (i) => i.id, q);
  const body: Record<string, unknown> = { servers: items.map((i) => serverView(c, i, c.v, detail)) };
  if (next)
    body.servers_links = [
      {
        href: `${c.baseUrl()}/compute/v2.1/servers${detail ? '/detail' : ''}?limit=${q.get('limit')}&marker=${next}`,
        rel: 'next',
      },
    ];
  return { status: 200, body };
}

function flavorView(c: NovaRequest, f: ClusterState['flavors'][number]): Record<string, unknown> {
  return {
    id: f.id,
    name: f.name,
    vcpus: f.vcpus,
    ram: f.ramMb,
    disk: f.diskGb,
    'OS-FLV-EXT-DATA:ephemeral': 0,
    swap: 0,
    rxtx_factor: 1.0,
    'OS-FLV-DISABLED:disabled': false,
    'os-flavor-access:is_public': true,
    description: null,
    links: [{ href: `${c.baseUrl()}/compute/v2.1/flavors/${f.id}`, rel: 'self' }],
    ...(atLeast(c.v, 61) ? { extra_specs: { ...f.extraSpecs } } : {}),
  };
}
function findFlavor(c: NovaRequest, id: string | undefined): ClusterState['flavors'][number] {
  const f = c.state.flavors.find((x) => x.id === id);
  if (!f) throw novaError(404, `Flavor ${id} could not be found.`);
  return f;
}

function serviceView(c: NovaRequest, h: SimHost): Record<string, unknown> {
  return {
    id: atLeast(c.v, 53) ? h.serviceId : c.state.hosts.indexOf(h) + 1,
    binary: 'nova-compute',
    host: h.hostname,
    zone: h.az,
    status: h.status,
    state: serviceState(h),
    updated_at: iso(c),
    disabled_reason: h.disabledReason,
    forced_down: h.forcedDown,
    // Not Nova's (the 2025.2 PTG's maintenance mode has no API yet): moves into or out of the host are refused (409).
    maintenance: h.inMaintenance,
  };
}

/**
 * The networks a boot asks for: `networks: [{uuid}]` (or `{network}` by name), `'none'`, or `'auto'` / nothing,
 * which plugs the tenants' network as Nova's auto-allocation does when there is exactly one.
 */
function requestedNetworks(c: NovaRequest, requested: unknown): SimNetwork[] {
  if (requested === 'none') return [];
  const fallback = c.state.networks.find((n) => !n.shared);
  if (requested === undefined || requested === 'auto') return fallback ? [fallback] : [];
  if (!Array.isArray(requested))
    throw novaError(400, `Invalid input for field/attribute networks. Value: ${JSON.stringify(requested)}.`);
  return requested.map((entry: { uuid?: unknown }) => {
    const ref = typeof entry?.uuid === 'string' ? entry.uuid : '';
    const network = findNetwork(c.state, ref);
    if (!network) throw novaError(400, `Network ${ref} could not be found.`);
    return network;
  });
}

const ok = (body: unknown): Reply => ({ status: 200, body });

const routes: readonly Route<NovaRequest>[] = [
  { methods: ['GET'], path: '/servers', handle: (c, { q }) => listServers(c, q, false) },
  { methods: ['GET'], path: '/servers/detail', handle: (c, { q }) => listServers(c, q, true) },
  {
    methods: ['GET'],
    path: '/servers/:id',
    handle: (c, { params }) => ok({ server: serverView(c, findServer(c, params.id), c.v, true) }),
  },
  {
    methods: ['POST'],
    path: '/servers',
    async handle(c, { req }) {
      const { state, v } = c;
      const body = (await readBody(req)) as {
        server?: {
          name?: unknown;
          flavorRef?: unknown;
          imageRef?: unknown;
          availability_zone?: unknown;
          metadata?: Record<string, unknown>;
          networks?: unknown;
        };
        'os:scheduler_hints'?: { group?: unknown };
      };
      const spec = body.server;
      if (!spec || typeof spec.name !== 'string' || spec.name === '')
        throw novaError(400, "Invalid input for field/attribute server. Value: missing 'name'.");
      const flavor = state.flavors.find((f) => f.id === String(spec.flavorRef as string));
      if (!flavor) throw novaError(400, `Flavor ${String(spec.flavorRef)} could not be found.`);
      const group =
        typeof body['os:scheduler_hints']?.group === 'string' ? body['os:scheduler_hints'].group : null;
      const g = group ? state.serverGroups.find((x) => x.id === group) : undefined;
      if (group && !g) throw novaError(400, `Invalid server group ${group}`);
      const az = typeof spec.availability_zone === 'string' ? spec.availability_zone : null;
      // An id or an href ending in it; anything else boots the first image (no boot from volume, no 400 as Nova gives).
      const ref = typeof spec.imageRef === 'string' ? spec.imageRef.split('/').pop() : undefined;
      const image = state.images.find((x) => x.id === ref) ?? state.images[0];
      if (!image) throw novaError(400, 'Can not find requested image');
      const networks = requestedNetworks(c, spec.networks);
      const id = randomUUID();
      const inst: SimInstance = {
        id,
        name: spec.name,
        projectId: ADMIN_PROJECT,
        userId: USERS.admin?.id ?? 'admin',
        host: null,
        flavor,
        imageId: image.id,
        vmState: 'building',
        taskState: 'scheduling',
        powerState: 0,
        locked: false,
        metadata: Object.fromEntries(
          Object.entries(spec.metadata ?? {}).map(([k, x]) => [k, String(x as string)]),
        ),
        metadataRoles: {},
        pinnedAz: atLeast(v, 96) ? az : null,
        serverGroup: group,
        created: iso(c),
        updated: iso(c),
        ...bootLoad(state),
      };
      for (const k of Object.keys(inst.metadata)) inst.metadataRoles[k] = c.role;
      for (const network of networks) plugPort(network, inst);
      const host = schedule(state, { flavor, az, serverGroup: group, instance: inst });
      state.instances.set(id, inst);
      g?.members.push(id);
      if (!host) {
        inst.vmState = 'error';
        inst.taskState = null;
        inst.fault = { code: 500, message: NO_VALID_HOST, created: iso(c) };
        await c.notifier.emit(
          'compute_task.build_instances.error',
          CONTROL_HOST,
          buildErrorPayload(inst, image, az),
          'nova-conductor',
          'ERROR',
        );
      } else {
        // The compute sends create.start before its resource claim sets the host.
        inst.taskState = null;
        await c.notifier.emit(
          'instance.create.start',
          host.hostname,
          instanceCreatePayload(inst, on(c, null, { launched: false })),
        );
        inst.host = host.hostname;
        inst.powerState = 1;
        inst.startedAtS = c.clock.now().getTime() / 1000;
        inst.updated = iso(c);
        invalidatePlacement();
        await changeState(c, inst, { vmState: 'active', taskState: null }, host.hostname);
        await c.notifier.emit(
          'instance.create.end',
          host.hostname,
          instanceCreatePayload(inst, on(c, host.hostname)),
        );
      }
      return {
        status: 202,
        body: {
          server: {
            id,
            links: serverView(c, inst, v, false).links,
            'OS-DCF:diskConfig': 'MANUAL',
            security_groups: [{ name: 'default' }],
            adminPass: randomUUID().slice(0, 12),
          },
        },
      };
    },
  },
  {
    methods: ['DELETE'],
    path: '/servers/:id',
    async handle(c, { params }) {
      const inst = findServer(c, params.id);
      if (inst.locked && !c.admin) throw novaError(409, `Instance ${inst.id} is locked`);
      const host = inst.host;
      // A scheduled instance is deleted by its compute (with a guest shutdown), an unscheduled one by nova-api.
      const [publisherHost, publisher] = host
        ? [host, 'nova-compute' as const]
        : [CONTROL_HOST, 'nova-api' as const];
      await changeState(c, inst, { taskState: 'deleting' }, CONTROL_HOST, 'nova-api');
      await c.notifier.emit('instance.delete.start', publisherHost, actionPayload(c, inst, host), publisher);
      if (host) {
        await c.notifier.emit('instance.shutdown.start', host, actionPayload(c, inst, host));
        inst.powerState = 0;
        await c.notifier.emit('instance.shutdown.end', host, actionPayload(c, inst, host));
      }
      inst.vmState = 'deleted';
      inst.taskState = null;
      inst.powerState = 0;
      inst.updated = iso(c);
      inst.host = null;
      invalidatePlacement();
      for (const g of c.state.serverGroups) g.members = g.members.filter((m) => m !== inst.id);
      await c.notifier.emit(
        'instance.delete.end',
        publisherHost,
        actionPayload(c, inst, host, { deletedAt: iso(c) }),
        publisher,
      );
      return { status: 204, body: undefined };
    },
  },
  {
    methods: ['POST'],
    path: '/servers/:id/action',
    async handle(c, { req, params }) {
      const i = findServer(c, params.id);
      const body = (await readBody(req)) as Record<string, Record<string, unknown> | null>;
      const action = Object.keys(body)[0] ?? '';
      const run = Object.hasOwn(SERVER_ACTIONS, action) ? SERVER_ACTIONS[action] : undefined;
      if (!run) throw novaError(400, `There is no such action: ${action}`);
      const record: SimInstanceAction = {
        instanceId: i.id,
        action: INSTANCE_ACTION_NAMES[action] ?? action,
        requestId: `req-${randomUUID()}`,
        userId: USERS[c.role === 'member' ? 'demo' : c.role]?.id ?? '',
        projectId: c.admin ? ADMIN_PROJECT : i.projectId,
        startTime: iso(c),
        message: null,
      };
      try {
        await run(c, i, body[action] ?? {}, action);
      } catch (error) {
        // Nova records a refused pre-check as an action whose message is "Error"; the simulator records every
        // refusal so, so a test can tell what was attempted from what was done.
        record.message = 'Error';
        throw error;
      } finally {
        c.state.instanceActions.push(record);
      }
      return { status: 202, body: null };
    },
  },
  {
    methods: ['DELETE'],
    path: '/servers/:id/migrations/:migration',
    async handle(c, { params }) {
      if (!c.admin) throw forbidden('os_compute_api:servers:migrations:delete');
      const i = findServer(c, params.id);
      const m = c.state.migrations.find((x) => x.instanceId === i.id && String(x.id) === params.migration);
      if (!m) throw novaError(404, `Migration ${params.migration} not found for instance ${i.id}`);
      if (m.type !== 'live-migration' || m.status !== 'running')
        throw novaError(
          400,
          `Migration ${m.id} state of instance ${i.id} is ${m.status}. Cannot abort live migration while the migration is in this state.`,
        );
      // Nova rolls the guest back to its source: it stays there, idle, and the destination's allocation is freed.
      // The aborted job then fails and the source rolls back, with the destination's cleanup in between.
      await c.notifier.emit(
        'instance.live_migration_abort.start',
        m.sourceHost,
        actionPayload(c, i, m.sourceHost),
      );
      m.status = 'cancelled';
      m.updated = iso(c);
      await c.notifier.emit(
        'instance.live_migration_abort.end',
        m.sourceHost,
        actionPayload(c, i, m.sourceHost),
      );
      await c.notifier.emit(
        'instance.live_migration_rollback.start',
        m.sourceHost,
        actionPayload(c, i, m.sourceHost),
      );
      await c.notifier.emit(
        'instance.live_migration_rollback_dest.start',
        m.destHost,
        actionPayload(c, i, m.sourceHost),
      );
      await c.notifier.emit(
        'instance.live_migration_rollback_dest.end',
        m.destHost,
        actionPayload(c, i, m.sourceHost),
      );
      i.taskState = null;
      i.updated = iso(c);
      invalidatePlacement();
      await c.notifier.emit(
        'instance.live_migration_rollback.end',
        m.sourceHost,
        actionPayload(c, i, m.sourceHost),
      );
      return { status: 202, body: undefined };
    },
  },
  {
    methods: ['GET'],
    path: '/servers/:id/migrations',
    handle(c, { params }) {
      const i = findServer(c, params.id);
      return ok({
        migrations: c.state.migrations
          .filter((m) => m.instanceId === i.id && m.status === 'running' && m.type === 'live-migration')
          .map((m) => migrationView(c, m, c.v, true)),
      });
    },
  },
  {
    methods: ['GET'],
    path: '/servers/:id/metadata',
    handle: (c, { params }) => ok({ metadata: { ...findServer(c, params.id).metadata } }),
  },
  {
    methods: ['DELETE'],
    path: '/servers/:id/metadata/:key',
    async handle(c, { params }) {
      const i = findServer(c, params.id);
      const key = params.key as string;
      if (!(key in i.metadata)) throw novaError(404, `Metadata item was not found`);
      const owner = (i.metadataRoles[key] ?? 'member') as Role;
      if (ROLE_RANK[owner] > ROLE_RANK[c.role])
        throw novaError(
          403,
          `Metadata key ${key} was set by role ${owner} and cannot be removed by role ${c.role}`,
        );
      delete i.metadata[key];
      delete i.metadataRoles[key];
      i.updated = iso(c);
      await c.notifier.emit(
        'instance.update',
        CONTROL_HOST,
        instanceUpdatePayload(i, on(c, i.host), { now: c.clock.now() }),
        'nova-api',
      );
      return { status: 204, body: undefined };
    },
  },
  {
    methods: ['GET'],
    path: '/servers/:id/os-instance-actions',
    handle(c, { params }) {
      const i = findServer(c, params.id);
      const actions = c.state.instanceActions.filter((a) => a.instanceId === i.id).reverse();
      return ok({ instanceActions: actions.map((a) => instanceActionView(c, a)) });
    },
  },
  {
    methods: ['GET'],
    path: '/servers/:id/os-instance-actions/:request',
    handle(c, { params }) {
      const i = findServer(c, params.id);
      const a = c.state.instanceActions.find((x) => x.instanceId === i.id && x.requestId === params.request);
      if (!a) throw novaError(404, `Action for request_id ${params.request} on instance ${i.id} not found`);
      const event = {
        event: `compute_${a.action.replace(/-/g, '_')}`,
        start_time: a.startTime,
        finish_time: a.startTime,
        result: a.message === null ? 'Success' : 'Error',
      };
      return ok({ instanceAction: { ...instanceActionView(c, a), events: [event] } });
    },
  },
  { methods: ['POST', 'PUT'], path: '/servers/:id/metadata', handle: setMetadata },
  { methods: ['POST', 'PUT'], path: '/servers/:id/metadata/:key', handle: setMetadata },
  {
    methods: ['GET'],
    path: '/os-migrations',
    handle(c, { q }) {
      let list = c.state.migrations;
      const t = q.get('migration_type');
      if (t) list = list.filter((m) => m.type === t);
      const inst = q.get('instance_uuid');
      if (inst) list = list.filter((m) => m.instanceId === inst);
      return ok({ migrations: [...list].reverse().map((m) => migrationView(c, m, c.v, false)) });
    },
  },
  {
    methods: ['GET'],
    path: '/os-services',
    handle(c, { q }) {
      const binary = q.get('binary');
      const host = q.get('host');
      const services = c.state.hosts
        .filter((h) => (!binary || binary === 'nova-compute') && (!host || h.hostname === host))
        .map((h) => serviceView(c, h));
      return ok({ services });
    },
  },
  {
    methods: ['PUT'],
    path: '/os-services/:id',
    async handle(c, { req, params }) {
      if (!c.admin) throw forbidden('os_compute_api:os-services:update');
      if (!atLeast(c.v, 53)) throw novaError(404, 'Service not found (use microversion 2.53 or later)');
      const h = c.state.hosts.find((x) => x.serviceId === params.id);
      if (!h) throw novaError(404, `Service ${params.id} could not be found.`);
      const body = (await readBody(req)) as {
        status?: string;
        disabled_reason?: string;
        forced_down?: boolean;
        maintenance?: boolean;
      };
      if (body.status !== undefined && body.status !== 'enabled' && body.status !== 'disabled')
        throw novaError(400, `Invalid input for field/attribute status. Value: ${String(body.status)}.`);
      if (body.disabled_reason && body.status !== 'disabled')
        throw novaError(400, 'Specifying a disabled_reason is only supported when the status is disabled.');
      if (body.status) {
        h.status = body.status;
        h.disabledReason = body.status === 'disabled' ? (body.disabled_reason ?? null) : null;
        h.generation++;
      }
      if (typeof body.forced_down === 'boolean') h.forcedDown = body.forced_down;
      if (typeof body.maintenance === 'boolean') h.inMaintenance = body.maintenance;
      await c.notifier.emit('service.update', h.hostname, servicePayload(h, iso(c)), 'nova-compute');
      const service = serviceView(c, h);
      return ok({ service: { ...service, id: h.serviceId } });
    },
  },
  { methods: ['GET'], path: '/os-hypervisors', handle: (c, { q }) => listHypervisors(c, q, false) },
  { methods: ['GET'], path: '/os-hypervisors/detail', handle: (c, { q }) => listHypervisors(c, q, true) },
  {
    methods: ['GET'],
    path: '/os-hypervisors/:id',
    handle(c, { params, q }) {
      const { hosts } = c.state;
      const h = hosts.find((x) => x.id === params.id || String(hosts.indexOf(x) + 1) === params.id);
      if (!h) throw novaError(404, `Hypervisor with ID ${params.id} could not be found.`);
      return ok({ hypervisor: hypervisorView(c, h, true, q) });
    },
  },
  {
    methods: ['GET'],
    path: '/os-hypervisors/:id/uptime',
    handle(c, { params }) {
      // 2.88 folded uptime into the show response and removed this route.
      if (atLeast(c.v, 88)) throw novaError(404, 'The resource could not be found.');
      const { hosts } = c.state;
      const h = hosts.find((x) => x.id === params.id || String(hosts.indexOf(x) + 1) === params.id);
      if (!h) throw novaError(404, `Hypervisor with ID ${params.id} could not be found.`);
      // Nova asks the host's nova-compute, which a stopped service cannot answer.
      if (serviceState(h) === 'down')
        throw novaError(400, `Compute service of ${h.hostname} is unavailable at this time.`);
      const base = hypervisorView(c, h, false, new URLSearchParams());
      return ok({ hypervisor: { ...base, uptime: uptimeLine(c, h) } });
    },
  },
  {
    methods: ['GET'],
    path: '/os-aggregates',
    handle: (c) =>
      ok({
        aggregates: c.state.aggregates.map((a) => ({
          id: a.id,
          uuid: a.uuid,
          name: a.name,
          availability_zone: a.az,
          hosts: a.hosts,
          metadata: a.metadata,
          created_at: iso(c),
          updated_at: null,
          deleted_at: null,
          deleted: false,
        })),
      }),
  },
  {
    methods: ['GET'],
    path: '/os-availability-zone/*',
    handle(c, { params }) {
      const detail = params['*'] === 'detail';
      const { state } = c;
      const zones = [...new Set(state.hosts.map((h) => h.az))].map((az) => ({
        zoneName: az,
        zoneState: { available: true },
        hosts: detail
          ? Object.fromEntries(
              state.hosts
                .filter((h) => h.az === az)
                .map((h) => [
                  h.hostname,
                  {
                    'nova-compute': {
                      available: serviceState(h) === 'up',
                      active: h.status === 'enabled',
                      updated_at: iso(c),
                    },
                  },
                ]),
            )
          : null,
      }));
      return ok({ availabilityZoneInfo: zones });
    },
  },
  {
    methods: ['GET'],
    path: '/flavors',
    handle: (c) =>
      ok({ flavors: c.state.flavors.map((f) => ({ id: f.id, name: f.name, description: null, links: [] })) }),
  },
  {
    methods: ['GET'],
    path: '/flavors/detail',
    handle: (c) => ok({ flavors: c.state.flavors.map((f) => flavorView(c, f)) }),
  },
  {
    methods: ['GET'],
    path: '/flavors/:id',
    handle: (c, { params }) => ok({ flavor: flavorView(c, findFlavor(c, params.id)) }),
  },
  {
    methods: ['GET'],
    path: '/flavors/:id/os-extra_specs',
    handle: (c, { params }) => ok({ extra_specs: { ...findFlavor(c, params.id).extraSpecs } }),
  },
  {
    methods: ['GET'],
    path: '/os-server-groups',
    handle: (c) =>
      ok({
        server_groups: c.state.serverGroups.map((g) => ({
          id: g.id,
          name: g.name,
          members: g.members,
          metadata: {},
          ...(atLeast(c.v, 64) ? { policy: g.policy, rules: {} } : { policies: [g.policy] }),
          project_id: g.projectId,
          user_id: 'admin',
        })),
      }),
  },
];

async function setMetadata(
  c: NovaRequest,
  { req, params, method }: { req: IncomingMessage; params: Record<string, string>; method: string },
): Promise<Reply> {
  const i = findServer(c, params.id);
  const body = (await readBody(req)) as {
    metadata?: Record<string, unknown>;
    meta?: Record<string, unknown>;
  };
  const set = params.key ? body.meta : body.metadata;
  if (!set || typeof set !== 'object') throw novaError(400, 'Malformed request body');
  if (method === 'PUT' && !params.key) {
    for (const k of Object.keys(i.metadata))
      if (!(k in set) && ROLE_RANK[(i.metadataRoles[k] ?? 'member') as Role] > ROLE_RANK[c.role])
        throw novaError(
          403,
          `Metadata key ${k} was set by role ${i.metadataRoles[k]} and cannot be removed by role ${c.role}`,
        );
    i.metadata = {};
  }
  for (const [k, val] of Object.entries(set)) {
    const owner = (i.metadataRoles[k] ?? 'member') as Role;
    if (k in i.metadata && ROLE_RANK[owner] > ROLE_RANK[c.role])
      throw novaError(
        403,
        `Metadata key ${k} was set by role ${owner} and cannot be changed by role ${c.role}`,
      );
    i.metadata[k] = String(val);
    i.metadataRoles[k] = c.role;
  }
  i.updated = iso(c);
  await c.notifier.emit(
    'instance.update',
    CONTROL_HOST,
    instanceUpdatePayload(i, on(c, i.host), { now: c.clock.now() }),
    'nova-api',
  );
  return ok(params.key ? { meta: set } : { metadata: { ...i.metadata } });
}

/** The version document at `/compute/v2.1`, which needs no token. */
export const novaVersion: Reply = {
  status: 200,
  body: {
    version: {
      id: 'v2.1',
      status: 'CURRENT',
      version: '2.100',
      min_version: '2.1',
      updated: '2013-07-23T11:33:21Z',
      links: [],
    },
  },
};

/** Handles `/compute/v2.1…` (the part after it) for an authenticated caller. */
export async function nova(
  c: NovaContext,
  req: IncomingMessage,
  path: string,
  q: URLSearchParams,
  who: { role: Role },
): Promise<Reply> {
  const v = parseMicroversion(req, 'compute', [2, 1]);
  if (v[0] !== 2 || v[1] > 100)
    throw new HttpError(406, {
      computeFault: {
        code: 406,
        message: `Version ${v.join('.')} is not supported by the API. Minimum is 2.1 and maximum is 2.100.`,
      },
    });
  const method = req.method ?? 'GET';
  const hit = matchRoute(routes, method, path);
  if (!hit) throw novaError(404, 'The resource could not be found.');
  const out = await hit.route.handle(
    { ...c, v, role: who.role, admin: who.role === 'admin' },
    { req, method, params: hit.params, q },
  );
  return {
    ...out,
    headers: {
      'openstack-api-version': `compute ${v.join('.')}`,
      'x-openstack-nova-api-version': v.join('.'),
      vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
      ...out.headers,
    },
  };
}
