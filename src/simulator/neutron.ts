/**
 * A minimal Neutron (network v2.0): the networks and the instances' ports, enough for servers to carry addresses
 * and for Nova's server list to be filtered by network. No subnets, routers or security groups: each network holds
 * one IPv4 /16 and hands out addresses in order.
 */
import { nameUuid, type ClusterState, type SimInstance, type SimNetwork, type SimPort } from './cluster.js';
import { ADMIN_PROJECT } from './keystone.js';
import { HttpError, type Reply } from './routing.js';

/** The networks every simulated cloud has: the tenants' `private` one and a shared provider network, `public`. */
export function defaultNetworks(): SimNetwork[] {
  return [
    { id: nameUuid('network-private'), name: 'private', cidrPrefix: '10.0', shared: false, nextHost: 2 },
    { id: nameUuid('network-public'), name: 'public', cidrPrefix: '172.24', shared: true, nextHost: 2 },
  ];
}

/** Plugs `instance` into `network` with the network's next address. */
export function plugPort(network: SimNetwork, instance: SimInstance): SimPort {
  const n = network.nextHost++;
  const port: SimPort = {
    id: nameUuid(`port-${network.id}-${instance.id}-${n}`),
    networkId: network.id,
    ip: `${network.cidrPrefix}.${Math.floor(n / 256) % 256}.${n % 256}`,
    mac: `fa:16:3e:${[n >> 16, n >> 8, n].map((b) => (b & 0xff).toString(16).padStart(2, '0')).join(':')}`,
  };
  (instance.ports ??= []).push(port);
  return port;
}

/** Every built instance gets a port on `private`; every third one a second port on `public` too. */
export function plugDefaultPorts(state: ClusterState): void {
  const [privateNet, publicNet] = state.networks;
  let n = 0;
  for (const instance of state.instances.values()) {
    if (privateNet) plugPort(privateNet, instance);
    if (publicNet && n % 3 === 2) plugPort(publicNet, instance);
    n++;
  }
}

/** The network named by `ref`, an id or a name (names are unique in the simulator). */
export const findNetwork = (state: ClusterState, ref: string): SimNetwork | undefined =>
  state.networks.find((network) => network.id === ref || network.name === ref);

/** Nova's `addresses`: fixed IPs keyed by network name, with the MAC (the `OS-EXT-IPS*` extensions). */
export function addressesOf(state: ClusterState, instance: SimInstance): Record<string, unknown[]> {
  const addresses: Record<string, unknown[]> = {};
  for (const port of instance.ports ?? []) {
    const network = state.networks.find((x) => x.id === port.networkId);
    if (!network) continue;
    (addresses[network.name] ??= []).push({
      version: 4,
      addr: port.ip,
      'OS-EXT-IPS:type': 'fixed',
      'OS-EXT-IPS-MAC:mac_addr': port.mac,
    });
  }
  return addresses;
}

function networkView(network: SimNetwork): Record<string, unknown> {
  return {
    id: network.id,
    name: network.name,
    status: 'ACTIVE',
    admin_state_up: true,
    shared: network.shared,
    'router:external': network.shared,
    project_id: ADMIN_PROJECT,
    tenant_id: ADMIN_PROJECT,
    subnets: [nameUuid(`subnet-${network.id}`)],
    mtu: 1450,
    port_security_enabled: true,
    description: '',
    tags: [],
    // Not Neutron's: the simulator's one /16, so a reader can tell which addresses belong where.
    'x-simulator:cidr': `${network.cidrPrefix}.0.0/16`,
  };
}

function portView(network: SimNetwork, instance: SimInstance, port: SimPort): Record<string, unknown> {
  return {
    id: port.id,
    network_id: network.id,
    device_id: instance.id,
    device_owner: 'compute:nova',
    mac_address: port.mac,
    fixed_ips: [{ subnet_id: nameUuid(`subnet-${network.id}`), ip_address: port.ip }],
    status: instance.vmState === 'active' ? 'ACTIVE' : 'DOWN',
    admin_state_up: true,
    project_id: instance.projectId,
    'binding:host_id': instance.host ?? '',
  };
}

const neutronError = (status: number, type: string, message: string): HttpError =>
  new HttpError(status, { NeutronError: { type, message, detail: '' } });

/** Handles `/networking…` (the part after it): `GET /v2.0/networks[/{id}]` and `GET /v2.0/ports`. */
export function neutron(state: ClusterState, method: string, path: string, q: URLSearchParams): Reply {
  const seg = path.split('/').filter(Boolean);
  if (seg.length === 0) return { status: 200, body: { versions: [{ id: 'v2.0', status: 'CURRENT' }] } };
  if (method !== 'GET') throw neutronError(405, 'HTTPMethodNotAllowed', `${method} is not supported`);
  if (seg[0] !== 'v2.0') throw neutronError(404, 'HTTPNotFound', 'The resource could not be found.');
  if (seg[1] === 'networks' && seg.length === 2) {
    const names = q.getAll('name');
    const ids = q.getAll('id');
    const networks = state.networks.filter(
      (n) => (names.length === 0 || names.includes(n.name)) && (ids.length === 0 || ids.includes(n.id)),
    );
    return { status: 200, body: { networks: networks.map(networkView) } };
  }
  if (seg[1] === 'networks' && seg.length === 3) {
    const network = state.networks.find((n) => n.id === seg[2]);
    if (!network) throw neutronError(404, 'NetworkNotFound', `Network ${seg[2]} could not be found.`);
    return { status: 200, body: { network: networkView(network) } };
  }
  if (seg[1] === 'ports' && seg.length === 2) {
    const device = q.get('device_id');
    const networkId = q.get('network_id');
    const ports: Record<string, unknown>[] = [];
    for (const instance of state.instances.values()) {
      if (instance.vmState === 'deleted' || (device && instance.id !== device)) continue;
      for (const port of instance.ports ?? []) {
        const network = state.networks.find((n) => n.id === port.networkId);
        if (network && (!networkId || networkId === network.id))
          ports.push(portView(network, instance, port));
      }
    }
    return { status: 200, body: { ports } };
  }
  throw neutronError(404, 'HTTPNotFound', 'The resource could not be found.');
}
