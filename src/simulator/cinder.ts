/** The Cinder part of the simulator: services, pools, volume types, volumes, and migrate/retype taking simulated time. */
import type { ClusterState, SimVolume } from './cluster.js';
import { moveDurationMs } from './moves.js';

export class CinderError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(JSON.stringify(body));
  }
}
const err = (status: number, message: string): CinderError =>
  new CinderError(status, {
    [status === 404 ? 'itemNotFound' : status === 409 ? 'conflictingRequest' : 'badRequest']: {
      message,
      code: status,
    },
  });

export interface CinderContext {
  state: ClusterState;
  nowMs: () => number;
  iso: () => string;
  bandwidthMbPerS: number;
  baseUrl: () => string;
}

/** A volume move that has just finished: the volume as it is now, and the pools it left and reached. */
export interface SettledMove {
  kind: 'migrate' | 'retype';
  volume: SimVolume;
  fromPool: string;
  toPool: string;
}

/** Completes volume moves whose simulated time is over, and returns them so their notifications can be sent. */
export function settleVolumes(c: CinderContext): SettledMove[] {
  const settled: SettledMove[] = [];
  for (const v of c.state.volumes) {
    if (!v.move || c.nowMs() < v.move.doneMs) continue;
    settled.push({ kind: v.move.kind, volume: v, fromPool: v.pool, toPool: v.move.toPool });
    v.pool = v.move.toPool;
    v.type = v.move.toType;
    if (v.move.kind === 'migrate') v.migrationStatus = 'success';
    v.status = v.attachedTo ? 'in-use' : 'available';
    v.move = null;
    v.updated = c.iso();
  }
  return settled;
}

/** The simulated pools are thin with this ratio and no reserve (get_pools' `max_over_subscription_ratio`). */
export const MAX_OVER_SUBSCRIPTION_RATIO = 20;

/** What `get_pools` reports as allocated: a moving volume counts in both pools until its move settles. */
export function allocatedGb(state: ClusterState, poolName: string): number {
  return state.volumes
    .filter((v) => v.pool === poolName || v.move?.toPool === poolName)
    .reduce((a, v) => a + v.sizeGb, 0);
}

/** The cinder-scheduler's CONF.host: the first backend's host. */
export function schedulerHost(state: ClusterState): string {
  return state.pools[0]?.name.split('@')[0] ?? 'cinder';
}

function view(c: CinderContext, v: SimVolume): Record<string, unknown> {
  return {
    id: v.id,
    name: v.name,
    size: v.sizeGb,
    status: v.status,
    volume_type: v.type,
    'os-vol-host-attr:host': v.pool,
    'os-vol-tenant-attr:tenant_id': v.projectId,
    'os-vol-mig-status-attr:migstat': v.migrationStatus,
    'os-vol-mig-status-attr:name_id': null,
    attachments: v.attachedTo
      ? [
          {
            server_id: v.attachedTo,
            attachment_id: v.id,
            volume_id: v.id,
            id: v.id,
            device: '/dev/vdb',
            host_name: null,
          },
        ]
      : [],
    availability_zone: 'nova',
    bootable: 'false',
    encrypted: false,
    multiattach: false,
    created_at: v.created,
    updated_at: v.updated,
    description: null,
    metadata: {},
    snapshot_id: null,
    source_volid: null,
    user_id: 'admin',
    replication_status: null,
    consistencygroup_id: null,
    links: [{ href: `${c.baseUrl()}/volume/v3/${v.projectId}/volumes/${v.id}`, rel: 'self' }],
  };
}

export function cinder(
  c: CinderContext,
  method: string,
  path: string,
  q: URLSearchParams,
  body: unknown,
): { status: number; body: unknown } {
  // No settling here: the server settles (and notifies) before every request.
  const seg = path.split('/').filter(Boolean).slice(1); // drop the project id
  const { state } = c;
  if (seg[0] === 'scheduler-stats' && seg[1] === 'get_pools' && method === 'GET') {
    const detail = q.get('detail') === 'true';
    return {
      status: 200,
      body: {
        pools: state.pools.map((p) => {
          const allocated = allocatedGb(state, p.name);
          return detail
            ? {
                name: p.name,
                capabilities: {
                  pool_name: p.name.split('#')[1],
                  volume_backend_name: p.backend,
                  total_capacity_gb: p.totalGb,
                  free_capacity_gb: p.totalGb - allocated,
                  allocated_capacity_gb: allocated,
                  provisioned_capacity_gb: allocated,
                  total_volumes: state.volumes.filter((v) => v.pool === p.name).length,
                  max_over_subscription_ratio: MAX_OVER_SUBSCRIPTION_RATIO.toFixed(1),
                  reserved_percentage: 0,
                  thin_provisioning_support: true,
                  thick_provisioning_support: false,
                  driver_version: '3.0.0',
                  storage_protocol: 'iSCSI',
                  vendor_name: 'Open Source',
                  multiattach: true,
                  timestamp: c.iso(),
                },
              }
            : { name: p.name };
        }),
      },
    };
  }
  if (seg[0] === 'os-services' && seg.length === 1 && method === 'GET') {
    // One cinder-volume service per backend (`host@backend`), and the scheduler on the first backend's host.
    const backends = [...new Set(state.pools.map((p) => p.name.split('#')[0] ?? p.name))];
    const service = (binary: string, host: string) => ({
      binary,
      host,
      zone: 'nova',
      status: 'enabled',
      state: 'up',
      updated_at: c.iso().replace(/Z$/, '.000000'),
      disabled_reason: null,
    });
    const services = [
      service('cinder-scheduler', schedulerHost(state)),
      ...backends.map((host) => service('cinder-volume', host)),
    ].filter(
      (s) =>
        (!q.get('binary') || s.binary === q.get('binary')) && (!q.get('host') || s.host === q.get('host')),
    );
    return { status: 200, body: { services } };
  }
  if (seg[0] === 'types' && method === 'GET') {
    return {
      status: 200,
      body: {
        volume_types: [...new Set(state.pools.map((p) => p.type))].map((t) => ({
          id: t,
          name: t,
          is_public: true,
          description: null,
          extra_specs: { volume_backend_name: state.pools.find((p) => p.type === t)?.backend },
        })),
      },
    };
  }
  if (seg[0] === 'volumes' && (seg.length === 1 || seg[1] === 'detail') && method === 'GET') {
    const all = (q.get('all_tenants') ?? '') !== '';
    const project = q.get('project_id');
    return {
      status: 200,
      body: {
        volumes: state.volumes
          .filter((v) => all || !project || v.projectId === project)
          .map((v) => (seg[1] === 'detail' ? view(c, v) : { id: v.id, name: v.name, links: [] })),
      },
    };
  }
  const v = seg[0] === 'volumes' && seg[1] ? state.volumes.find((x) => x.id === seg[1]) : undefined;
  if (seg[0] === 'volumes' && seg[1] && !v) throw err(404, `Volume ${seg[1]} could not be found.`);
  if (v && seg.length === 2 && method === 'GET') return { status: 200, body: { volume: view(c, v) } };
  if (v && seg[2] === 'action' && method === 'POST') {
    const actions = (body ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const durationMs = moveDurationMs(v.sizeGb * 1024, c.bandwidthMbPerS);
    if (v.move)
      throw err(400, `Volume ${v.id} status must be available or in-use, but current status is: ${v.status}`);
    if (actions['os-migrate_volume']) {
      const host = actions['os-migrate_volume'].host;
      const pool = state.pools.find((p) => p.name === host);
      if (typeof host !== 'string' || !pool) throw err(400, `Invalid host ${String(host)}: no such pool`);
      if (pool.name === v.pool) throw err(400, 'Destination host must be different than the current host.');
      v.move = { kind: 'migrate', doneMs: c.nowMs() + durationMs, toPool: pool.name, toType: v.type };
      v.migrationStatus = 'migrating';
      v.status = v.attachedTo ? 'in-use' : 'available';
      v.updated = c.iso();
      return { status: 202, body: null };
    }
    if (actions['os-retype']) {
      const newType = actions['os-retype'].new_type;
      const policy = actions['os-retype'].migration_policy ?? 'never';
      const pool = state.pools.find((p) => p.type === newType);
      if (typeof newType !== 'string' || !pool)
        throw err(404, `Volume type ${String(newType)} could not be found.`);
      if (newType === v.type) throw err(400, 'New volume type must be different from the original.');
      const sameBackend = state.pools.find((p) => p.name === v.pool)?.backend === pool.backend;
      if (!sameBackend && policy !== 'on-demand')
        throw err(400, 'Retype requires migration but is not allowed (migration_policy is never).');
      v.move = {
        kind: 'retype',
        doneMs: c.nowMs() + (sameBackend ? 1 : durationMs),
        toPool: sameBackend ? v.pool : pool.name,
        toType: newType,
      };
      v.status = 'retyping';
      v.updated = c.iso();
      return { status: 202, body: null };
    }
    throw err(400, `Invalid volume action`);
  }
  throw err(404, 'The resource could not be found.');
}
