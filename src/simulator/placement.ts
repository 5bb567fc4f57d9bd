/** The Placement part of the simulator: one resource provider per host, with inventories, usages and traits. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ClusterState, SimHost } from './cluster.js';
import { usedOn } from './cluster.js';
import { HttpError, matchRoute, parseMicroversion, readBody, type Reply, type Route } from './routing.js';

export interface PlacementContext {
  state: ClusterState;
}

export const placementError = (
  status: number,
  title: string,
  detail: string,
  code = 'placement.undefined_code',
): HttpError =>
  new HttpError(status, { errors: [{ status, title, detail, code, request_id: `req-${randomUUID()}` }] });

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

/** The provider's traits as Placement shows them: Nova's compute adds COMPUTE_STATUS_DISABLED while disabled. */
export const traitsOf = (h: SimHost): string[] => [
  ...h.traits,
  ...(h.status === 'disabled' ? ['COMPUTE_STATUS_DISABLED'] : []),
];

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

function provider(c: PlacementContext, uuid: string | undefined): SimHost {
  const h = c.state.hosts.find((x) => x.id === uuid);
  if (!h)
    throw placementError(
      404,
      'Not Found',
      `No resource provider with uuid ${uuid} found`,
      'placement.undefined_code',
    );
  return h;
}

const ok = (body: unknown): Reply => ({ status: 200, body });

const routes: readonly Route<PlacementContext>[] = [
  {
    path: '/',
    handle: () =>
      ok({
        versions: [
          {
            id: 'v1.0',
            max_version: '1.39',
            min_version: '1.0',
            status: 'CURRENT',
            links: [{ rel: 'self', href: '' }],
          },
        ],
      }),
  },
  {
    methods: ['GET'],
    path: '/resource_providers',
    handle: (c) => ok({ resource_providers: c.state.hosts.map(rpView) }),
  },
  {
    methods: ['GET'],
    path: '/resource_providers/:uuid',
    handle: (c, { params }) => ok(rpView(provider(c, params.uuid))),
  },
  {
    methods: ['GET'],
    path: '/resource_providers/:uuid/inventories',
    handle(c, { params }) {
      const h = provider(c, params.uuid);
      return ok({ resource_provider_generation: h.generation, inventories: inventories(h) });
    },
  },
  {
    methods: ['GET'],
    path: '/resource_providers/:uuid/usages',
    handle(c, { params }) {
      const h = provider(c, params.uuid);
      const u = usedOn(c.state, h.hostname);
      return ok({
        resource_provider_generation: h.generation,
        usages: { VCPU: u.vcpus, MEMORY_MB: u.ramMb, DISK_GB: u.diskGb },
      });
    },
  },
  {
    methods: ['GET'],
    path: '/resource_providers/:uuid/allocations',
    handle(c, { params }) {
      const h = provider(c, params.uuid);
      const allocations: Record<string, unknown> = {};
      for (const i of c.state.instances.values())
        if (i.host === h.hostname)
          allocations[i.id] = {
            resources: { VCPU: i.flavor.vcpus, MEMORY_MB: i.flavor.ramMb, DISK_GB: i.flavor.diskGb },
          };
      return ok({ resource_provider_generation: h.generation, allocations });
    },
  },
  {
    methods: ['GET'],
    path: '/resource_providers/:uuid/traits',
    handle(c, { params }) {
      const h = provider(c, params.uuid);
      return ok({ resource_provider_generation: h.generation, traits: traitsOf(h) });
    },
  },
  {
    methods: ['PUT'],
    path: '/resource_providers/:uuid/traits',
    async handle(c, { req, params }) {
      const h = provider(c, params.uuid);
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
    },
  },
];

/** Handles `/placement…` (the part after `/placement`). */
export async function placement(
  c: PlacementContext,
  req: IncomingMessage,
  path: string,
  q: URLSearchParams,
): Promise<Reply> {
  const v = parseMicroversion(req, 'placement', [1, 0]);
  const method = req.method ?? 'GET';
  const hit = matchRoute(routes, method, path);
  if (!hit) {
    const seg = path.split('/').filter(Boolean);
    // An unknown provider is named even on a route it lacks, as before the split.
    if (seg[0] === 'resource_providers' && seg[1]) provider(c, seg[1]);
    throw placementError(404, 'Not Found', 'The resource could not be found.');
  }
  const out = await hit.route.handle(c, { req, method, params: hit.params, q });
  return {
    ...out,
    headers: {
      'openstack-api-version': `placement ${v.join('.')}`,
      vary: 'openstack-api-version',
      ...out.headers,
    },
  };
}
