/** How the contract suite (test/contracts/actions.test.ts) exercises this plugin; it fails when this file is missing. */
import type { ActionContractFixture } from '../../../test/contracts/action.contract.js';

export const fixture = {
  parameters: {
    resource_id: '6ae05517-a512-462d-9d83-90c313b5a8ff',
    state: 'off',
    resource_name: 'compute2',
  },
  needsCloud: true,
  waits: true,
  simulated(cloud) {
    const instances = [...cloud.state.instances.values()];
    const empty = cloud.state.hosts.find((h) => !instances.some((i) => i.host === h.hostname))!;
    const busy = cloud.state.hosts.find((h) => h !== empty)!;
    return {
      todo: { resource_id: empty.id, state: 'off', resource_name: empty.hostname },
      done: { resource_id: busy.id, state: 'on', resource_name: busy.hostname },
    };
  },
} satisfies ActionContractFixture;
