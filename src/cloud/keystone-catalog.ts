/**
 * Puts Steward in a Keystone service catalog as Watcher is: a service of type `infra-optim` and one endpoint per
 * interface in a region, so `openstack optimize …` with password authentication finds it without
 * `--os-endpoint`. Idempotent: what exists is kept, an endpoint with another URL is updated, only what is missing
 * is created; running it twice changes nothing the second time.
 */
import { isStewardError } from '../errors.js';
import type { JsonRequester } from './http.js';
import type { EndpointInterface, KeystoneSession } from './keystone.js';
import { WireReader } from './wire-reader.js';

export const INFRA_OPTIM = 'infra-optim';

export interface CatalogRegistration {
  /** Steward's API base URL as clients should reach it (`http://controller:9322`), without `/v1`. */
  url: string;
  region: string;
  interfaces: readonly EndpointInterface[];
  /** Watcher's is `watcher`. */
  serviceName: string;
}

/** One line per thing looked at: what was found, created or changed. */
export type CatalogChange =
  | { kind: 'service' | 'region' | 'endpoint'; outcome: 'kept' | 'created'; what: string }
  | { kind: 'endpoint'; outcome: 'updated'; what: string; previousUrl: string };

const SERVICE = 'keystone';

export async function registerInCatalog(
  keystone: { session: KeystoneSession; http: JsonRequester; identityUrl: string },
  registration: CatalogRegistration,
): Promise<CatalogChange[]> {
  const base = keystone.identityUrl.replace(/\/+$/, '').replace(/(?<!\/v3)$/, '/v3');
  const call = async (method: 'GET' | 'POST' | 'PATCH', path: string, call: string, body?: unknown) => {
    const token = await keystone.session.token();
    const response = await keystone.http({
      service: SERVICE,
      call,
      method,
      url: `${base}${path}`,
      headers: token ? { 'X-Auth-Token': token } : {},
      ...(body !== undefined && { body }),
    });
    return WireReader.of(response.body, { service: SERVICE, call, status: response.status });
  };
  const changes: CatalogChange[] = [];

  const services = (
    await call('GET', `/services?type=${INFRA_OPTIM}`, 'GET /services?type={type}')
  ).objectsOrEmpty('services');
  let serviceId = services[0]?.string('id');
  if (serviceId === undefined) {
    const created = await call('POST', '/services', 'POST /services', {
      service: {
        type: INFRA_OPTIM,
        name: registration.serviceName,
        description: 'Infrastructure Optimization service (Steward, Watcher API v1)',
        enabled: true,
      },
    });
    serviceId = created.object('service').string('id');
    changes.push({ kind: 'service', outcome: 'created', what: `${INFRA_OPTIM} ${serviceId}` });
  } else {
    changes.push({ kind: 'service', outcome: 'kept', what: `${INFRA_OPTIM} ${serviceId}` });
  }

  const region = encodeURIComponent(registration.region);
  try {
    await call('GET', `/regions/${region}`, 'GET /regions/{id}');
    changes.push({ kind: 'region', outcome: 'kept', what: registration.region });
  } catch (error) {
    if (!(isStewardError(error) && error.extra.details?.status === 404)) throw error;
    await call('POST', '/regions', 'POST /regions', { region: { id: registration.region } });
    changes.push({ kind: 'region', outcome: 'created', what: registration.region });
  }

  const url = registration.url.replace(/\/+$/, '');
  for (const endpointInterface of registration.interfaces) {
    const what = `${endpointInterface} ${url} in ${registration.region}`;
    const existing = (
      await call(
        'GET',
        `/endpoints?service_id=${serviceId}&interface=${endpointInterface}&region_id=${region}`,
        'GET /endpoints?service_id={id}&interface={interface}&region_id={region}',
      )
    ).objectsOrEmpty('endpoints');
    const endpoint = existing[0];
    if (endpoint === undefined) {
      await call('POST', '/endpoints', 'POST /endpoints', {
        endpoint: {
          service_id: serviceId,
          interface: endpointInterface,
          region_id: registration.region,
          url,
          enabled: true,
        },
      });
      changes.push({ kind: 'endpoint', outcome: 'created', what });
    } else if (endpoint.string('url').replace(/\/+$/, '') !== url) {
      await call('PATCH', `/endpoints/${endpoint.string('id')}`, 'PATCH /endpoints/{id}', {
        endpoint: { url, enabled: true },
      });
      changes.push({ kind: 'endpoint', outcome: 'updated', what, previousUrl: endpoint.string('url') });
    } else {
      changes.push({ kind: 'endpoint', outcome: 'kept', what });
    }
  }
  return changes;
}
