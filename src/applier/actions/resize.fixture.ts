/** How the contract suite (test/contracts/actions.test.ts) exercises this plugin; it fails when this file is missing. */
import type { ActionContractFixture } from '../../../test/contracts/action.contract.js';

export const fixture = {
  parameters: { resource_id: '6ae05517-a512-462d-9d83-90c313b5a8ff', flavor: 'x2' },
  needsCloud: true,
  waits: true,
  simulated(cloud) {
    const instance = [...cloud.state.instances.values()].find(
      (i) => i.vmState === 'active' && i.host !== null,
    )!;
    const other = cloud.state.flavors.find((f) => f.id !== instance.flavor.id && f.ramMb <= 4096)!;
    return {
      todo: { resource_id: instance.id, flavor: other.name },
      done: { resource_id: instance.id, flavor: instance.flavor.name },
    };
  },
} satisfies ActionContractFixture;
