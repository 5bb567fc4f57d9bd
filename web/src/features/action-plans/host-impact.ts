/**
 * What a plan still does to the hosts it touches: each host's allocation in the data model now, and once the
 * plan's migrations that have not happened yet (PENDING or ONGOING) have; a succeeded move is already in the model,
 * a skipped, failed or cancelled one will not happen.
 */
import type { ActionResource, DataModelRowResource } from '@steward/contract/resources.js';
import { groupHosts, type Allocation } from '../data-model/hosts.js';

export interface HostImpact {
  hostname: string;
  instances: { before: number; after: number };
  vcpus: Allocation & { after: number };
  memoryMb: Allocation & { after: number };
}

const TO_COME = new Set(['PENDING', 'ONGOING']);

export function hostImpact(
  rows: readonly DataModelRowResource[],
  actions: readonly ActionResource[],
): HostImpact[] {
  const hosts = groupHosts(rows);
  const byName = new Map<string, (typeof hosts)[number]>();
  for (const host of hosts) {
    byName.set(host.row.node_hostname, host);
    byName.set(host.row.node_uuid, host);
  }
  const instances = new Map(rows.filter((row) => row.server_uuid).map((row) => [row.server_uuid!, row]));
  const impact = new Map<string, HostImpact>();
  const entry = (name: string): HostImpact | undefined => {
    const host = byName.get(name);
    if (!host) return undefined;
    const hostname = host.row.node_hostname;
    let found = impact.get(hostname);
    if (!found) {
      found = {
        hostname,
        instances: { before: host.instances.length, after: host.instances.length },
        vcpus: { ...host.vcpus, after: host.vcpus.used },
        memoryMb: { ...host.memoryMb, after: host.memoryMb.used },
      };
      impact.set(hostname, found);
    }
    return found;
  };
  for (const action of actions) {
    if (action.action_type !== 'migrate' || !TO_COME.has(action.state)) continue;
    const input = action.input_parameters ?? {};
    const instance = typeof input.resource_id === 'string' ? instances.get(input.resource_id) : undefined;
    const source = typeof input.source_node === 'string' ? entry(input.source_node) : undefined;
    const destination =
      typeof input.destination_node === 'string' ? entry(input.destination_node) : undefined;
    if (!instance) continue;
    if (source) {
      source.instances.after -= 1;
      source.vcpus.after -= instance.server_vcpus ?? 0;
      source.memoryMb.after -= instance.server_memory ?? 0;
    }
    if (destination) {
      destination.instances.after += 1;
      destination.vcpus.after += instance.server_vcpus ?? 0;
      destination.memoryMb.after += instance.server_memory ?? 0;
    }
  }
  return [...impact.values()].sort((a, b) => a.hostname.localeCompare(b.hostname));
}
