/**
 * `BaremetalApi` over Ironic's v1 API: node lists and power changes. Steward asks for microversion 1.1 and above
 * nothing newer than it reads (`power_state`, `target_power_state`, `extra`, `maintenance` are all in 1.1). A power
 * change is accepted with 202 and finished by the conductor; callers wait on `targetPowerState` clearing. A cloud
 * whose catalog has no `baremetal` endpoint lists no nodes.
 */
import { isStewardError } from '../errors.js';
import type { JsonRequester } from './http.js';
import type { KeystoneSession } from './keystone.js';
import type { BaremetalApi, BaremetalNode, PowerState } from './ports.js';
import { createServiceClient, type ServiceClient } from './service-client.js';
import type { WireReader } from './wire-reader.js';

export interface IronicClientOptions {
  session: KeystoneSession;
  http: JsonRequester;
}

const SERVICE = 'ironic';

const powerOf = (wire: string | null): PowerState | null =>
  wire === 'power on' ? 'on' : wire === 'power off' ? 'off' : null;

function toNode(r: WireReader): BaremetalNode {
  const extra = r.objectOrNull('extra');
  return {
    uuid: r.string('uuid'),
    name: r.stringOr('name', null),
    powerState: powerOf(r.stringOr('power_state', null)),
    targetPowerState: powerOf(r.stringOr('target_power_state', null)),
    computeNodeId: extra?.stringOr('compute_node_id', null) ?? null,
    maintenance: r.boolean('maintenance', false),
  };
}

export function createIronicClient(options: IronicClientOptions): BaremetalApi {
  const client: ServiceClient = createServiceClient({
    service: SERVICE,
    serviceTypes: ['baremetal'],
    session: options.session,
    http: options.http,
    headers: () => Promise.resolve({ 'x-openstack-ironic-api-version': '1.1' }),
  });
  // The endpoint may or may not end in /v1 (devstack registers it without).
  const v1 = async (path: string): Promise<string> =>
    (await client.baseUrl()).replace(/\/+$/, '').endsWith('/v1') ? path : `/v1${path}`;

  return {
    async listNodes() {
      let base: string;
      try {
        base = await v1('/nodes/detail');
      } catch (error) {
        // A cloud whose catalog has no Bare Metal service has no bare metal nodes.
        if (isStewardError(error) && error.extra.details?.call === 'catalog lookup') return [];
        throw error;
      }
      const answer = (
        await client.request({ method: 'GET', path: base, call: 'GET /v1/nodes/detail' })
      ).read();
      return answer.objects('nodes').map(toNode);
    },
    async getNode(idOrName) {
      const answer = await client.find({
        method: 'GET',
        path: await v1(`/nodes/${encodeURIComponent(idOrName)}`),
        call: 'GET /v1/nodes/{node}',
      });
      return answer ? toNode(answer.read()) : undefined;
    },
    async setPowerState(idOrName, state) {
      await client.request({
        method: 'PUT',
        path: await v1(`/nodes/${encodeURIComponent(idOrName)}/states/power`),
        call: 'PUT /v1/nodes/{node}/states/power',
        body: { target: state === 'on' ? 'power on' : 'power off' },
      });
    },
  };
}
