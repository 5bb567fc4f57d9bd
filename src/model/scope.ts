/**
 * Filters the compute model by a Watcher audit scope, with upstream's semantics
 * (`watcher/decision_engine/scope/compute.py`, `ComputeScope.get_scoped_model`):
 * - `host_aggregates`, `availability_zones` and Steward's `compute_nodes` each add hosts to one allowed set, so
 *   several include rules are a union, as upstream's shared `allowed_nodes` list is. Include rules that match no
 *   host leave an empty model (upstream's `found_nothing_flag`); no include rule keeps every host.
 * - Hosts outside the allowed set, and hosts excluded by name or by aggregate, are removed with their instances.
 * - Excluded instances (by uuid, project, or metadata) stay in the model, because their resources still count on
 *   their host, but are flagged `watcherExclude` so strategies neither move nor stop them.
 * - `"*"` alone means every aggregate (`id` or `name`) or every zone; mixed with other values it is an error.
 * The `storage` part of a scope does not concern the compute model and is ignored here (`storage-scope.ts`).
 */
import { ClusterModel } from './cluster-model.js';
import type { ComputeNode } from './elements.js';

export interface ScopeOptions {
  /**
   * Honour `exclude: [{instance_metadata: [...]}]`. Upstream does so only when the strategy's
   * `check_optimize_metadata` is set; Steward defaults to honouring what the scope says.
   */
  excludeByMetadata?: boolean;
}

/** A scope that passed schema validation but cannot be applied (upstream's WildcardCharacterIsUsed). */
export class ScopeError extends RangeError {
  override readonly name = 'ScopeError';
}

/** A scope rule or reference, as validated JSON. */
export type ScopeItem = Record<string, unknown>;
type Item = ScopeItem;

const WILDCARD = '*';

/** The objects of a rule list (shared with `storage-scope.ts`). */
export function itemsOf(value: unknown): Item[] {
  return Array.isArray(value)
    ? value.filter((item): item is Item => item !== null && typeof item === 'object')
    : [];
}

/**
 * The compute rule list: upstream takes the first scope entry with a non-empty `compute` list. The short form (a
 * bare list of compute rules) is read as `[{compute: scope}]`, as the API's validator wraps it.
 */
function computeRules(scope: readonly unknown[]): Item[] | undefined {
  const entries = itemsOf(scope);
  const firstKey = entries[0] ? Object.keys(entries[0])[0] : undefined;
  if (firstKey !== undefined && firstKey !== 'compute' && firstKey !== 'storage') return entries;
  for (const entry of entries) {
    const rules = itemsOf(entry.compute);
    if (rules.length > 0) return rules;
  }
  return undefined;
}

/** Whether `values` is the wildcard alone; `*` mixed with other values is a ScopeError (shared with `storage-scope.ts`). */
export function hasWildcard(values: readonly unknown[], resource: string): boolean {
  if (!values.some((value) => String(value) === WILDCARD)) return false;
  if (values.length === 1) return true;
  throw new ScopeError(`Wildcard character * cannot be used with other ${resource} in the audit scope.`);
}

function aggregateHosts(model: ClusterModel, refs: readonly Item[]): Set<string> {
  const ids = refs.filter((ref) => 'id' in ref).map((ref) => ref.id);
  const names = refs.filter((ref) => 'name' in ref).map((ref) => ref.name);
  const everything = [hasWildcard(ids, 'host aggregates'), hasWildcard(names, 'host aggregates')].some(
    Boolean,
  );
  const wantedIds = new Set(ids.map(String));
  const wantedNames = new Set(names.map(String));
  const hosts = new Set<string>();
  for (const aggregate of model.aggregates()) {
    if (everything || wantedIds.has(String(aggregate.id)) || wantedNames.has(aggregate.name)) {
      for (const host of aggregate.hosts) hosts.add(host);
    }
  }
  return hosts;
}

function zoneHosts(model: ClusterModel, refs: readonly Item[]): Set<string> {
  const names = refs.map((ref) => String(ref.name));
  const everything = hasWildcard(names, 'availability zones');
  const wanted = new Set(names);
  const hosts = new Set<string>();
  for (const node of model.nodes()) {
    if (everything || (node.availabilityZone !== null && wanted.has(node.availabilityZone)))
      hosts.add(node.hostname);
  }
  return hosts;
}

/**
 * Upstream's `exclude_instances_with_given_metadata`: every key of the (merged) rule must be present on the
 * instance, and one matching value (compared as lower-case strings) is enough.
 */
function matchesMetadata(
  metadata: Readonly<Record<string, string>>,
  rule: Readonly<Record<string, unknown>>,
): boolean {
  const keys = Object.keys(rule);
  if (keys.length === 0 || !keys.every((key) => key in metadata)) return false;
  return keys.some((key) => String(rule[key]).toLowerCase() === String(metadata[key]).toLowerCase());
}

/** Returns a new model holding copies of the elements the scope keeps; the input model is not changed. */
export function scopeComputeModel(
  model: ClusterModel,
  scope: readonly unknown[] | undefined,
  options: ScopeOptions = {},
): ClusterModel {
  const rules = scope ? computeRules(scope) : undefined;
  if (!rules) return model.clone();

  let allowed: Set<string> | undefined;
  const allow = (hosts: Iterable<string>) => {
    allowed ??= new Set();
    for (const host of hosts) allowed.add(host);
  };
  const excludedHosts = new Set<string>();
  const excludedInstances = new Set<string>();
  const excludedProjects = new Set<string>();
  const metadataRule: Record<string, unknown> = {};

  for (const rule of rules) {
    if ('host_aggregates' in rule) allow(aggregateHosts(model, itemsOf(rule.host_aggregates)));
    if ('availability_zones' in rule) allow(zoneHosts(model, itemsOf(rule.availability_zones)));
    if ('compute_nodes' in rule) allow(itemsOf(rule.compute_nodes).map((ref) => String(ref.name)));
    for (const exclude of itemsOf(rule.exclude)) {
      for (const ref of itemsOf(exclude.instances)) excludedInstances.add(String(ref.uuid));
      for (const ref of itemsOf(exclude.compute_nodes)) excludedHosts.add(String(ref.name));
      if ('host_aggregates' in exclude)
        for (const host of aggregateHosts(model, itemsOf(exclude.host_aggregates))) excludedHosts.add(host);
      for (const ref of itemsOf(exclude.projects)) excludedProjects.add(String(ref.uuid));
      for (const entry of itemsOf(exclude.instance_metadata)) Object.assign(metadataRule, entry);
    }
  }

  const keeps = (node: ComputeNode) =>
    (allowed === undefined || allowed.has(node.hostname)) && !excludedHosts.has(node.hostname);
  const scoped = new ClusterModel();
  const removedHosts = new Set<string>();
  for (const node of model.nodes()) {
    if (keeps(node)) scoped.upsertNode(structuredClone(node));
    else removedHosts.add(node.hostname);
  }
  const byMetadata = (options.excludeByMetadata ?? true) && Object.keys(metadataRule).length > 0;
  for (const instance of model.instances()) {
    if (instance.hostname !== null && removedHosts.has(instance.hostname)) continue;
    const copy = structuredClone(instance);
    const excluded =
      excludedInstances.has(instance.uuid) ||
      excludedProjects.has(instance.projectId) ||
      (byMetadata && matchesMetadata(instance.metadata, metadataRule));
    if (excluded) copy.watcherExclude = true;
    scoped.upsertInstance(copy);
  }
  for (const aggregate of model.aggregates()) scoped.upsertAggregate(structuredClone(aggregate));
  return scoped;
}

/** The host and availability zone names a scope's compute rules give (included or excluded), wildcards left out. */
export interface ScopeNames {
  hosts: string[];
  zones: string[];
}

export function namesInScope(scope: readonly unknown[]): ScopeNames {
  const hosts = new Set<string>();
  const zones = new Set<string>();
  for (const rule of computeRules(scope) ?? []) {
    for (const ref of itemsOf(rule.compute_nodes)) hosts.add(String(ref.name));
    for (const ref of itemsOf(rule.availability_zones)) zones.add(String(ref.name));
    for (const exclude of itemsOf(rule.exclude))
      for (const ref of itemsOf(exclude.compute_nodes)) hosts.add(String(ref.name));
  }
  hosts.delete(WILDCARD);
  zones.delete(WILDCARD);
  return { hosts: [...hosts], zones: [...zones] };
}

/**
 * The names of `namesInScope` that the model does not have: a scope naming them would silently select nothing
 * (upstream's `found_nothing_flag`), so the API refuses it when the audit or template is created.
 */
export function unknownNamesInScope(model: ClusterModel, scope: readonly unknown[]): ScopeNames {
  const names = namesInScope(scope);
  const zones = new Set<string>();
  for (const node of model.nodes()) if (node.availabilityZone !== null) zones.add(node.availabilityZone);
  for (const aggregate of model.aggregates())
    if (aggregate.availabilityZone !== null) zones.add(aggregate.availabilityZone);
  return {
    hosts: names.hosts.filter((host) => model.getNode(host) === undefined),
    zones: names.zones.filter((zone) => !zones.has(zone)),
  };
}
