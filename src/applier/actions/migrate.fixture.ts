/** How the contract suite (test/contracts/actions.test.ts) exercises this plugin; it fails when this file is missing. */
import type { ActionContractFixture } from '../../../test/contracts/action.contract.js';

export const fixture = {
  parameters: {
    resource_id: '6ae05517-a512-462d-9d83-90c313b5a8ff',
    migration_type: 'live',
    source_node: 'compute2',
    destination_node: 'compute3',
  },
  needsCloud: true,
  waits: true,
  simulated(cloud) {
    const instance = [...cloud.state.instances.values()].find(
      (i) => i.vmState === 'active' && i.taskState === null && i.host !== null,
    )!;
    const source = instance.host!;
    const elsewhere = cloud.state.hosts.find((h) => h.hostname !== source)!.hostname;
    return {
      todo: { resource_id: instance.id, migration_type: 'live', source_node: source },
      done: { resource_id: instance.id, migration_type: 'live', source_node: elsewhere },
      afterAbort(after) {
        const migration = after.state.migrations.at(-1);
        if (migration?.status !== 'cancelled' || after.state.instances.get(instance.id)?.host !== source)
          throw new Error(
            `the aborted live migration is ${migration?.status}, the instance on ${after.state.instances.get(instance.id)?.host}`,
          );
      },
    };
  },
} satisfies ActionContractFixture;
