/** How the contract suite (test/contracts/actions.test.ts) exercises this plugin; it fails when this file is missing. */
import type { ActionContractFixture } from '../../../test/contracts/action.contract.js';

export const fixture = {
  parameters: {
    resource_id: '6ae05517-a512-462d-9d83-90c313b5a8ff',
    trait: 'CUSTOM_STEWARD_CONTRACT',
    resource_name: 'compute2',
  },
  needsCloud: true,
  waits: false,
  simulated(cloud) {
    const host = cloud.state.hosts[0]!;
    return {
      todo: { resource_id: host.id, trait: host.traits[0]!, resource_name: host.hostname },
      done: { resource_id: host.id, trait: 'CUSTOM_STEWARD_ABSENT', resource_name: host.hostname },
    };
  },
} satisfies ActionContractFixture;
