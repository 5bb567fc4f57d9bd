/**
 * One node:http server with devstack-style prefixes: /identity/v3, /compute/v2.1, /placement, /prometheus.
 * Plain node:http rather than Fastify because list bodies for 10,000 servers are built as strings without
 * per-route schema work.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../observability/logger.js';
import type { ClusterState, SimHost, SimInstance, SimMigration } from './cluster.js';
import { bootLoad, nameUuid, usedOn } from './cluster.js';
import { rejectReason, schedule } from './scheduler.js';
import { createMetricSource, invalidatePlacement } from './metrics.js';
import { query, formatValue, labelNames, labelValues, type Labels, type Value } from './promql/evaluator.js';
import { parse, parseDuration, PromQLError, type Expr } from './promql/parser.js';
import {
  buildErrorPayload,
  CONTROL_HOST,
  instanceActionPayload,
  instanceCreatePayload,
  instanceUpdatePayload,
  resizePrepPayload,
  servicePayload,
  type InstanceView,
  type Notifier,
} from './notifications.js';
import { cinder, CinderError, settleVolumes, type CinderContext } from './cinder.js';
import { notifySettledVolumeMoves } from './cinder-notifications.js';
import { glance, GlanceError, type GlanceContext } from './glance.js';
import { moveDurationMs, moveProgress } from './moves.js';

export interface ServerOptions {
  state: ClusterState;
  clock: Clock;
  notifier: Notifier;
  logger: Logger;
  hostLabel: string;
  bandwidthMbPerS: number;
  baseUrl: () => string;
  /** Called after each request that may have started or cancelled a move (any method but GET/HEAD). */
  onMutation?: () => void;
  /** Service types Keystone's catalog leaves out (a cloud without Cinder: `['volumev3']`). */
  catalogOmits?: readonly string[];
}

type Role = 'admin' | 'manager' | 'member';
const ROLE_RANK: Record<Role, number> = { member: 1, manager: 2, admin: 3 };
export const USERS: Record<string, { password: string; role: Role; id: string }> = {
  admin: { password: 'admin', role: 'admin', id: nameUuid('user-admin').replaceAll('-', '') },
  manager: { password: 'manager', role: 'manager', id: nameUuid('user-manager').replaceAll('-', '') },
  demo: { password: 'demo', role: 'member', id: nameUuid('user-demo').replaceAll('-', '') },
};
const ADMIN_PROJECT = nameUuid('project-admin').replaceAll('-', '');
const TOKEN_TTL_MS = 3_600_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}
const novaError = (status: number, message: string): HttpError => {
  const key =
    status === 404
      ? 'itemNotFound'
      : status === 409
        ? 'conflictingRequest'
        : status === 403
          ? 'forbidden'
          : status === 401
            ? 'unauthorized'
            : 'badRequest';
  return new HttpError(status, { [key]: { message, code: status } });
};
const placementError = (
  status: number,
  title: string,
  detail: string,
  code = 'placement.undefined_code',
): HttpError =>
  new HttpError(status, { errors: [{ status, title, detail, code, request_id: `req-${randomUUID()}` }] });

function parseMicroversion(req: IncomingMessage, service: string, dflt: [number, number]): [number, number] {
  const header = (req.headers['openstack-api-version'] as string | undefined) ?? '';
  let text: string | undefined;
  const m = new RegExp(`${service}\\s+([\\d.]+|latest)`, 'i').exec(header);
  if (m) text = m[1];
  else if (service === 'compute') text = req.headers['x-openstack-nova-api-version'] as string | undefined;
  if (!text) return dflt;
  if (text === 'latest') return service === 'compute' ? [2, 100] : [1, 39];
  const [a, b] = text.split('.').map(Number);
  return [a ?? 2, b ?? 1];
}
const atLeast = (v: [number, number], minor: number): boolean => v[0] > 2 || (v[0] === 2 && v[1] >= minor);

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw novaError(400, 'Malformed request body');
  }
}

export interface SimServer extends Server {
  /** Completes moves whose simulated time is over; calls run one after another, never two at once. */
  tick(): Promise<void>;
  /** Simulated time (ms) when the earliest running migration or volume move finishes, or null if none runs. */
  nextDueMs(): number | null;
}

export function createSimServer(o: ServerOptions): SimServer {
  const { state, clock } = o;
  const tokens = new Map<string, { user: string; role: Role; expiresMs: number; issued: string }>();
  const metrics = createMetricSource(state, o.hostLabel);
  let migrationSeq = 0;
  const iso = (): string =>
    clock
      .now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
  const cinderContext: CinderContext = {
    state,
    nowMs: () => clock.now().getTime(),
    iso,
    bandwidthMbPerS: o.bandwidthMbPerS,
    baseUrl: o.baseUrl,
  };
  const glanceContext: GlanceContext = { state, baseUrl: o.baseUrl, ownerProjectId: ADMIN_PROJECT };
  // The instance as the emitting service sees it on `host` (its AZ is that host's).
  const on = (host: string | null, view: Omit<InstanceView, 'host'> = {}): InstanceView => ({
    host,
    availabilityZone: host ? (state.hostsByName.get(host)?.az ?? null) : null,
    ...view,
  });
  const actionPayload = (
    i: SimInstance,
    host: string | null,
    view: Omit<InstanceView, 'host'> = {},
  ): Record<string, unknown> => instanceActionPayload(i, on(host, view));

  // Requests and the auto-settler both tick; chaining them keeps each move's notifications in one ordered run.
  let ticking: Promise<void> = Promise.resolve();
  const tick = (): Promise<void> => (ticking = ticking.then(settleMoves, settleMoves));

  function nextDueMs(): number | null {
    let due: number | null = null;
    for (const m of state.migrations)
      if (m.status === 'running' && (due === null || m.startedMs + m.durationMs < due))
        due = m.startedMs + m.durationMs;
    for (const v of state.volumes) if (v.move && (due === null || v.move.doneMs < due)) due = v.move.doneMs;
    return due;
  }

  async function settleMoves(): Promise<void> {
    await notifySettledVolumeMoves(o.notifier, state, settleVolumes(cinderContext), clock.now());
    const now = clock.now().getTime();
    for (const m of state.migrations) {
      if (m.status !== 'running' || now < m.startedMs + m.durationMs) continue;
      const inst = state.instances.get(m.instanceId);
      if (!inst) continue;
      m.updated = iso();
      if (m.type === 'live-migration') {
        m.status = 'completed';
        // As in Nova: the source calls post_live_migration_at_destination synchronously, then sends post.end from
        // its own stale copy (host = source, task = migrating), last.
        await o.notifier.emit(
          'instance.live_migration_post.start',
          m.sourceHost,
          actionPayload(inst, m.sourceHost, { taskState: 'migrating' }),
        );
        await o.notifier.emit(
          'instance.live_migration_post_dest.start',
          m.destHost,
          actionPayload(inst, m.sourceHost, { taskState: 'migrating' }),
        );
        inst.host = m.destHost;
        inst.taskState = null;
        inst.updated = iso();
        invalidatePlacement();
        await o.notifier.emit(
          'instance.live_migration_post_dest.end',
          m.destHost,
          actionPayload(inst, m.destHost),
        );
        await o.notifier.emit(
          'instance.live_migration_post.end',
          m.sourceHost,
          actionPayload(inst, m.sourceHost, { taskState: 'migrating' }),
        );
      } else {
        // Cold migration and resize wait for confirmation in VERIFY_RESIZE, holding both allocations. The source
        // moves the instance to the destination before resize.end; the destination then finishes it.
        m.status = 'finished';
        const oldFlavor = state.flavors.find((f) => f.id === m.oldFlavorId) ?? inst.flavor;
        inst.host = m.destHost;
        inst.taskState = 'resize_migrated';
        inst.updated = iso();
        await o.notifier.emit(
          'instance.resize.end',
          m.sourceHost,
          actionPayload(inst, m.destHost, { flavor: oldFlavor }),
        );
        inst.taskState = 'resize_finish';
        await o.notifier.emit('instance.resize_finish.start', m.destHost, actionPayload(inst, m.destHost));
        inst.vmState = 'resized';
        inst.taskState = null;
        inst.updated = iso();
        invalidatePlacement();
        await o.notifier.emit('instance.resize_finish.end', m.destHost, actionPayload(inst, m.destHost));
      }
    }
  }

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const text = body === null ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...(text ? {} : {}), ...headers });
    res.end(text);
  };

  function auth(req: IncomingMessage): { user: string; role: Role } {
    const token = req.headers['x-auth-token'] as string | undefined;
    const t = token ? tokens.get(token) : undefined;
    if (!t || t.expiresMs <= clock.now().getTime())
      throw new HttpError(401, {
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      });
    return t;
  }

  // ---------------- Keystone ----------------
  function tokenBody(user: string, role: Role, expiresMs: number, issued: string): unknown {
    const base = o.baseUrl();
    const ep = (type: string, name: string, url: string) => ({
      type,
      name,
      id: nameUuid(`svc-${type}`),
      endpoints: ['public', 'internal', 'admin'].map((iface) => ({
        id: nameUuid(`ep-${type}-${iface}`),
        interface: iface,
        region: 'RegionOne',
        region_id: 'RegionOne',
        url,
      })),
    });
    const roles =
      role === 'admin'
        ? ['admin', 'manager', 'member', 'reader']
        : role === 'manager'
          ? ['manager', 'member', 'reader']
          : ['member', 'reader'];
    return {
      token: {
        methods: ['password'],
        user: {
          id: USERS[user]?.id,
          name: user,
          domain: { id: 'default', name: 'Default' },
          password_expires_at: null,
        },
        roles: roles.map((r) => ({ id: nameUuid(`role-${r}`).replaceAll('-', ''), name: r })),
        audit_ids: [randomUUID().slice(0, 22)],
        project: {
          id: ADMIN_PROJECT,
          name: user === 'admin' ? 'admin' : 'demo',
          domain: { id: 'default', name: 'Default' },
        },
        is_domain: false,
        expires_at: new Date(expiresMs).toISOString(),
        issued_at: issued,
        catalog: [
          ep('identity', 'keystone', `${base}/identity`),
          ep('compute', 'nova', `${base}/compute/v2.1`),
          ep('placement', 'placement', `${base}/placement`),
          ep('volumev3', 'cinderv3', `${base}/volume/v3/${ADMIN_PROJECT}`),
          ep('image', 'glance', `${base}/image`),
          ep('prometheus', 'prometheus', `${base}/prometheus`),
          ep('metric', 'prometheus', `${base}/prometheus`),
        ].filter((entry) => !(o.catalogOmits ?? []).includes(entry.type)),
      },
    };
  }

  async function identity(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === '/v3' || path === '/v3/' || path === '' || path === '/')
      return send(res, 200, {
        version: {
          id: 'v3.14',
          status: 'stable',
          links: [{ rel: 'self', href: `${o.baseUrl()}/identity/v3/` }],
        },
      });
    if (path !== '/v3/auth/tokens')
      throw new HttpError(404, {
        error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' },
      });
    const unauthorized = new HttpError(401, {
      error: {
        code: 401,
        title: 'Unauthorized',
        message: 'The request you have made requires authentication.',
      },
    });
    if (req.method === 'POST') {
      const body = (await readBody(req)) as {
        auth?: {
          identity?: {
            methods?: string[];
            password?: { user?: { name?: string; password?: string } };
            token?: { id?: string };
          };
        };
      };
      const ident = body.auth?.identity;
      let user: string | undefined;
      if (ident?.methods?.includes('password')) {
        const u = ident.password?.user;
        if (u?.name && USERS[u.name]?.password === u.password) user = u.name;
      } else if (ident?.methods?.includes('token')) {
        const t = ident.token?.id ? tokens.get(ident.token.id) : undefined;
        if (t && t.expiresMs > clock.now().getTime()) user = t.user;
      }
      if (!user) throw unauthorized;
      const id = `gAAAA${randomUUID().replaceAll('-', '')}`;
      const role = (USERS[user] as { role: Role }).role;
      const entry = {
        user,
        role,
        expiresMs: clock.now().getTime() + TOKEN_TTL_MS,
        issued: clock.now().toISOString(),
      };
      tokens.set(id, entry);
      return send(res, 201, tokenBody(user, role, entry.expiresMs, entry.issued), { 'x-subject-token': id });
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      auth(req);
      const subject = req.headers['x-subject-token'] as string | undefined;
      const t = subject ? tokens.get(subject) : undefined;
      if (!t || t.expiresMs <= clock.now().getTime())
        throw new HttpError(404, {
          error: { code: 404, title: 'Not Found', message: 'Could not find token.' },
        });
      return send(res, 200, tokenBody(t.user, t.role, t.expiresMs, t.issued), {
        'x-subject-token': subject as string,
      });
    }
    throw new HttpError(405, {
      error: { code: 405, title: 'Method Not Allowed', message: 'Method not allowed' },
    });
  }

  // ---------------- Nova ----------------
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

  function serverView(i: SimInstance, v: [number, number], detail: boolean): Record<string, unknown> {
    const base = `${o.baseUrl()}/compute/v2.1`;
    const links = [
      { href: `${base}/servers/${i.id}`, rel: 'self' },
      { href: `${o.baseUrl()}/compute/servers/${i.id}`, rel: 'bookmark' },
    ];
    if (!detail) return { id: i.id, name: i.name, links };
    const host = i.host ? state.hostsByName.get(i.host) : undefined;
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
          links: [{ href: `${o.baseUrl()}/compute/flavors/${i.flavor.id}`, rel: 'bookmark' }],
        };
    const view: Record<string, unknown> = {
      id: i.id,
      name: i.name,
      status: statusOf(i),
      tenant_id: i.projectId,
      user_id: i.userId,
      metadata: { ...i.metadata },
      hostId: i.host ? nameUuid(`${i.projectId}${i.host}`).replaceAll('-', '') : '',
      image: imageRef(i, v),
      flavor,
      created: i.created,
      updated: i.updated,
      addresses: {},
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
    if (atLeast(v, 3)) view['OS-EXT-SRV-ATTR:hostname'] = i.name;
    if (atLeast(v, 9)) view.locked = i.locked;
    if (atLeast(v, 73)) view.locked_reason = null;
    if (atLeast(v, 19)) view.description = null;
    if (atLeast(v, 26)) view.tags = [];
    if (atLeast(v, 63)) view.trusted_image_certificates = null;
    if (atLeast(v, 71)) view.server_groups = i.serverGroup ? [i.serverGroup] : [];
    if (atLeast(v, 96)) view.pinned_availability_zone = i.pinnedAz;
    if (atLeast(v, 100)) view.scheduler_hints = {};
    return view;
  }

  /** Nova's image reference: {id, links}, and from 2.98 the image's custom properties (Nova's 2.100 sample). */
  function imageRef(i: SimInstance, v: [number, number]): Record<string, unknown> {
    const ref: Record<string, unknown> = {
      id: i.imageId,
      links: [{ href: `${o.baseUrl()}/compute/images/${i.imageId}`, rel: 'bookmark' }],
    };
    if (atLeast(v, 98)) ref.properties = { ...state.images.find((img) => img.id === i.imageId)?.properties };
    return ref;
  }

  function page<T>(
    items: T[],
    id: (t: T) => string,
    q: URLSearchParams,
  ): { items: T[]; next: string | null } {
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

  function findServer(id: string): SimInstance {
    const i = state.instances.get(id);
    if (!i || i.vmState === 'deleted') throw novaError(404, `Instance ${id} could not be found.`);
    return i;
  }
  function findHost(name: string): SimHost {
    const h = state.hostsByName.get(name);
    if (!h) throw novaError(400, `Compute host ${name} could not be found.`);
    return h;
  }

  async function startMove(
    i: SimInstance,
    type: SimMigration['type'],
    destName: string | null,
    oldFlavor = i.flavor,
  ): Promise<SimMigration> {
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
      dest = findHost(destName);
      if (dest.hostname === source)
        throw novaError(400, `The target host ${destName} is the same as the source host`);
      if (dest.inMaintenance) throw novaError(409, `Target host ${destName} is in maintenance`);
      const reason = rejectReason(state, dest, { flavor: i.flavor, instance: i });
      if (reason)
        throw novaError(type === 'live-migration' ? 400 : 400, `Migration pre-check error: ${reason}`);
    } else {
      dest = schedule(state, { flavor: i.flavor, instance: i });
      if (!dest) throw novaError(400, 'No valid host was found. There are not enough hosts available.');
    }
    const m: SimMigration = {
      id: ++migrationSeq,
      uuid: randomUUID(),
      instanceId: i.id,
      type,
      sourceHost: source,
      destHost: dest.hostname,
      status: 'running',
      startedMs: clock.now().getTime(),
      durationMs: moveDurationMs(i.flavor.ramMb, o.bandwidthMbPerS),
      memoryTotalBytes: i.flavor.ramMb * 1024 * 1024,
      created: iso(),
      updated: iso(),
      oldFlavorId: oldFlavor.id,
      newFlavorId: i.flavor.id,
    };
    state.migrations.push(m);
    i.taskState = type === 'live-migration' ? 'migrating' : 'resize_migrating';
    i.updated = iso();
    if (type === 'live-migration') {
      await o.notifier.emit('instance.live_migration_pre.start', dest.hostname, actionPayload(i, source));
      await o.notifier.emit('instance.live_migration_pre.end', dest.hostname, actionPayload(i, source));
    } else {
      // prep_resize runs on the destination, resize_instance on the source (Nova's compute manager).
      const prep = on(source, { flavor: oldFlavor, taskState: 'resize_prep' });
      await o.notifier.emit(
        'instance.resize_prep.start',
        dest.hostname,
        resizePrepPayload(i, prep, i.flavor),
      );
      await o.notifier.emit('instance.resize_prep.end', dest.hostname, resizePrepPayload(i, prep, i.flavor));
      await o.notifier.emit('instance.resize.start', source, actionPayload(i, source, { flavor: oldFlavor }));
    }
    return m;
  }

  function migrationView(m: SimMigration, v: [number, number], perServer: boolean): Record<string, unknown> {
    const now = clock.now().getTime();
    const done = m.status === 'running' ? moveProgress(m.startedMs, m.durationMs, now) : 1;
    const src = state.hostsByName.get(m.sourceHost);
    const dst = state.hostsByName.get(m.destHost);
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
    void src;
    return view;
  }

  async function compute(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    q: URLSearchParams,
    who: { role: Role },
  ): Promise<void> {
    const v = parseMicroversion(req, 'compute', [2, 1]);
    if (v[0] !== 2 || v[1] > 100)
      throw new HttpError(406, {
        computeFault: {
          code: 406,
          message: `Version ${v.join('.')} is not supported by the API. Minimum is 2.1 and maximum is 2.100.`,
        },
      });
    const vh = {
      'openstack-api-version': `compute ${v.join('.')}`,
      'x-openstack-nova-api-version': v.join('.'),
      vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
    };
    const ok = (status: number, body: unknown): void => send(res, status, body, vh);
    const seg = path.split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    const admin = who.role === 'admin';

    if (seg[0] === 'servers' && (seg.length === 1 || seg[1] === 'detail') && method === 'GET') {
      const detail = seg[1] === 'detail';
      const host = q.get('host');
      const status = q.get('status');
      const project = q.get('project_id') ?? q.get('tenant_id');
      const since = q.get('changes-since') ? new Date(q.get('changes-since') as string).getTime() : null;
      const all =
        admin &&
        (q.get('all_tenants') ?? '') !== '' &&
        !['0', 'false'].includes((q.get('all_tenants') ?? '').toLowerCase());
      const list: SimInstance[] = [];
      for (const i of state.instances.values()) {
        if (i.vmState === 'deleted' && since === null) continue;
        if (!all && !project && i.projectId !== ADMIN_PROJECT && !admin) continue;
        if (host && i.host !== host) continue;
        if (status && statusOf(i) !== status.toUpperCase()) continue;
        if (project && i.projectId !== project) continue;
        if (since !== null && new Date(i.updated).getTime() < since) continue;
        list.push(i);
      }
      const { items, next } = page(list, (i) => i.id, q);
      const body: Record<string, unknown> = { servers: items.map((i) => serverView(i, v, detail)) };
      if (next)
        body.servers_links = [
          {
            href: `${o.baseUrl()}/compute/v2.1/servers${detail ? '/detail' : ''}?limit=${q.get('limit')}&marker=${next}`,
            rel: 'next',
          },
        ];
      return ok(200, body);
    }
    if (seg[0] === 'servers' && seg[1] && seg.length === 2 && method === 'GET')
      return ok(200, { server: serverView(findServer(seg[1]), v, true) });
    if (seg[0] === 'servers' && seg.length === 1 && method === 'POST') {
      const body = (await readBody(req)) as {
        server?: {
          name?: unknown;
          flavorRef?: unknown;
          imageRef?: unknown;
          availability_zone?: unknown;
          metadata?: Record<string, unknown>;
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
        created: iso(),
        updated: iso(),
        ...bootLoad(state),
      };
      for (const k of Object.keys(inst.metadata)) inst.metadataRoles[k] = who.role;
      const host = schedule(state, { flavor, az, serverGroup: group, instance: inst });
      state.instances.set(id, inst);
      g?.members.push(id);
      if (!host) {
        inst.vmState = 'error';
        inst.taskState = null;
        await o.notifier.emit(
          'compute_task.build_instances.error',
          CONTROL_HOST,
          buildErrorPayload(inst, image, az),
          'nova-conductor',
          'ERROR',
        );
      } else {
        // The compute sends create.start before its resource claim sets the host.
        inst.taskState = null;
        await o.notifier.emit(
          'instance.create.start',
          host.hostname,
          instanceCreatePayload(inst, on(null, { launched: false })),
        );
        inst.host = host.hostname;
        inst.vmState = 'active';
        inst.taskState = null;
        inst.powerState = 1;
        inst.updated = iso();
        invalidatePlacement();
        await o.notifier.emit(
          'instance.create.end',
          host.hostname,
          instanceCreatePayload(inst, on(host.hostname)),
        );
      }
      return ok(202, {
        server: {
          id,
          links: serverView(inst, v, false).links,
          'OS-DCF:diskConfig': 'MANUAL',
          security_groups: [{ name: 'default' }],
          adminPass: randomUUID().slice(0, 12),
        },
      });
    }
    if (seg[0] === 'servers' && seg[1] && seg.length === 2 && method === 'DELETE') {
      const inst = findServer(seg[1]);
      if (inst.locked && !admin) throw novaError(409, `Instance ${inst.id} is locked`);
      const host = inst.host;
      // A scheduled instance is deleted by its compute (with a guest shutdown), an unscheduled one by nova-api.
      const [publisherHost, publisher] = host
        ? [host, 'nova-compute' as const]
        : [CONTROL_HOST, 'nova-api' as const];
      inst.taskState = 'deleting';
      await o.notifier.emit('instance.delete.start', publisherHost, actionPayload(inst, host), publisher);
      if (host) {
        await o.notifier.emit('instance.shutdown.start', host, actionPayload(inst, host));
        inst.powerState = 0;
        await o.notifier.emit('instance.shutdown.end', host, actionPayload(inst, host));
      }
      inst.vmState = 'deleted';
      inst.taskState = null;
      inst.powerState = 0;
      inst.updated = iso();
      inst.host = null;
      invalidatePlacement();
      for (const g of state.serverGroups) g.members = g.members.filter((m) => m !== inst.id);
      await o.notifier.emit(
        'instance.delete.end',
        publisherHost,
        actionPayload(inst, host, { deletedAt: iso() }),
        publisher,
      );
      res.writeHead(204, vh);
      res.end();
      return;
    }
    if (seg[0] === 'servers' && seg[1] && seg[2] === 'action' && method === 'POST') {
      const i = findServer(seg[1]);
      const body = (await readBody(req)) as Record<string, Record<string, unknown> | null>;
      const action = Object.keys(body)[0] ?? '';
      switch (action) {
        case 'os-migrateLive': {
          if (!admin)
            throw novaError(
              403,
              "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live to be performed.",
            );
          const a = body[action] ?? {};
          const hostName = typeof a.host === 'string' ? a.host : null;
          await startMove(i, 'live-migration', hostName);
          return ok(202, null);
        }
        case 'migrate': {
          if (!admin)
            throw novaError(
              403,
              "Policy doesn't allow os_compute_api:os-migrate-server:migrate to be performed.",
            );
          const a = body[action] ?? {};
          const hostName = typeof a.host === 'string' ? a.host : null;
          await startMove(i, 'migration', hostName);
          return ok(202, null);
        }
        case 'resize': {
          const rawRef = (body[action] ?? {}).flavorRef;
          const ref = typeof rawRef === 'string' || typeof rawRef === 'number' ? String(rawRef) : '';
          const flavor = state.flavors.find((f) => f.id === ref);
          if (!flavor) throw novaError(400, `Flavor ${ref} could not be found.`);
          if (flavor.id === i.flavor.id) throw novaError(400, 'When resizing, instances must change flavor!');
          const old = i.flavor;
          i.flavor = flavor;
          try {
            await startMove(i, 'resize', null, old);
          } catch (e) {
            i.flavor = old;
            throw e;
          }
          return ok(202, null);
        }
        case 'confirmResize':
        case 'revertResize': {
          if (i.vmState !== 'resized')
            throw novaError(409, `Cannot '${action}' instance ${i.id} while it is in vm_state ${i.vmState}`);
          const m = [...state.migrations]
            .reverse()
            .find((x) => x.instanceId === i.id && x.status === 'finished');
          if (!m) throw novaError(400, `Instance has not been resized.`);
          // confirm_resize runs on the source; revert_resize on the destination, then finish_revert_resize on the source.
          if (action === 'confirmResize') {
            m.status = 'confirmed';
            await o.notifier.emit('instance.resize_confirm.start', m.sourceHost, actionPayload(i, i.host));
          } else {
            await o.notifier.emit(
              'instance.resize_revert.start',
              m.destHost,
              actionPayload(i, m.destHost, { taskState: 'resize_reverting' }),
            );
            m.status = 'reverted';
            i.host = m.sourceHost;
            invalidatePlacement();
            const old = state.flavors.find((f) => f.id === m.oldFlavorId);
            if (old) i.flavor = old;
          }
          i.vmState = 'active';
          i.updated = iso();
          m.updated = iso();
          await o.notifier.emit(
            action === 'confirmResize' ? 'instance.resize_confirm.end' : 'instance.resize_revert.end',
            m.sourceHost,
            actionPayload(i, i.host),
          );
          return ok(202, null);
        }
        case 'os-stop':
        case 'os-start': {
          const want = action === 'os-stop' ? 'active' : 'stopped';
          if (i.locked && !admin) throw novaError(409, `Instance ${i.id} is locked`);
          if (i.vmState !== want || i.taskState)
            throw novaError(
              409,
              `Cannot '${action === 'os-stop' ? 'stop' : 'start'}' instance ${i.id} while it is in vm_state ${i.vmState}`,
            );
          const ev = action === 'os-stop' ? 'instance.power_off' : 'instance.power_on';
          await o.notifier.emit(
            `${ev}.start`,
            i.host ?? CONTROL_HOST,
            actionPayload(i, i.host, { taskState: action === 'os-stop' ? 'powering-off' : 'powering-on' }),
          );
          i.vmState = action === 'os-stop' ? 'stopped' : 'active';
          i.powerState = action === 'os-stop' ? 4 : 1;
          i.updated = iso();
          invalidatePlacement();
          await o.notifier.emit(`${ev}.end`, i.host ?? CONTROL_HOST, actionPayload(i, i.host));
          return ok(202, null);
        }
        default:
          throw novaError(400, `There is no such action: ${action}`);
      }
    }
    if (seg[0] === 'servers' && seg[1] && seg[2] === 'migrations' && seg[3] && method === 'DELETE') {
      if (!admin)
        throw novaError(
          403,
          "Policy doesn't allow os_compute_api:servers:migrations:delete to be performed.",
        );
      const i = findServer(seg[1]);
      const m = state.migrations.find((x) => x.instanceId === i.id && String(x.id) === seg[3]);
      if (!m) throw novaError(404, `Migration ${seg[3]} not found for instance ${i.id}`);
      if (m.type !== 'live-migration' || m.status !== 'running')
        throw novaError(
          400,
          `Migration ${m.id} state of instance ${i.id} is ${m.status}. Cannot abort live migration while the migration is in this state.`,
        );
      // Nova rolls the guest back to its source: it stays there, idle, and the destination's allocation is freed.
      // The aborted job then fails and the source rolls back, with the destination's cleanup in between.
      await o.notifier.emit(
        'instance.live_migration_abort.start',
        m.sourceHost,
        actionPayload(i, m.sourceHost),
      );
      m.status = 'cancelled';
      m.updated = iso();
      await o.notifier.emit(
        'instance.live_migration_abort.end',
        m.sourceHost,
        actionPayload(i, m.sourceHost),
      );
      await o.notifier.emit(
        'instance.live_migration_rollback.start',
        m.sourceHost,
        actionPayload(i, m.sourceHost),
      );
      await o.notifier.emit(
        'instance.live_migration_rollback_dest.start',
        m.destHost,
        actionPayload(i, m.sourceHost),
      );
      await o.notifier.emit(
        'instance.live_migration_rollback_dest.end',
        m.destHost,
        actionPayload(i, m.sourceHost),
      );
      i.taskState = null;
      i.updated = iso();
      invalidatePlacement();
      await o.notifier.emit(
        'instance.live_migration_rollback.end',
        m.sourceHost,
        actionPayload(i, m.sourceHost),
      );
      res.writeHead(202, vh);
      res.end();
      return;
    }
    if (seg[0] === 'servers' && seg[1] && seg[2] === 'migrations' && method === 'GET') {
      const i = findServer(seg[1]);
      return ok(200, {
        migrations: state.migrations
          .filter((m) => m.instanceId === i.id && m.status === 'running' && m.type === 'live-migration')
          .map((m) => migrationView(m, v, true)),
      });
    }
    if (seg[0] === 'servers' && seg[1] && seg[2] === 'metadata') {
      const i = findServer(seg[1]);
      if (method === 'GET') return ok(200, { metadata: { ...i.metadata } });
      if (method === 'DELETE' && seg[3]) {
        const key = decodeURIComponent(seg[3]);
        if (!(key in i.metadata)) throw novaError(404, `Metadata item was not found`);
        const owner = (i.metadataRoles[key] ?? 'member') as Role;
        if (ROLE_RANK[owner] > ROLE_RANK[who.role])
          throw novaError(
            403,
            `Metadata key ${key} was set by role ${owner} and cannot be removed by role ${who.role}`,
          );
        delete i.metadata[key];
        delete i.metadataRoles[key];
        i.updated = iso();
        await o.notifier.emit(
          'instance.update',
          CONTROL_HOST,
          instanceUpdatePayload(i, on(i.host), { now: clock.now() }),
          'nova-api',
        );
        res.writeHead(204, vh);
        res.end();
        return;
      }
      if (method === 'POST' || method === 'PUT') {
        const body = (await readBody(req)) as {
          metadata?: Record<string, unknown>;
          meta?: Record<string, unknown>;
        };
        const set = seg[3] ? body.meta : body.metadata;
        if (!set || typeof set !== 'object') throw novaError(400, 'Malformed request body');
        if (method === 'PUT' && !seg[3]) {
          for (const k of Object.keys(i.metadata))
            if (!(k in set) && ROLE_RANK[(i.metadataRoles[k] ?? 'member') as Role] > ROLE_RANK[who.role])
              throw novaError(
                403,
                `Metadata key ${k} was set by role ${i.metadataRoles[k]} and cannot be removed by role ${who.role}`,
              );
          i.metadata = {};
        }
        for (const [k, val] of Object.entries(set)) {
          const owner = (i.metadataRoles[k] ?? 'member') as Role;
          if (k in i.metadata && ROLE_RANK[owner] > ROLE_RANK[who.role])
            throw novaError(
              403,
              `Metadata key ${k} was set by role ${owner} and cannot be changed by role ${who.role}`,
            );
          i.metadata[k] = String(val);
          i.metadataRoles[k] = who.role;
        }
        i.updated = iso();
        await o.notifier.emit(
          'instance.update',
          CONTROL_HOST,
          instanceUpdatePayload(i, on(i.host), { now: clock.now() }),
          'nova-api',
        );
        return ok(200, seg[3] ? { meta: set } : { metadata: { ...i.metadata } });
      }
    }
    if (seg[0] === 'os-migrations' && method === 'GET') {
      let list = state.migrations;
      const t = q.get('migration_type');
      if (t) list = list.filter((m) => m.type === t);
      const inst = q.get('instance_uuid');
      if (inst) list = list.filter((m) => m.instanceId === inst);
      return ok(200, { migrations: [...list].reverse().map((m) => migrationView(m, v, false)) });
    }
    if (seg[0] === 'os-services' && method === 'GET') {
      const binary = q.get('binary');
      const host = q.get('host');
      const services = state.hosts
        .filter((h) => (!binary || binary === 'nova-compute') && (!host || h.hostname === host))
        .map((h) => ({
          id: atLeast(v, 53) ? h.serviceId : state.hosts.indexOf(h) + 1,
          binary: 'nova-compute',
          host: h.hostname,
          zone: h.az,
          status: h.status,
          state: h.forcedDown ? 'down' : 'up',
          updated_at: iso(),
          disabled_reason: h.disabledReason,
          forced_down: h.forcedDown,
        }));
      return ok(200, { services });
    }
    if (seg[0] === 'os-services' && seg[1] && method === 'PUT') {
      if (!admin)
        throw novaError(403, "Policy doesn't allow os_compute_api:os-services:update to be performed.");
      if (!atLeast(v, 53)) throw novaError(404, 'Service not found (use microversion 2.53 or later)');
      const h = state.hosts.find((x) => x.serviceId === seg[1]);
      if (!h) throw novaError(404, `Service ${seg[1]} could not be found.`);
      const body = (await readBody(req)) as {
        status?: string;
        disabled_reason?: string;
        forced_down?: boolean;
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
      await o.notifier.emit('service.update', h.hostname, servicePayload(h, iso()), 'nova-compute');
      return ok(200, {
        service: {
          id: h.serviceId,
          binary: 'nova-compute',
          host: h.hostname,
          zone: h.az,
          status: h.status,
          state: h.forcedDown ? 'down' : 'up',
          updated_at: iso(),
          disabled_reason: h.disabledReason,
          forced_down: h.forcedDown,
        },
      });
    }
    if (
      seg[0] === 'os-hypervisors' &&
      (seg[1] === 'detail' || seg.length === 1 || (seg[1] && seg.length === 2)) &&
      method === 'GET'
    ) {
      const view = (h: SimHost, detail: boolean): Record<string, unknown> => {
        const base: Record<string, unknown> = {
          id: atLeast(v, 53) ? h.id : state.hosts.indexOf(h) + 1,
          hypervisor_hostname: h.hostname,
          state: h.forcedDown ? 'down' : 'up',
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
        if (atLeast(v, 88)) base.uptime = null;
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
      };
      if (seg[1] && seg[1] !== 'detail') {
        const h = state.hosts.find((x) => x.id === seg[1] || String(state.hosts.indexOf(x) + 1) === seg[1]);
        if (!h) throw novaError(404, `Hypervisor with ID ${seg[1]} could not be found.`);
        return ok(200, { hypervisor: view(h, true) });
      }
      const pattern = q.get('hypervisor_hostname_pattern');
      const list = pattern ? state.hosts.filter((h) => h.hostname.includes(pattern)) : state.hosts;
      const { items, next } = page(
        list,
        (h) => (atLeast(v, 53) ? h.id : String(state.hosts.indexOf(h) + 1)),
        q,
      );
      const body: Record<string, unknown> = { hypervisors: items.map((h) => view(h, seg[1] === 'detail')) };
      if (next)
        body.hypervisors_links = [
          {
            href: `${o.baseUrl()}/compute/v2.1/os-hypervisors${seg[1] === 'detail' ? '/detail' : ''}?limit=${q.get('limit')}&marker=${next}`,
            rel: 'next',
          },
        ];
      return ok(200, body);
    }
    if (seg[0] === 'os-aggregates' && method === 'GET') {
      return ok(200, {
        aggregates: state.aggregates.map((a) => ({
          id: a.id,
          uuid: a.uuid,
          name: a.name,
          availability_zone: a.az,
          hosts: a.hosts,
          metadata: a.metadata,
          created_at: iso(),
          updated_at: null,
          deleted_at: null,
          deleted: false,
        })),
      });
    }
    if (seg[0] === 'os-availability-zone' && method === 'GET') {
      const zones = [...new Set(state.hosts.map((h) => h.az))].map((az) => ({
        zoneName: az,
        zoneState: { available: true },
        hosts:
          seg[1] === 'detail'
            ? Object.fromEntries(
                state.hosts
                  .filter((h) => h.az === az)
                  .map((h) => [
                    h.hostname,
                    {
                      'nova-compute': {
                        available: !h.forcedDown,
                        active: h.status === 'enabled',
                        updated_at: iso(),
                      },
                    },
                  ]),
              )
            : null,
      }));
      return ok(200, { availabilityZoneInfo: zones });
    }
    if (seg[0] === 'flavors' && method === 'GET') {
      const view = (f: (typeof state.flavors)[number]): Record<string, unknown> => ({
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
        links: [{ href: `${o.baseUrl()}/compute/v2.1/flavors/${f.id}`, rel: 'self' }],
        ...(atLeast(v, 61) ? { extra_specs: { ...f.extraSpecs } } : {}),
      });
      if (seg[1] === 'detail' || seg.length === 1)
        return ok(200, {
          flavors: state.flavors.map((f) =>
            seg[1] === 'detail' ? view(f) : { id: f.id, name: f.name, description: null, links: [] },
          ),
        });
      const f = state.flavors.find((x) => x.id === seg[1]);
      if (!f) throw novaError(404, `Flavor ${seg[1]} could not be found.`);
      if (seg[2] === 'os-extra_specs') return ok(200, { extra_specs: { ...f.extraSpecs } });
      return ok(200, { flavor: view(f) });
    }
    if (seg[0] === 'os-server-groups' && method === 'GET') {
      return ok(200, {
        server_groups: state.serverGroups.map((g) => ({
          id: g.id,
          name: g.name,
          members: g.members,
          metadata: {},
          ...(atLeast(v, 64) ? { policy: g.policy, rules: {} } : { policies: [g.policy] }),
          project_id: g.projectId,
          user_id: 'admin',
        })),
      });
    }
    throw novaError(404, 'The resource could not be found.');
  }

  // ---------------- Placement ----------------
  function inventories(h: SimHost): Record<string, unknown> {
    return {
      VCPU: {
        allocation_ratio: h.vcpuRatio,
        max_unit: h.vcpus,
        min_unit: 1,
        reserved: h.vcpuReserved,
        step_size: 1,
        total: h.vcpus,
      },
      MEMORY_MB: {
        allocation_ratio: h.memoryRatio,
        max_unit: h.memoryMb,
        min_unit: 1,
        reserved: h.memoryMbReserved,
        step_size: 1,
        total: h.memoryMb,
      },
      DISK_GB: {
        allocation_ratio: h.diskRatio,
        max_unit: h.diskGb,
        min_unit: 1,
        reserved: h.diskGbReserved,
        step_size: 1,
        total: h.diskGb,
      },
    };
  }
  const traitsOf = (h: SimHost): string[] => [
    ...h.traits,
    ...(h.status === 'disabled' ? ['COMPUTE_STATUS_DISABLED'] : []),
  ];

  async function placement(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const v = parseMicroversion(req, 'placement', [1, 0]);
    const vh = { 'openstack-api-version': `placement ${v.join('.')}`, vary: 'openstack-api-version' };
    const ok = (body: unknown): void => send(res, 200, body, vh);
    const seg = path.split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    if (seg.length === 0)
      return ok({
        versions: [
          {
            id: 'v1.0',
            max_version: '1.39',
            min_version: '1.0',
            status: 'CURRENT',
            links: [{ rel: 'self', href: '' }],
          },
        ],
      });
    if (seg[0] !== 'resource_providers')
      throw placementError(404, 'Not Found', 'The resource could not be found.');
    const rpLinks = (h: SimHost) => [
      { rel: 'self', href: `/placement/resource_providers/${h.id}` },
      { rel: 'inventories', href: `/placement/resource_providers/${h.id}/inventories` },
      { rel: 'usages', href: `/placement/resource_providers/${h.id}/usages` },
      { rel: 'traits', href: `/placement/resource_providers/${h.id}/traits` },
      { rel: 'allocations', href: `/placement/resource_providers/${h.id}/allocations` },
    ];
    const rpView = (h: SimHost) => ({
      uuid: h.id,
      name: h.hostname,
      generation: h.generation,
      parent_provider_uuid: null,
      root_provider_uuid: h.id,
      links: rpLinks(h),
    });
    if (seg.length === 1 && method === 'GET') return ok({ resource_providers: state.hosts.map(rpView) });
    const h = state.hosts.find((x) => x.id === seg[1]);
    if (!h)
      throw placementError(
        404,
        'Not Found',
        `No resource provider with uuid ${seg[1]} found`,
        'placement.undefined_code',
      );
    if (seg.length === 2 && method === 'GET') return ok(rpView(h));
    if (seg[2] === 'inventories' && method === 'GET')
      return ok({ resource_provider_generation: h.generation, inventories: inventories(h) });
    if (seg[2] === 'usages' && method === 'GET') {
      const u = usedOn(state, h.hostname);
      return ok({
        resource_provider_generation: h.generation,
        usages: { VCPU: u.vcpus, MEMORY_MB: u.ramMb, DISK_GB: u.diskGb },
      });
    }
    if (seg[2] === 'allocations' && method === 'GET') {
      const allocations: Record<string, unknown> = {};
      for (const i of state.instances.values())
        if (i.host === h.hostname)
          allocations[i.id] = {
            resources: { VCPU: i.flavor.vcpus, MEMORY_MB: i.flavor.ramMb, DISK_GB: i.flavor.diskGb },
          };
      return ok({ resource_provider_generation: h.generation, allocations });
    }
    if (seg[2] === 'traits' && method === 'GET')
      return ok({ resource_provider_generation: h.generation, traits: traitsOf(h) });
    if (seg[2] === 'traits' && method === 'PUT') {
      const body = (await readBody(req)) as { resource_provider_generation?: number; traits?: string[] };
      if (typeof body.resource_provider_generation !== 'number' || !Array.isArray(body.traits))
        throw placementError(
          400,
          'Bad Request',
          "JSON does not validate: 'resource_provider_generation' and 'traits' are required properties",
        );
      if (body.resource_provider_generation !== h.generation)
        throw placementError(
          409,
          'Conflict',
          `Resource provider's generation already changed. Please update the generation and try again.`,
          'placement.concurrent_update',
        );
      h.traits = body.traits.filter((t) => t !== 'COMPUTE_STATUS_DISABLED');
      h.generation++;
      return ok({ resource_provider_generation: h.generation, traits: traitsOf(h) });
    }
    throw placementError(404, 'Not Found', 'The resource could not be found.');
  }

  // ---------------- Prometheus ----------------
  const promError = (status: number, errorType: string, error: string): HttpError =>
    new HttpError(status, { status: 'error', errorType, error });
  const parseTime = (s: string | null, dflt: number): number => {
    if (!s) return dflt;
    const n = Number(s);
    if (Number.isFinite(n)) return n;
    const d = Date.parse(s);
    if (Number.isNaN(d))
      throw promError(400, 'bad_data', `invalid parameter "time": cannot parse "${s}" to a valid timestamp`);
    return d / 1000;
  };
  const publicLabels = (l: Record<string, string>): Record<string, string> => l;
  /** Label sets of the series the match[] selectors pick (each must be a plain selector). */
  const selectSeries = (q: URLSearchParams): Labels[] => {
    const selectors = q.getAll('match[]');
    const seen = new Map<string, Labels>();
    for (const text of selectors) {
      let expr: Expr;
      try {
        expr = parse(text);
      } catch (e) {
        if (e instanceof PromQLError)
          throw promError(400, 'bad_data', `invalid parameter "match[]": ${e.message}`);
        throw e;
      }
      if (expr.kind !== 'selector' || expr.rangeMs !== null)
        throw promError(400, 'bad_data', `invalid parameter "match[]": ${text} is not a series selector`);
      const series = metrics.select(expr.name, expr.matchers);
      if (selectors.length === 1) return series.map((s) => s.labels);
      // Several selectors may pick the same series; Prometheus lists it once.
      for (const s of series) seen.set(JSON.stringify(s.labels), s.labels);
    }
    return [...seen.values()];
  };

  async function prometheus(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    q: URLSearchParams,
  ): Promise<void> {
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      for (const [k, val] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) q.set(k, val);
    }
    const now = clock.now().getTime() / 1000;
    const ok = (data: unknown): void => send(res, 200, { status: 'success', data });
    const run = (text: string, t: number): Value => {
      try {
        return query(text, metrics, t);
      } catch (e) {
        if (e instanceof PromQLError)
          throw promError(400, 'bad_data', `invalid parameter "query": ${e.message}`);
        throw e;
      }
    };
    if (path === '/api/v1/query') {
      const text = q.get('query');
      if (!text)
        throw promError(
          400,
          'bad_data',
          'invalid parameter "query": unknown position: parse error: no expression found in input',
        );
      const t = parseTime(q.get('time'), now);
      const v = run(text, t);
      if (v.type === 'scalar') return ok({ resultType: 'scalar', result: [t, formatValue(v.value)] });
      return ok({
        resultType: 'vector',
        result: v.samples.map((s) => ({ metric: publicLabels(s.labels), value: [t, formatValue(s.value)] })),
      });
    }
    if (path === '/api/v1/query_range') {
      const text = q.get('query');
      if (!text) throw promError(400, 'bad_data', 'invalid parameter "query": no expression found in input');
      const start = parseTime(q.get('start'), NaN);
      const end = parseTime(q.get('end'), NaN);
      const stepText = q.get('step') ?? '';
      const step = Number.isFinite(Number(stepText)) ? Number(stepText) : parseDuration(stepText) / 1000;
      if (!Number.isFinite(start) || !Number.isFinite(end))
        throw promError(400, 'bad_data', 'invalid parameter "start"/"end"');
      if (!(step > 0))
        throw promError(
          400,
          'bad_data',
          'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
        );
      if ((end - start) / step > 11_000)
        throw promError(
          400,
          'bad_data',
          'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
        );
      const series = new Map<string, { metric: Record<string, string>; values: [number, string][] }>();
      for (let t = start; t <= end; t += step) {
        const v = run(text, t);
        const samples = v.type === 'scalar' ? [{ labels: {}, value: v.value }] : v.samples;
        for (const s of samples) {
          const key = JSON.stringify(s.labels);
          const entry = series.get(key) ?? { metric: publicLabels(s.labels), values: [] };
          entry.values.push([t, formatValue(s.value)]);
          series.set(key, entry);
        }
      }
      return ok({ resultType: 'matrix', result: [...series.values()] });
    }
    // The label APIs read the series themselves (all of them, or those match[] selects), so they list every label.
    const hasMatch = q.getAll('match[]').length > 0;
    if (path === '/api/v1/labels') return ok(labelNames(hasMatch ? selectSeries(q) : metrics.sampleSeries()));
    const lv = /^\/api\/v1\/label\/([^/]+)\/values$/.exec(path);
    if (lv) {
      const name = decodeURIComponent(lv[1] as string);
      if (hasMatch) return ok(labelValues(selectSeries(q), name));
      // Every series of a family carries its name; other labels are read from the families that carry them, so
      // `device` reads 8,000 series of a 1,000-host cloud, not 400,000.
      const sample = metrics.sampleSeries();
      if (name === '__name__') return ok(labelValues(sample, name));
      const carrying = new Set(sample.filter((l) => name in l).map((l) => l.__name__ ?? ''));
      return ok(
        labelValues(
          [...carrying].flatMap((family) => metrics.select(family, []).map((s) => s.labels)),
          name,
        ),
      );
    }
    if (path === '/api/v1/series') {
      if (q.getAll('match[]').length === 0) throw promError(400, 'bad_data', 'no match[] parameter provided');
      return ok(selectSeries(q));
    }
    if (path === '/api/v1/targets') {
      const activeTargets = state.hosts.map((h) => {
        const labels = metrics.hostLabels(h);
        return {
          discoveredLabels: {
            __address__: `${h.hostIp}:9100`,
            __metrics_path__: '/metrics',
            __scheme__: 'http',
            ...labels,
          },
          labels,
          scrapePool: 'node',
          scrapeUrl: `http://${h.hostIp}:9100/metrics`,
          globalUrl: `http://${h.hostname}:9100/metrics`,
          lastError: '',
          lastScrape: clock.now().toISOString(),
          lastScrapeDuration: 0.01,
          health: 'up',
          scrapeInterval: '30s',
          scrapeTimeout: '10s',
        };
      });
      return ok({ activeTargets, droppedTargets: [] });
    }
    if (path === '/api/v1/status/buildinfo')
      return ok({
        version: '2.53.0',
        revision: 'steward-simulator',
        branch: 'HEAD',
        buildUser: 'steward',
        buildDate: '20260101-00:00:00',
        goVersion: 'go1.22',
      });
    throw promError(404, 'not_found', `unknown API endpoint ${path}`);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    void (async () => {
      try {
        await tick();
        if (path.startsWith('/identity')) return await identity(req, res, path.slice('/identity'.length));
        if (path.startsWith('/prometheus'))
          return await prometheus(req, res, path.slice('/prometheus'.length), url.searchParams);
        if (path.startsWith('/compute/v2.1')) {
          const sub = path.slice('/compute/v2.1'.length);
          if (sub === '' || sub === '/')
            return send(res, 200, {
              version: {
                id: 'v2.1',
                status: 'CURRENT',
                version: '2.100',
                min_version: '2.1',
                updated: '2013-07-23T11:33:21Z',
                links: [],
              },
            });
          const who = auth(req);
          return await compute(req, res, sub, url.searchParams, who);
        }
        if (path.startsWith('/placement')) {
          auth(req);
          return await placement(req, res, path.slice('/placement'.length));
        }
        if (path === '/image' || path.startsWith('/image/')) {
          const sub = path.slice('/image'.length);
          // Version discovery comes before a token, as with Glance.
          if (sub.replaceAll('/', '') !== '' && sub !== '/versions') auth(req);
          const out = glance(glanceContext, req.method ?? 'GET', sub, url.searchParams);
          return send(res, out.status, out.body);
        }
        if (path.startsWith('/volume/v3/')) {
          auth(req);
          const body = req.method === 'POST' ? await readBody(req) : undefined;
          const out = cinder(
            cinderContext,
            req.method ?? 'GET',
            path.slice('/volume/v3'.length),
            url.searchParams,
            body,
          );
          return send(res, out.status, out.body);
        }
        throw new HttpError(404, { error: 'not found' });
      } catch (e) {
        if (e instanceof GlanceError) {
          res.writeHead(e.status, { 'content-type': 'text/plain; charset=UTF-8' });
          res.end(String(e.body));
          return;
        }
        if (e instanceof HttpError || e instanceof CinderError) return send(res, e.status, e.body);
        o.logger.error({ err: e, path }, 'simulator request failed');
        return send(res, 500, {
          computeFault: { code: 500, message: e instanceof Error ? e.message : String(e) },
        });
      } finally {
        if (req.method !== 'GET' && req.method !== 'HEAD') o.onMutation?.();
      }
    })();
  });
  return Object.assign(server, { tick, nextDueMs });
}
