/** How the contract suite (test/contracts/actions.test.ts) exercises this plugin; it fails when this file is missing. */
import type { ActionContractFixture } from '../../../test/contracts/action.contract.js';

export const fixture = {
  parameters: { resource_id: '6ae05517-a512-462d-9d83-90c313b5a8ff' },
  needsCloud: true,
  waits: true,
  simulated(cloud) {
    const [stopped, running] = [...cloud.state.instances.values()];
    stopped!.vmState = 'stopped';
    stopped!.powerState = 4;
    return { todo: { resource_id: stopped!.id }, done: { resource_id: running!.id } };
  },
} satisfies ActionContractFixture;
