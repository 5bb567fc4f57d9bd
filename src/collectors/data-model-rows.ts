/**
 * `GET /v1/data_model` rows, as upstream's `model_root.to_list` builds them: nodes sorted by uuid, one row per
 * (node, instance) pair sorted by instance uuid, a node without instances as a row of its own, and only the frozen
 * allowlist of fields (`freeze-data-model-api-fields`), plus the two 1.6 fields when asked.
 */
import type { DataModelRow } from '../service-ports.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, Instance } from '../model/elements.js';

function nodeFields(node: ComputeNode): DataModelRow {
  return {
    node_hostname: node.hostname,
    node_status: node.status,
    node_disabled_reason: node.disabledReason,
    node_state: node.state,
    node_memory: node.memoryMb,
    node_memory_mb_reserved: node.memoryMbReserved,
    node_disk: node.diskGb,
    node_disk_gb_reserved: node.diskGbReserved,
    node_vcpus: node.vcpus,
    node_vcpu_reserved: node.vcpuReserved,
    node_memory_ratio: node.memoryRatio,
    node_vcpu_ratio: node.vcpuRatio,
    node_disk_ratio: node.diskRatio,
    node_uuid: node.uuid,
  };
}

function serverFields(instance: Instance, extended: boolean): Partial<DataModelRow> {
  return {
    server_watcher_exclude: instance.watcherExclude === true,
    server_name: instance.name,
    server_state: instance.state,
    server_memory: instance.memoryMb,
    server_disk: instance.diskGb,
    server_vcpus: instance.vcpus,
    server_metadata: instance.metadata,
    server_project_id: instance.projectId,
    server_locked: instance.locked,
    server_uuid: instance.uuid,
    ...(extended && {
      server_flavor_extra_specs: instance.flavor.extraSpecs,
      server_pinned_az: instance.pinnedAvailabilityZone,
    }),
  };
}

const byUuid = (a: { uuid: string }, b: { uuid: string }) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0);

export function toDataModelRows(model: ClusterModel, options: { extended: boolean }): DataModelRow[] {
  const rows: DataModelRow[] = [];
  for (const node of [...model.nodes()].sort(byUuid)) {
    const base = nodeFields(node);
    const instances = model.instancesOn(node.hostname).sort(byUuid);
    if (instances.length === 0) rows.push(base);
    for (const instance of instances) rows.push({ ...base, ...serverFields(instance, options.extended) });
  }
  return rows;
}
