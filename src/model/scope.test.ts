import { describe, expect, it } from 'vitest';
import { clusterModel, snapshotOf } from '../../test/helpers/cluster-model-builder.js';
import { ScopeError, scopeComputeModel, unknownNamesInScope } from './scope.js';

/** h1, h2 in az1 (h1 also in aggregate 1 "gpu"); h3 in az2 and aggregate 2 "ssd"; h4 in no aggregate, zone nova. */
const model = clusterModel()
  .host('h1')
  .host('h2')
  .host('h3')
  .host('h4')
  .aggregate(10, 'az1-agg', ['h1', 'h2'], { availabilityZone: 'az1', metadata: { availability_zone: 'az1' } })
  .aggregate(20, 'az2-agg', ['h3'], { availabilityZone: 'az2', metadata: { availability_zone: 'az2' } })
  .aggregate(1, 'gpu', ['h1'])
  .aggregate(2, 'ssd', ['h3'])
  .instance('i1', 'h1', { projectId: 'p1', metadata: { optimize: 'False' } })
  .instance('i2', 'h2', { projectId: 'p2' })
  .instance('i3', 'h3', { projectId: 'p1', metadata: { optimize: 'true', tier: 'db' } })
  .instance('i4', 'h4', { projectId: 'p2' })
  .instance('shelved', null, { state: 'shelved_offloaded' })
  .build();

const hostsOf = (scope: unknown[]) =>
  [...scopeComputeModel(model, scope).nodes()].map((node) => node.hostname).sort();
const instancesOf = (scope: unknown[]) =>
  [...scopeComputeModel(model, scope).instances()].map((element) => element.uuid).sort();
const excludedOf = (scope: unknown[]) =>
  [...scopeComputeModel(model, scope).instances()]
    .filter((element) => element.watcherExclude === true)
    .map((element) => element.uuid)
    .sort();

const compute = (...rules: unknown[]) => [{ compute: rules }];

describe('scopeComputeModel: which hosts stay', () => {
  it.each<[string, unknown[], string[]]>([
    ['an empty scope keeps every host', [], ['h1', 'h2', 'h3', 'h4']],
    [
      'a storage-only scope keeps every host',
      [{ storage: [{ availability_zones: [{ name: 'az1' }] }] }],
      ['h1', 'h2', 'h3', 'h4'],
    ],
    [
      'an availability zone keeps its hosts',
      compute({ availability_zones: [{ name: 'az1' }] }),
      ['h1', 'h2'],
    ],
    [
      'a zone without an aggregate (the default zone) keeps its hosts',
      compute({ availability_zones: [{ name: 'nova' }] }),
      ['h4'],
    ],
    [
      'the zone wildcard keeps every host',
      compute({ availability_zones: [{ name: '*' }] }),
      ['h1', 'h2', 'h3', 'h4'],
    ],
    ['an aggregate by id keeps its hosts', compute({ host_aggregates: [{ id: 1 }] }), ['h1']],
    ['an aggregate id given as a string matches too', compute({ host_aggregates: [{ id: '2' }] }), ['h3']],
    ['an aggregate by name keeps its hosts', compute({ host_aggregates: [{ name: 'ssd' }] }), ['h3']],
    [
      'the aggregate wildcard keeps every host in some aggregate',
      compute({ host_aggregates: [{ id: '*' }] }),
      ['h1', 'h2', 'h3'],
    ],
    [
      'an aggregate that matches nothing leaves an empty model',
      compute({ host_aggregates: [{ name: 'nope' }] }),
      [],
    ],
    [
      'a zone that matches nothing leaves an empty model',
      compute({ availability_zones: [{ name: 'nope' }] }),
      [],
    ],
    [
      'include rules add up (upstream unions them)',
      compute({ host_aggregates: [{ id: 1 }] }, { availability_zones: [{ name: 'az2' }] }),
      ['h1', 'h3'],
    ],
    [
      'an empty include rule followed by a matching one keeps the matches',
      compute({ host_aggregates: [{ name: 'nope' }] }, { host_aggregates: [{ id: 2 }] }),
      ['h3'],
    ],
    [
      'compute_nodes keeps the named hosts',
      compute({ compute_nodes: [{ name: 'h2' }, { name: 'h4' }] }),
      ['h2', 'h4'],
    ],
    [
      'an excluded host is removed',
      compute({ exclude: [{ compute_nodes: [{ name: 'h2' }] }] }),
      ['h1', 'h3', 'h4'],
    ],
    [
      'an excluded aggregate removes its hosts',
      compute({ exclude: [{ host_aggregates: [{ name: 'az1-agg' }] }] }),
      ['h3', 'h4'],
    ],
    [
      'exclusion applies after inclusion',
      compute({ availability_zones: [{ name: 'az1' }] }, { exclude: [{ compute_nodes: [{ name: 'h1' }] }] }),
      ['h2'],
    ],
    [
      'the short form (a bare compute rule list) is read as compute rules',
      [{ availability_zones: [{ name: 'az2' }] }],
      ['h3'],
    ],
    [
      'the first non-empty compute entry is the one used',
      [{ storage: [] }, { compute: [{ host_aggregates: [{ id: 2 }] }] }],
      ['h3'],
    ],
  ])('%s', (_name, scope, expected) => {
    expect(hostsOf(scope)).toEqual(expected);
  });
});

describe('scopeComputeModel: instances', () => {
  it.each<[string, unknown[], string[]]>([
    [
      'instances go with their removed host; unplaced ones stay',
      compute({ availability_zones: [{ name: 'az1' }] }),
      ['i1', 'i2', 'shelved'],
    ],
    [
      'an excluded instance stays in the model',
      compute({ exclude: [{ instances: [{ uuid: 'i2' }] }] }),
      ['i1', 'i2', 'i3', 'i4', 'shelved'],
    ],
  ])('%s', (_name, scope, expected) => {
    expect(instancesOf(scope)).toEqual(expected);
  });

  it.each<[string, unknown[], string[]]>([
    ['no exclusion flags nothing', [], []],
    ['by uuid', compute({ exclude: [{ instances: [{ uuid: 'i2' }, { uuid: 'unknown' }] }] }), ['i2']],
    ['by project', compute({ exclude: [{ projects: [{ uuid: 'p1' }] }] }), ['i1', 'i3']],
    [
      'by metadata, values compared case-insensitively',
      compute({ exclude: [{ instance_metadata: [{ optimize: 'false' }] }] }),
      ['i1'],
    ],
    [
      'by metadata, every key present and one value matching (upstream)',
      compute({ exclude: [{ instance_metadata: [{ optimize: 'true' }, { tier: 'web' }] }] }),
      ['i3'],
    ],
    [
      'by metadata, a key the instance lacks matches nothing',
      compute({ exclude: [{ instance_metadata: [{ owner: 'x' }] }] }),
      [],
    ],
    [
      'only among instances that stay',
      compute({ availability_zones: [{ name: 'az2' }] }, { exclude: [{ projects: [{ uuid: 'p1' }] }] }),
      ['i3'],
    ],
  ])('flags excluded instances %s', (_name, scope, expected) => {
    expect(excludedOf(scope)).toEqual(expected);
  });

  it('ignores instance_metadata exclusions when told to, as upstream does without check_optimize_metadata', () => {
    const scoped = scopeComputeModel(
      model,
      compute({ exclude: [{ instance_metadata: [{ optimize: 'false' }] }] }),
      { excludeByMetadata: false },
    );
    expect([...scoped.instances()].some((element) => element.watcherExclude === true)).toBe(false);
  });
});

describe('scopeComputeModel: contract', () => {
  it('returns copies and leaves the input model unchanged', () => {
    const before = snapshotOf(model);
    const scoped = scopeComputeModel(model, compute({ exclude: [{ instances: [{ uuid: 'i1' }] }] }));
    scoped.getInstance('i2')!.name = 'changed';
    scoped.moveInstance('i1', 'h4');
    expect(snapshotOf(model)).toEqual(before);
  });

  it('keeps every aggregate so strategies can still read them', () => {
    expect(
      [...scopeComputeModel(model, compute({ host_aggregates: [{ id: 1 }] })).aggregates()]
        .map((aggregate) => aggregate.id)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 10, 20]);
  });

  it('keeps the usage of a kept host, excluded instances included', () => {
    const scoped = scopeComputeModel(model, compute({ exclude: [{ instances: [{ uuid: 'i1' }] }] }));
    expect(scoped.usage('h1')).toEqual(model.usage('h1'));
  });

  it.each<[string, unknown[]]>([
    ['an aggregate wildcard mixed with ids', compute({ host_aggregates: [{ id: '*' }, { id: 1 }] })],
    ['a zone wildcard mixed with names', compute({ availability_zones: [{ name: '*' }, { name: 'az1' }] })],
  ])('rejects %s, as upstream does', (_name, scope) => {
    expect(() => scopeComputeModel(model, scope)).toThrow(ScopeError);
  });
});

describe('unknownNamesInScope', () => {
  it('names the included and excluded hosts and the zones the model does not have, wildcards aside', () => {
    const scope = [
      {
        compute: [
          { compute_nodes: [{ name: 'h1' }, { name: 'h9' }] },
          { availability_zones: [{ name: 'az1' }, { name: 'az7' }] },
          { exclude: [{ compute_nodes: [{ name: 'h3' }, { name: 'gone' }] }] },
        ],
      },
    ];
    expect(unknownNamesInScope(model, scope)).toEqual({ hosts: ['h9', 'gone'], zones: ['az7'] });
    expect(unknownNamesInScope(model, [{ availability_zones: [{ name: '*' }] }])).toEqual({
      hosts: [],
      zones: [],
    });
  });
});
