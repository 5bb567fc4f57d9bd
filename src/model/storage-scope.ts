/**
 * Filters the storage model by a Watcher audit scope, with upstream's semantics
 * (`watcher/decision_engine/scope/storage.py`, `StorageScope.get_scoped_model`):
 * - The rules are those of the first scope entry with a non-empty `storage` list; the short form (a bare list of
 *   compute rules) and a scope without one keep the whole model.
 * - `availability_zones [{name}]` and `volume_types [{name}]` each add backends to one allowed set (a union): a
 *   backend is in a zone by its `cinder-volume` service's zone, and has a type when the type's
 *   `volume_backend_name` names it. `"*"` alone means every backend; mixed with other names it is a ScopeError.
 * - Backends outside the allowed set are removed with their pools and those pools' volumes.
 * - `exclude [{storage_pools: [{name}]}, {volumes: [{uuid}]}, {projects: [{uuid}]}]` removes those pools (with their
 *   volumes), volumes, and the projects' volumes. Unlike excluded instances, excluded volumes are removed, as upstream
 *   does: a pool's capacities come from Cinder, so nothing is lost from its accounting.
 * Two deliberate differences: include rules that match no backend leave an **empty** model, as the compute scope
 * does (upstream's storage scope has no found-nothing flag and keeps every backend then); and every key of a rule is
 * read, where upstream reads only the first (`if/elif`).
 */
import { hasWildcard, itemsOf, type ScopeItem } from './scope.js';
import { backendOf, type StorageModel } from './storage-model.js';

function storageRules(scope: readonly unknown[]): ScopeItem[] | undefined {
  for (const entry of itemsOf(scope)) {
    const rules = itemsOf(entry.storage);
    if (rules.length > 0) return rules;
  }
  return undefined;
}

const namesOf = (refs: readonly ScopeItem[]) => refs.map((ref) => String(ref.name));

function zoneBackends(model: StorageModel, refs: readonly ScopeItem[]): string[] {
  const names = namesOf(refs);
  const everything = hasWildcard(names, 'availability zones');
  const wanted = new Set(names);
  return [...model.nodes()].filter((node) => everything || wanted.has(node.zone)).map((node) => node.host);
}

function typeBackends(model: StorageModel, refs: readonly ScopeItem[]): string[] {
  const names = namesOf(refs);
  const everything = hasWildcard(names, 'volume_types');
  const wanted = new Set(names);
  return [...model.nodes()]
    .filter((node) => everything || node.volumeType.some((type) => wanted.has(type)))
    .map((node) => node.host);
}

/** Returns a new model holding copies of the elements the scope keeps; the input model is not changed. */
export function scopeStorageModel(model: StorageModel, scope: readonly unknown[] | undefined): StorageModel {
  const rules = scope ? storageRules(scope) : undefined;
  const scoped = model.clone();
  if (!rules) return scoped;

  let allowed: Set<string> | undefined;
  const allow = (hosts: Iterable<string>) => {
    allowed ??= new Set();
    for (const host of hosts) allowed.add(host);
  };
  const excludedPools = new Set<string>();
  const excludedVolumes = new Set<string>();
  const excludedProjects = new Set<string>();
  for (const rule of rules) {
    if ('availability_zones' in rule) allow(zoneBackends(model, itemsOf(rule.availability_zones)));
    if ('volume_types' in rule) allow(typeBackends(model, itemsOf(rule.volume_types)));
    for (const exclude of itemsOf(rule.exclude)) {
      for (const ref of itemsOf(exclude.storage_pools)) excludedPools.add(String(ref.name));
      for (const ref of itemsOf(exclude.volumes)) excludedVolumes.add(String(ref.uuid));
      for (const ref of itemsOf(exclude.projects)) excludedProjects.add(String(ref.uuid));
    }
  }

  const kept = allowed;
  if (kept !== undefined) {
    for (const node of model.nodes()) if (!kept.has(node.host)) scoped.removeNode(node.host);
    // A pool whose backend has no service in the model is in no zone and has no type.
    for (const pool of model.pools()) if (!kept.has(backendOf(pool.name))) scoped.removePool(pool.name);
  }
  for (const name of excludedPools) scoped.removePool(name);
  for (const volume of model.volumes())
    if (excludedVolumes.has(volume.uuid) || excludedProjects.has(volume.projectId))
      scoped.removeVolume(volume.uuid);
  return scoped;
}
