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

const CUSTOM_TRAIT = /^CUSTOM_[A-Z0-9_]{1,248}$/;
/** Standard traits (os-traits) always exist; a CUSTOM_* one once created, or while a provider has it. */
const traitExists = (state: ClusterState, name: string): boolean =>
  !name.startsWith('CUSTOM_') ||
  state.customTraits.has(name) ||
  state.hosts.some((h) => h.traits.includes(name));
/** Every trait the simulator knows: the standard ones its providers carry, and the custom ones. */
const allTraits = (state: ClusterState): string[] =>
  [
    ...new Set([
      ...state.hosts.flatMap((h) => traitsOf(h)),
      'COMPUTE_STATUS_DISABLED',
      ...state.customTraits,
    ]),
  ].sort();

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
      // As Placement: the generation is checked first, then that every trait exists.
      const unknown = body.traits.filter((t) => !traitExists(c.state, t));
      if (unknown.length > 0)
        throw placementError(400, 'Bad Request', `No such trait(s): ${unknown.join(', ')}.`);
      h.traits = body.traits.filter((t) => t !== 'COMPUTE_STATUS_DISABLED');
      h.generation++;
      return ok({ resource_provider_generation: h.generation, traits: traitsOf(h) });
    },
  },
  {
    methods: ['GET'],
    path: '/traits',
    handle(c, { q }) {
      // `name=in:A,B` and `name=startswith:CUSTOM_`, as Placement filters (`associated` is not simulated).
      const filter = q.get('name') ?? '';
      const names = allTraits(c.state).filter((t) =>
        filter.startsWith('in:')
          ? filter.slice(3).split(',').includes(t)
          : filter.startsWith('startswith:')
            ? t.startsWith(filter.slice('startswith:'.length))
            : true,
      );
      return ok({ traits: names });
    },
  },
  {
    methods: ['GET'],
    path: '/traits/:name',
    handle(c, { params }) {
      const name = params.name as string;
      if (!allTraits(c.state).includes(name))
        throw placementError(404, 'Not Found', `No such trait(s): ${name}.`, 'placement.undefined_code');
      return { status: 204, body: undefined };
    },
  },
  {
    methods: ['PUT'],
    path: '/traits/:name',
    handle(c, { params }) {
      const name = params.name as string;
      if (!CUSTOM_TRAIT.test(name))
        throw placementError(
          400,
          'Bad Request',
          'The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"',
        );
      if (traitExists(c.state, name)) {
        c.state.customTraits.add(name);
        return { status: 204, body: undefined };
      }
      c.state.customTraits.add(name);
      return { status: 201, body: undefined, headers: { location: `/placement/traits/${name}` } };
    },
  },
  {
    methods: ['DELETE'],
    path: '/traits/:name',
    handle(c, { params }) {
      const name = params.name as string;
      if (!name.startsWith('CUSTOM_'))
        throw placementError(400, 'Bad Request', `Cannot delete standard trait ${name}.`);
      if (!traitExists(c.state, name)) throw placementError(404, 'Not Found', `No such trait(s): ${name}.`);
      if (c.state.hosts.some((h) => h.traits.includes(name)))
        throw placementError(409, 'Conflict', `The trait ${name} is in use by a resource provider.`);
      c.state.customTraits.delete(name);
      return { status: 204, body: undefined };
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
