/**
 * The Ironic (bare metal v1) part of the simulator, only as far as node power goes: each compute host is a bare
 * metal node whose uuid is its compute node uuid (as with Nova's ironic driver) and whose name is its hostname.
 * `PUT /v1/nodes/{node}/states/power` starts a power change that takes simulated time; while it runs the node
 * shows `target_power_state` and refuses another. Unlike Ironic, the simulator refuses to power off a node whose
 * compute host still holds instances: nothing else in the simulated cloud would stop them running on no host.
 */
import type { IncomingMessage } from 'node:http';
import type { ClusterState, SimHost } from './cluster.js';
import { HttpError, matchRoute, readBody, type Reply, type Route } from './routing.js';

/** How long a BMC takes to switch a node's power, in simulated time. */
export const POWER_TRANSITION_MS = 2_000;
const MIN_VERSION = '1.1';
const MAX_VERSION = '1.87';

export interface IronicContext {
  state: ClusterState;
  nowMs: () => number;
  iso: () => string;
  baseUrl: () => string;
}

// Ironic answers errors with the WSME body Watcher uses too: a JSON string inside `error_message`.
const ironicError = (status: number, faultstring: string): HttpError =>
  new HttpError(status, {
    error_message: JSON.stringify({
      faultcode: status < 500 ? 'Client' : 'Server',
      faultstring,
      debuginfo: null,
    }),
  });

const wire = (state: 'on' | 'off' | undefined): string | null =>
  state === undefined ? null : state === 'on' ? 'power on' : 'power off';

/** Completes the power changes whose simulated time is over. */
export function settlePower(c: { state: ClusterState; nowMs: () => number }): void {
  for (const h of c.state.hosts) {
    if (!h.powerTarget || c.nowMs() < h.powerTarget.doneMs) continue;
    if (h.powerTarget.state === 'on' && h.powerState === 'off') h.bootedMs = h.powerTarget.doneMs;
    h.powerState = h.powerTarget.state;
    h.powerTarget = null;
  }
}

/** Simulated time (ms) when the earliest power change finishes, or null if none runs. */
export function nextPowerDueMs(state: ClusterState): number | null {
  let due: number | null = null;
  for (const h of state.hosts)
    if (h.powerTarget && (due === null || h.powerTarget.doneMs < due)) due = h.powerTarget.doneMs;
  return due;
}

function findNode(c: IronicContext, ident: string | undefined): SimHost {
  const h = c.state.hosts.find((x) => x.id === ident) ?? c.state.hostsByName.get(ident ?? '');
  if (!h) throw ironicError(404, `Node ${ident} could not be found.`);
  return h;
}

function nodeView(c: IronicContext, h: SimHost, detail: boolean): Record<string, unknown> {
  const links = [
    { href: `${c.baseUrl()}/baremetal/v1/nodes/${h.id}`, rel: 'self' },
    { href: `${c.baseUrl()}/baremetal/nodes/${h.id}`, rel: 'bookmark' },
  ];
  const base = {
    uuid: h.id,
    name: h.hostname,
    instance_uuid: null,
    power_state: wire(h.powerState),
    provision_state: 'active',
    maintenance: false,
    links,
  };
  if (!detail) return base;
  return {
    ...base,
    target_power_state: wire(h.powerTarget?.state),
    target_provision_state: null,
    maintenance_reason: null,
    driver: 'fake-hardware',
    resource_class: 'baremetal',
    extra: { compute_node_id: h.id },
    properties: { cpus: h.vcpus, memory_mb: h.memoryMb, local_gb: h.diskGb },
    updated_at: c.iso(),
  };
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const version = (c: IronicContext) => ({
  id: 'v1',
  status: 'CURRENT',
  version: MAX_VERSION,
  min_version: MIN_VERSION,
  links: [{ href: `${c.baseUrl()}/baremetal/v1/`, rel: 'self' }],
});

const routes: readonly Route<IronicContext>[] = [
  {
    methods: ['GET'],
    path: '/',
    handle: (c) => ok({ name: 'OpenStack Ironic API', versions: [version(c)], default_version: version(c) }),
  },
  { methods: ['GET'], path: '/v1', handle: (c) => ok({ id: 'v1', version: version(c), links: [] }) },
  {
    methods: ['GET'],
    path: '/v1/nodes',
    handle: (c) => ok({ nodes: c.state.hosts.map((h) => nodeView(c, h, false)) }),
  },
  {
    methods: ['GET'],
    path: '/v1/nodes/detail',
    handle: (c) => ok({ nodes: c.state.hosts.map((h) => nodeView(c, h, true)) }),
  },
  {
    methods: ['GET'],
    path: '/v1/nodes/:node',
    handle: (c, { params }) => ok(nodeView(c, findNode(c, params.node), true)),
  },
  {
    methods: ['GET'],
    path: '/v1/nodes/:node/states',
    handle(c, { params }) {
      const h = findNode(c, params.node);
      return ok({
        power_state: wire(h.powerState),
        target_power_state: wire(h.powerTarget?.state),
        provision_state: 'active',
        target_provision_state: null,
        last_error: null,
        provision_updated_at: null,
      });
    },
  },
  {
    methods: ['PUT'],
    path: '/v1/nodes/:node/states/power',
    async handle(c, { req, params }) {
      const h = findNode(c, params.node);
      const body = (await readBody(req)) as { target?: unknown };
      const target = body.target === 'power on' ? 'on' : body.target === 'power off' ? 'off' : undefined;
      if (target === undefined)
        throw ironicError(
          400,
          `Invalid state '${String(body.target)}' requested; the simulator supports 'power on' and 'power off'.`,
        );
      if (h.powerTarget)
        throw ironicError(
          409,
          `Node ${h.id} is locked by host simulator, please retry after the current operation is completed.`,
        );
      if (target === 'off') {
        let running = 0;
        for (const i of c.state.instances.values()) if (i.host === h.hostname) running++;
        if (running > 0)
          throw ironicError(
            409,
            `Node ${h.id} hosts ${running} instance(s) of compute host ${h.hostname}; move them away before powering it off.`,
          );
      }
      h.powerTarget = { state: target, doneMs: c.nowMs() + POWER_TRANSITION_MS };
      return {
        status: 202,
        body: undefined,
        headers: { location: `${c.baseUrl()}/baremetal/v1/nodes/${h.id}/states` },
      };
    },
  },
];

/** Handles `/baremetal…` (the part after `/baremetal`). */
export async function ironic(
  c: IronicContext,
  req: IncomingMessage,
  path: string,
  q: URLSearchParams,
): Promise<Reply> {
  const method = req.method ?? 'GET';
  const hit = matchRoute(routes, method, path);
  if (!hit) throw ironicError(404, 'The resource could not be found.');
  const out = await hit.route.handle(c, { req, method, params: hit.params, q });
  const requested = req.headers['x-openstack-ironic-api-version'];
  return {
    ...out,
    headers: {
      'x-openstack-ironic-api-minimum-version': MIN_VERSION,
      'x-openstack-ironic-api-maximum-version': MAX_VERSION,
      'x-openstack-ironic-api-version':
        typeof requested === 'string' && requested !== 'latest' ? requested : MAX_VERSION,
      ...out.headers,
    },
  };
}
