/**
 * Audit scope as upstream accepts it: a list whose first key is `compute` or `storage`, or the short form (a bare
 * compute list) which is wrapped as `[{"compute": …}]`. Validated against the collectors' schema.
 */
import { Ajv } from 'ajv';
import { invalid } from '../errors.js';
import type { ScopeCheck } from '../service-ports.js';

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

const listed = (names: readonly string[]) =>
  names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

/**
 * Refuses a scope naming hosts or zones the compute model does not have (it would select nothing and the audit
 * would find nothing to do); returns, when the names could not be looked up, the sentence saying so, for the
 * audit's status_message. Undefined when there is nothing to say.
 */
export function judgeScopeNames(check: ScopeCheck | undefined): string | undefined {
  if (check === undefined) return undefined;
  if (!check.checked) {
    const { hosts, zones } = check.names;
    const parts = [
      ...(hosts.length > 0 ? [`${hosts.length === 1 ? 'host' : 'hosts'} ${listed(hosts)}`] : []),
      ...(zones.length > 0
        ? [`${zones.length === 1 ? 'availability zone' : 'availability zones'} ${listed(zones)}`]
        : []),
    ];
    if (parts.length === 0) return undefined;
    const count = hosts.length + zones.length;
    return `Scope not checked: ${parts.join(' and ')} ${count === 1 ? 'was' : 'were'} not looked up, because ${check.reason}.`;
  }
  const { hosts, zones } = check.unknown;
  const problems = [
    ...(hosts.length > 0 ? [`the compute model has no host ${listed(hosts)}`] : []),
    ...(zones.length > 0 ? [`the compute model has no availability zone ${listed(zones)}`] : []),
  ];
  if (problems.length === 0) return undefined;
  throw invalid(
    `Invalid scope: ${problems.join('; ')} (it has ${check.known.hosts} hosts in zones ${listed(check.known.zones) || 'none'}; see openstack optimize datamodel list)`,
    { hosts, zones },
    'INVALID_SCOPE',
  );
}
