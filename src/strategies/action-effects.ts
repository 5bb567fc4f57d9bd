/**
 * What each wire action does to the cluster model, as a pure function beside its schema: the solution builder
 * applies it as a strategy plans, and the plan validator applies it when it replays a stored plan. A `Record` over
 * every action type, so a new action type cannot be added without saying what it changes.
 */
import type { ActionParameters, ActionTypeName } from '../contract/actions.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode } from '../model/elements.js';
import type { StorageModel } from '../model/storage-model.js';
import { retypeDestination, VolumeTypeIndex } from './cinder-rules.js';

export interface WorkingModels {
  readonly compute: ClusterModel;
  readonly storage?: StorageModel;
  /** The caller's index of `storage`'s volume types, kept across actions (else each retype builds one). */
  readonly volumeTypes?: VolumeTypeIndex;
}

export type ActionEffect<T extends ActionTypeName> = (
  models: WorkingModels,
  params: ActionParameters<T>,
) => void;

/** A host named by an action: upstream puts the compute node uuid in `resource_id` and the hostname in `resource_name`. */
export function hostOfAction(
  model: ClusterModel,
  params: { resource_id: string; resource_name?: string | undefined },
): ComputeNode | undefined {
  return (
    model.getNode(params.resource_id) ??
    model.getNodeByUuid(params.resource_id) ??
    (params.resource_name === undefined ? undefined : model.getNode(params.resource_name))
  );
}

const nothing = (): void => undefined;

export const ACTION_EFFECTS: { readonly [T in ActionTypeName]: ActionEffect<T> } = {
  nop: nothing,
  sleep: nothing,
  migrate({ compute }, params) {
    const destination = params.destination_node;
    if (destination != null && compute.getInstance(params.resource_id) && compute.getNode(destination))
      compute.moveInstance(params.resource_id, destination);
  },
  resize({ compute }, params) {
    const instance = compute.getInstance(params.resource_id);
    if (!instance) return;
    // The model has no flavor catalogue: a flavor known from another instance gives the new size; an unknown one
    // leaves the sizes as they are (the validator then cannot check the host's room for the new flavor).
    for (const other of compute.instances()) {
      if (other.flavor.name === params.flavor || other.flavor.id === params.flavor) {
        const flavor = structuredClone(other.flavor);
        compute.upsertInstance({
          ...instance,
          flavor,
          vcpus: flavor.vcpus,
          memoryMb: flavor.memoryMb,
          diskGb: flavor.diskGb,
        });
        return;
      }
    }
  },
  change_nova_service_state({ compute }, params) {
    const node = hostOfAction(compute, params);
    if (!node) return;
    if (params.state === 'enabled' || params.state === 'disabled') {
      node.status = params.state;
      node.disabledReason = params.state === 'disabled' ? (params.disabled_reason ?? null) : null;
    } else {
      node.state = params.state;
    }
  },
  stop({ compute }, params) {
    const instance = compute.getInstance(params.resource_id);
    if (instance) instance.state = 'stopped';
  },
  start({ compute }, params) {
    const instance = compute.getInstance(params.resource_id);
    if (instance) instance.state = 'active';
  },
  add_trait({ compute }, params) {
    const node = hostOfAction(compute, params);
    if (node && !node.traits.includes(params.trait)) node.traits = [...node.traits, params.trait].sort();
  },
  remove_trait({ compute }, params) {
    const node = hostOfAction(compute, params);
    if (node) node.traits = node.traits.filter((trait) => trait !== params.trait);
  },
  volume_migrate({ storage, volumeTypes }, params) {
    if (!storage) return;
    const volume = storage.getVolume(params.resource_id);
    if (!volume) return;
    // A retype names no pool: Cinder's scheduler moves the volume when its pool does not serve the new type.
    const pool =
      params.destination_node ??
      (params.migration_type === 'retype' && params.destination_type != null
        ? retypeDestination(
            storage,
            volumeTypes ?? new VolumeTypeIndex(storage),
            volume,
            params.destination_type,
          )
        : undefined);
    if (params.destination_type != null)
      storage.upsertVolume({ ...volume, volumeType: params.destination_type });
    if (pool != null && storage.getPool(pool)) storage.moveVolume(params.resource_id, pool);
  },
  change_node_power_state({ compute }, params) {
    const node = hostOfAction(compute, params);
    if (!node) return;
    node.powerState = params.state;
    // A powered-off hypervisor reports its nova-compute service down too.
    node.state = params.state === 'off' ? 'down' : 'up';
  },
};

export function applyAction<T extends ActionTypeName>(
  models: WorkingModels,
  actionType: T,
  params: ActionParameters<T>,
): void {
  (ACTION_EFFECTS[actionType] as ActionEffect<T>)(models, params);
}
