/**
 * `PlacementApi` over the Placement REST API. Steward asks for microversion 1.39 (the newest) and settles for what
 * the service offers down to 1.6, where provider traits appear; everything it reads exists from there on. Traits are
 * replaced whole at the provider's generation, and a write that lost the race against another writer (nova-compute
 * bumps generations too) is read again and re-applied a bounded number of times.
 */
import { hasUpstreamStatus, type JsonRequester } from './http.js';
import type { KeystoneSession } from './keystone.js';
import { formatMicroversion, negotiatedOnce, parseMicroversion, type Microversion } from './microversion.js';
import type { Inventory, PlacementApi, ResourceProvider } from './ports.js';
import { createServiceClient, type ServiceClient } from './service-client.js';
import { isStewardError } from '../errors.js';

export interface PlacementClientOptions {
  session: KeystoneSession;
  http: JsonRequester;
  /** The newest microversion to ask for. Default `1.39`. */
  microversion?: string;
  /** Attempts of a trait update that keeps meeting a newer generation. Default 5. */
  generationAttempts?: number;
}

const SERVICE = 'placement';
const MINIMUM: Microversion = [1, 6];

export function createPlacementClient(options: PlacementClientOptions): Required<PlacementApi> {
  const wanted = parseMicroversion(options.microversion ?? '1.39');
  const attempts = Math.max(1, options.generationAttempts ?? 5);
  const client: ServiceClient = createServiceClient({
    service: SERVICE,
    serviceTypes: ['placement'],
    session: options.session,
    http: options.http,
    headers: async (_base, signal) => ({
      'openstack-api-version': `placement ${formatMicroversion(await microversion(signal))}`,
    }),
  });

  const microversion = negotiatedOnce(() => ({
    client,
    wanted,
    minimum: MINIMUM,
    range: (root) => {
      const version = root.objectsOrEmpty('versions')[0];
      const max = version?.stringOr('max_version', null);
      return version && max
        ? [parseMicroversion(version.stringOr('min_version', '1.0')), parseMicroversion(max)]
        : undefined;
    },
  }));

  const providerPath = (uuid: string, what: string): string =>
    `/resource_providers/${encodeURIComponent(uuid)}/${what}`;

  async function getTraits(providerUuid: string): Promise<{ generation: number; traits: string[] }> {
    const answer = (
      await client.request({
        method: 'GET',
        path: providerPath(providerUuid, 'traits'),
        call: 'GET /resource_providers/{uuid}/traits',
      })
    ).read();
    return { generation: answer.number('resource_provider_generation'), traits: answer.strings('traits') };
  }

  return {
    async listResourceProviders() {
      const answer = (
        await client.request({ method: 'GET', path: '/resource_providers', call: 'GET /resource_providers' })
      ).read();
      return answer.objects('resource_providers').map((r): ResourceProvider => ({
        uuid: r.string('uuid'),
        name: r.string('name'),
        generation: r.number('generation'),
      }));
    },

    async getInventories(providerUuid) {
      const answer = (
        await client.request({
          method: 'GET',
          path: providerPath(providerUuid, 'inventories'),
          call: 'GET /resource_providers/{uuid}/inventories',
        })
      ).read();
      const inventories = answer.entries('inventories').map(([resourceClass, r]): Inventory => ({
        resourceClass,
        total: r.number('total'),
        reserved: r.numberOr('reserved', 0),
        allocationRatio: r.numberOr('allocation_ratio', 1),
        minUnit: r.numberOr('min_unit', 1),
        maxUnit: r.numberOr('max_unit', r.number('total')),
        stepSize: r.numberOr('step_size', 1),
      }));
      return { generation: answer.number('resource_provider_generation'), inventories };
    },

    async getUsages(providerUuid) {
      const answer = (
        await client.request({
          method: 'GET',
          path: providerPath(providerUuid, 'usages'),
          call: 'GET /resource_providers/{uuid}/usages',
        })
      ).read();
      const usages = answer.object('usages');
      return Object.fromEntries(
        Object.keys(answer.record('usages')).map((resourceClass) => [
          resourceClass,
          usages.number(resourceClass),
        ]),
      );
    },

    getTraits,

    async setTraits(providerUuid, mutate) {
      for (let attempt = 1; ; attempt++) {
        const current = await getTraits(providerUuid);
        const next = [...new Set(mutate(current.traits))].sort();
        // Writing an unchanged set would still bump the generation and race other writers for nothing.
        if (next.length === current.traits.length && next.every((trait) => current.traits.includes(trait)))
          return current.traits;
        try {
          const answer = await client.request({
            method: 'PUT',
            path: providerPath(providerUuid, 'traits'),
            call: 'PUT /resource_providers/{uuid}/traits',
            body: { resource_provider_generation: current.generation, traits: next },
          });
          return answer.read().strings('traits');
        } catch (error) {
          if (attempt >= attempts || !isGenerationConflict(error)) throw error;
        }
      }
    },

    async ensureTrait(name) {
      await client.request({
        method: 'PUT',
        path: `/traits/${encodeURIComponent(name)}`,
        call: 'PUT /traits/{name}',
      });
    },

    async getAllocations(providerUuid) {
      const answer = (
        await client.request({
          method: 'GET',
          path: providerPath(providerUuid, 'allocations'),
          call: 'GET /resource_providers/{uuid}/allocations',
        })
      ).read();
      return Object.fromEntries(
        answer.entries('allocations').map(([consumer, allocation]) => {
          const resources = allocation.object('resources');
          const classes = Object.keys(allocation.record('resources'));
          return [
            consumer,
            Object.fromEntries(
              classes.map((resourceClass) => [resourceClass, resources.number(resourceClass)]),
            ),
          ];
        }),
      );
    },
  };
}

/** A 409 from a stale provider generation; before microversion 1.23 Placement's 409s carry no code. */
function isGenerationConflict(error: unknown): boolean {
  if (!hasUpstreamStatus(error, 409) || !isStewardError(error)) return false;
  const code = error.extra.details?.upstreamCode;
  return code === undefined || code === 'placement.concurrent_update';
}
