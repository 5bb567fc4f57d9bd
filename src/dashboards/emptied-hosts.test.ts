import { describe, expect, it } from 'vitest';
import { clusterModel } from '../../test/helpers/cluster-model-builder.js';
import { hostsEmptiedBy } from './emptied-hosts.js';

describe('hosts an action plan would empty', () => {
  const model = clusterModel()
    .host('h1')
    .host('h2')
    .host('h3')
    .host('idle')
    .instance('i1', 'h1')
    .instance('i2', 'h1')
    .instance('i3', 'h2')
    .instance('i4', 'h3')
    .build();
  const migrate = (resource_id: string, destination_node?: string) => ({
    actionType: 'migrate',
    inputParameters: { resource_id, source_node: 'x', ...(destination_node && { destination_node }) },
  });

  it('lists hosts that held instances before the plan and none after it', () => {
    const emptied = hostsEmptiedBy(model, [
      migrate('i1', 'h3'),
      migrate('i2', 'h3'),
      migrate('i3'),
      { actionType: 'change_nova_service_state', inputParameters: { resource_id: 'h1', state: 'disabled' } },
    ]);
    expect(emptied).toEqual({
      hosts: [
        { hostname: 'h1', instancesMovedOut: 2 },
        { hostname: 'h2', instancesMovedOut: 1 },
      ],
      unplacedMoves: 1,
    });
    // A host that was already empty is not "emptied" by the plan; the model itself is left as it was.
    expect(model.instancesOn('h1')).toHaveLength(2);
  });

  it('does not count a host the plan moves instances back onto', () => {
    expect(hostsEmptiedBy(model, [migrate('i3', 'h1'), migrate('i4', 'h2')]).hosts).toEqual([
      { hostname: 'h3', instancesMovedOut: 1 },
    ]);
  });
});
