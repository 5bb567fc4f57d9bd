/** The data model's flat rows (a node, or a node and one instance) grouped into hosts with their allocation. */
import type { DataModelRowResource } from '@steward/contract/resources.js';

export interface Allocation {
  used: number;
  capacity: number;
}

export interface HostView {
  row: DataModelRowResource;
  instances: DataModelRowResource[];
  /** Capacity after allocation ratios and reserved resources, as Placement counts it. */
  vcpus: Allocation;
  memoryMb: Allocation;
  diskGb: Allocation;
}

export function groupHosts(rows: readonly DataModelRowResource[]): HostView[] {
  const hosts = new Map<string, HostView>();
  for (const row of rows) {
    let host = hosts.get(row.node_uuid);
    if (!host) {
      host = {
        row,
        instances: [],
        vcpus: { used: 0, capacity: (row.node_vcpus - row.node_vcpu_reserved) * row.node_vcpu_ratio },
        memoryMb: {
          used: 0,
          capacity: (row.node_memory - row.node_memory_mb_reserved) * row.node_memory_ratio,
        },
        diskGb: { used: 0, capacity: (row.node_disk - row.node_disk_gb_reserved) * row.node_disk_ratio },
      };
      hosts.set(row.node_uuid, host);
    }
    if (row.server_uuid !== undefined) {
      host.instances.push(row);
      host.vcpus.used += row.server_vcpus ?? 0;
      host.memoryMb.used += row.server_memory ?? 0;
      host.diskGb.used += row.server_disk ?? 0;
    }
  }
  return [...hosts.values()].sort((a, b) => a.row.node_hostname.localeCompare(b.row.node_hostname));
}
