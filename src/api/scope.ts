/**
 * Audit scope as upstream accepts it: a list whose first key is `compute` or `storage`, or the short form (a bare
 * compute list) which is wrapped as `[{"compute": …}]`. Validated against the collectors' schema.
 */
import { Ajv } from 'ajv';
import { invalid } from '../errors.js';

const idOrName = {
  type: 'object',
  properties: { id: { type: ['integer', 'string'] }, name: { type: 'string' } },
  additionalProperties: false,
};
const named = { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false };
const uuidItem = { type: 'object', properties: { uuid: { type: 'string' } }, additionalProperties: false };

const computeItem = {
  type: 'object',
  properties: {
    availability_zones: { type: 'array', items: named },
    host_aggregates: { type: 'array', items: idOrName },
    compute_nodes: { type: 'array', items: named },
    exclude: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          instances: { type: 'array', items: uuidItem },
          compute_nodes: { type: 'array', items: named },
          host_aggregates: { type: 'array', items: idOrName },
          instance_metadata: { type: 'array', items: { type: 'object' } },
          projects: { type: 'array', items: uuidItem },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};

const storageItem = {
  type: 'object',
  properties: {
    availability_zones: { type: 'array', items: named },
    volume_types: { type: 'array', items: named },
    storage_pools: { type: 'array', items: named },
    exclude: { type: 'array', items: { type: 'object' } },
  },
  additionalProperties: false,
};

const schema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      compute: { type: 'array', items: computeItem },
      storage: { type: 'array', items: storageItem },
    },
    additionalProperties: false,
  },
};

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

export function normaliseScope(scope: unknown): unknown[] {
  if (scope === undefined || scope === null) return [];
  if (!Array.isArray(scope)) throw invalid('Invalid scope: it must be a list', {}, 'INVALID_SCOPE');
  if (scope.length === 0) return [];
  const firstKey =
    typeof scope[0] === 'object' && scope[0] !== null ? Object.keys(scope[0] as object)[0] : undefined;
  const wrapped = firstKey === 'compute' || firstKey === 'storage' ? scope : [{ compute: scope }];
  if (!validate(wrapped)) {
    const problems = (validate.errors ?? [])
      .map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`.trim())
      .join('; ');
    throw invalid(`Invalid scope: ${problems}`, {}, 'INVALID_SCOPE');
  }
  for (const entry of wrapped as {
    compute?: { host_aggregates?: unknown; exclude?: { host_aggregates?: unknown }[] }[];
  }[]) {
    const items = entry.compute ?? [];
    const included = items.some((item) => item.host_aggregates !== undefined);
    const excluded = items.some((item) =>
      (item.exclude ?? []).some((exclude) => exclude.host_aggregates !== undefined),
    );
    if (included && excluded)
      throw invalid("host_aggregates can't be included and excluded together", {}, 'INVALID_SCOPE');
  }
  return wrapped;
}
