import { describe, expect, it } from 'vitest';
import type { ActionResource, DataModelRowResource } from '@steward/contract/resources.js';
import { hostImpact } from './host-impact.js';

const node = (hostname: string): DataModelRowResource => ({
  node_hostname: hostname,
  node_status: 'enabled',
  node_disabled_reason: null,
  node_state: 'up',
  node_memory: 65536,
  node_memory_mb_reserved: 0,
  node_disk: 1000,
  node_disk_gb_reserved: 0,
  node_vcpus: 32,
  node_vcpu_reserved: 0,
  node_memory_ratio: 1,
  node_vcpu_ratio: 1,
  node_disk_ratio: 1,
  node_uuid: `uuid-${hostname}`,
});
const instance = (hostname: string, uuid: string, vcpus: number, memoryMb: number): DataModelRowResource => ({
  ...node(hostname),
  server_uuid: uuid,
  server_name: uuid,
  server_vcpus: vcpus,
  server_memory: memoryMb,
  server_disk: 10,
});
const migrate = (uuid: string, from: string, to: string, state = 'PENDING'): ActionResource => ({
  uuid: `action-${uuid}`,
  action_plan_uuid: 'plan',
  state,
  action_type: 'migrate',
  input_parameters: { resource_id: uuid, migration_type: 'live', source_node: from, destination_node: to },
  parents: [],
  links: [],
});

describe('hostImpact', () => {
  const rows = [
    instance('h1', 'i1', 4, 8192),
    instance('h1', 'i2', 2, 4096),
    instance('h2', 'i3', 8, 16384),
    node('h3'),
  ];

  it('moves each migrated instance from its source to its destination, touching only those hosts', () => {
    const impact = hostImpact(rows, [migrate('i1', 'h1', 'h2'), migrate('i2', 'h1', 'uuid-h2')]);
    expect(impact.map((host) => [host.hostname, host.instances, host.vcpus.used, host.vcpus.after])).toEqual([
      ['h1', { before: 2, after: 0 }, 6, 0],
      ['h2', { before: 1, after: 3 }, 8, 14],
    ]);
    expect(impact[1]?.memoryMb).toEqual({ used: 16384, capacity: 65536, after: 28672 });
  });

  it('leaves out moves already in the model (succeeded) or that will not happen, and other action types', () => {
    const nop: ActionResource = { ...migrate('i1', 'h1', 'h3'), action_type: 'nop' };
    const done = ['SUCCEEDED', 'SKIPPED', 'FAILED', 'CANCELLED'].map((state) =>
      migrate('i1', 'h1', 'h3', state),
    );
    expect(hostImpact(rows, [...done, nop])).toEqual([]);
  });
});
