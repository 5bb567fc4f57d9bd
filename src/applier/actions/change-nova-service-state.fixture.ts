/** How the contract suite (test/contracts/actions.test.ts) exercises this plugin; it fails when this file is missing. */
import type { ActionContractFixture } from '../../../test/contracts/action.contract.js';

export const fixture = {
  parameters: {
    resource_id: '6ae05517-a512-462d-9d83-90c313b5a8ff',
    state: 'disabled',
    resource_name: 'compute2',
    disabled_reason: 'contract',
  },
  needsCloud: true,
  waits: false,
  simulated(cloud) {
    const [first, second] = cloud.state.hosts;
    return {
      todo: {
        resource_id: first!.id,
        state: 'disabled',
        resource_name: first!.hostname,
        disabled_reason: 'contract',
      },
      done: { resource_id: second!.id, state: 'enabled', resource_name: second!.hostname },
    };
  },
} satisfies ActionContractFixture;
