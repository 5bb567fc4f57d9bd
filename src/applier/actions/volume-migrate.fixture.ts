/** How the contract suite (test/contracts/actions.test.ts) exercises this plugin; it fails when this file is missing. */
import type { ActionContractFixture } from '../../../test/contracts/action.contract.js';

export const fixture = {
  parameters: {
    resource_id: '6ae05517-a512-462d-9d83-90c313b5a8ff',
    migration_type: 'migrate',
    destination_node: 'cinder-volume-0@lvm#pool-b',
  },
  needsCloud: true,
  waits: true,
  simulated(cloud) {
    const volume = cloud.state.volumes[0]!;
    const backend = cloud.state.pools.find((p) => p.name === volume.pool)!.backend;
    const target = cloud.state.pools.find((p) => p.backend === backend && p.name !== volume.pool)!;
    return {
      todo: { resource_id: volume.id, migration_type: 'migrate', destination_node: target.name },
      done: { resource_id: volume.id, migration_type: 'migrate', destination_node: volume.pool },
    };
  },
} satisfies ActionContractFixture;
