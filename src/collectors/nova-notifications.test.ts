import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clusterModel, snapshotOf } from '../../test/helpers/cluster-model-builder.js';
import { encodeOsloEnvelope } from '../bus/oslo-envelope.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { ComputeNode, HostAggregate, Instance } from '../model/elements.js';
import {
  EVENT_HANDLING,
  MessageIdWindow,
  NovaNotificationCollector,
  decodeNovaNotification,
  parseNovaTime,
  type NotificationOutcome,
  type NotificationResult,
} from './nova-notifications.js';

const FIXTURES = new URL('../../test/fixtures/nova-notifications/', import.meta.url);
const SAMPLE_FILES = readdirSync(FIXTURES)
  .filter((file) => file.endsWith('.json'))
  .sort();
const sample = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as Record<string, unknown>;

/** The placeholders Nova's samples use. */
const SAMPLE_UUID = '178b0921-8f85-4257-88b6-2e743b5a975c';
const TASK_UUID = 'd5e6a7b7-80e5-4166-85a3-cd6115201082';
const PROJECT = '6f70656e737461636b20342065766572';
const SAMPLE_TIME = new Date('2012-10-29T13:42:11Z');
const BEFORE_SAMPLE = new Date('2012-10-29T13:00:00Z');
const RECEIVED = new Date('2026-01-01T00:00:00Z');

const testFlavor = {
  id: 'test_flavor',
  name: 'test_flavor',
  vcpus: 1,
  memoryMb: 512,
  diskGb: 1,
  extraSpecs: { 'hw:watchdog_action': 'disabled' },
};
const otherFlavor = {
  id: 'other_flavor',
  name: 'other_flavor',
  vcpus: 1,
  memoryMb: 256,
  diskGb: 1,
  extraSpecs: { 'hw:watchdog_action': 'reset' },
};

/** What the model holds for the sample instance before an event: the sample's own values, a little older. */
const sampleInstance: Partial<Instance> = {
  name: 'some-server',
  projectId: PROJECT,
  flavor: testFlavor,
  vcpus: 1,
  memoryMb: 512,
  diskGb: 1,
  updatedAt: BEFORE_SAMPLE,
};

interface Given {
  /** Overrides of the sample instance (on host `compute`), or 'absent' to leave it out. */
  instance?: Partial<Instance> | 'absent';
  withoutHosts?: string[];
  nodes?: Record<string, Partial<ComputeNode>>;
  /** Aggregate 1 "my-aggregate" in zone nova, as in the samples, with these hosts. */
  aggregateHosts?: string[];
}

function givenModel(given: Given = {}): ClusterModel {
  const builder = clusterModel();
  for (const hostname of ['compute', 'host2', 'host1']) {
    if (!given.withoutHosts?.includes(hostname)) builder.host(hostname, given.nodes?.[hostname] ?? {});
  }
  if (given.aggregateHosts) {
    builder.aggregate(1, 'my-aggregate', given.aggregateHosts, {
      availabilityZone: 'nova',
      metadata: { availability_zone: 'nova' },
    });
  }
  if (given.instance !== 'absent')
    builder.instance(SAMPLE_UUID, 'compute', { ...sampleInstance, ...given.instance });
  builder.instance(TASK_UUID, 'compute', { taskState: 'migrating', updatedAt: BEFORE_SAMPLE });
  return builder.build();
}

interface Expectation {
  outcome: NotificationOutcome;
  given?: Given;
  /** Fields of the sample instance after the event, or 'absent'. */
  instance?: Partial<Instance> | 'absent';
  taskInstance?: Partial<Instance>;
  node?: [string, Partial<ComputeNode> | 'absent'];
  aggregate?: Partial<HostAggregate> | 'absent';
}

const task = (taskState: string | null, extra: Partial<Instance> = {}): Expectation => ({
  outcome: 'applied',
  instance: { hostname: 'compute', taskState, ...extra },
});
const state = (vmState: Instance['state'], extra: Partial<Instance> = {}): Expectation => ({
  outcome: 'applied',
  instance: { hostname: 'compute', state: vmState, taskState: null, ...extra },
});
const unchanged: Expectation = { outcome: 'no_change' };
const migrating = task('migrating');

/** Every sample file, with the change it must cause. A file without an entry fails the test below. */
const EXPECTATIONS: Record<string, Expectation> = {
  'aggregate-add_host-end.json': {
    outcome: 'applied',
    given: { aggregateHosts: [] },
    aggregate: { hosts: ['compute'] },
    node: ['compute', { aggregates: [1], availabilityZone: 'nova' }],
  },
  'aggregate-add_host-start.json': { ...unchanged, given: { aggregateHosts: [] } },
  'aggregate-create-end.json': {
    outcome: 'applied',
    aggregate: {
      id: 1,
      name: 'my-aggregate',
      availabilityZone: 'nova',
      hosts: [],
      metadata: { availability_zone: 'nova' },
    },
  },
  'aggregate-create-start.json': unchanged,
  'aggregate-delete-end.json': { outcome: 'applied', given: { aggregateHosts: [] }, aggregate: 'absent' },
  'aggregate-delete-start.json': { ...unchanged, given: { aggregateHosts: [] } },
  'aggregate-remove_host-end.json': {
    outcome: 'applied',
    given: { aggregateHosts: ['compute'] },
    aggregate: { hosts: [] },
    node: ['compute', { aggregates: [], availabilityZone: 'nova' }],
  },
  'aggregate-remove_host-start.json': { ...unchanged, given: { aggregateHosts: ['compute'] } },
  'aggregate-update_metadata-end.json': {
    outcome: 'applied',
    given: { aggregateHosts: [] },
    aggregate: { availabilityZone: 'AZ-1', metadata: { availability_zone: 'AZ-1' } },
  },
  'aggregate-update_metadata-start.json': { ...unchanged, given: { aggregateHosts: [] } },
  'compute-exception.json': unchanged,
  'compute_task-migrate_server-error.json': {
    outcome: 'applied',
    taskInstance: { state: 'active', taskState: null, hostname: 'compute' },
  },
  'instance-create-end.json': {
    outcome: 'applied',
    given: { instance: 'absent' },
    instance: {
      name: 'some-server',
      state: 'active',
      taskState: null,
      hostname: 'compute',
      projectId: PROJECT,
      flavor: { ...testFlavor, id: 'a22d5517-147c-4147-a0d1-e698df5cd4e3' },
      vcpus: 1,
      memoryMb: 512,
      diskGb: 1,
      locked: false,
      metadata: {},
      pinnedAvailabilityZone: null,
      serverGroup: null,
      updatedAt: SAMPLE_TIME,
    },
  },
  'instance-create-error.json': {
    outcome: 'applied',
    given: { instance: 'absent' },
    instance: { state: 'building', hostname: null, updatedAt: SAMPLE_TIME },
  },
  // updated_at is null before the first save, and the sample has no envelope time: the receive time stamps it.
  'instance-create-start.json': {
    outcome: 'applied',
    given: { instance: 'absent' },
    instance: { state: 'building', hostname: null, updatedAt: RECEIVED },
  },
  'instance-delete-end.json': { outcome: 'applied', instance: 'absent' },
  'instance-delete-end_compute_down.json': { outcome: 'applied', instance: 'absent' },
  'instance-delete-end_not_scheduled.json': {
    outcome: 'applied',
    given: { instance: { hostname: null, state: 'error', taskState: 'deleting' } },
    instance: 'absent',
  },
  'instance-delete-start.json': task('deleting'),
  'instance-delete-start_compute_down.json': task('deleting'),
  'instance-delete-start_not_scheduled.json': {
    outcome: 'applied',
    given: { instance: { hostname: null, state: 'error' } },
    instance: { hostname: null, state: 'error', taskState: 'deleting' },
  },
  // nova-api sends it with the failed host; the instance stays there until the rebuild on the new host ends.
  'instance-evacuate.json': task('rebuilding'),
  'instance-live_migration_abort-end.json': migrating,
  'instance-live_migration_abort-start.json': migrating,
  'instance-live_migration_force_complete-end.json': migrating,
  'instance-live_migration_force_complete-start.json': migrating,
  // Bug 2104220: the source's stale copy must not move the instance back nor mark it migrating again.
  'instance-live_migration_post-end.json': {
    outcome: 'no_change',
    given: { instance: { hostname: 'host2' } },
    instance: { hostname: 'host2', taskState: null },
  },
  'instance-live_migration_post-start.json': migrating,
  'instance-live_migration_post_dest-end.json': {
    outcome: 'applied',
    given: { instance: { taskState: 'migrating' } },
    instance: { hostname: 'host2', taskState: null },
  },
  'instance-live_migration_post_dest-start.json': migrating,
  'instance-live_migration_pre-end.json': migrating,
  'instance-live_migration_pre-start.json': migrating,
  'instance-live_migration_rollback-end.json': {
    ...task(null),
    given: { instance: { taskState: 'migrating' } },
  },
  'instance-live_migration_rollback-start.json': migrating,
  'instance-live_migration_rollback_dest-end.json': migrating,
  'instance-live_migration_rollback_dest-start.json': migrating,
  'instance-lock-with-reason.json': task(null, { locked: true }),
  'instance-lock.json': task(null, { locked: true }),
  'instance-pause-end.json': state('paused'),
  'instance-pause-start.json': task('pausing'),
  'instance-power_off-end.json': state('stopped'),
  'instance-power_off-start.json': task('powering-off'),
  'instance-power_on-end.json': { ...state('active'), given: { instance: { state: 'stopped' } } },
  'instance-power_on-start.json': {
    ...task('powering-on', { state: 'stopped' }),
    given: { instance: { state: 'stopped' } },
  },
  'instance-rebuild-end.json': { ...task(null), given: { instance: { taskState: 'rebuilding' } } },
  'instance-rebuild-error.json': task('rebuilding'),
  'instance-rebuild-start.json': task('rebuilding'),
  'instance-rebuild_scheduled.json': task('rebuilding'),
  'instance-rescue-end.json': state('rescued'),
  'instance-rescue-start.json': task('rescuing'),
  'instance-resize-end.json': task('resize_migrated'),
  'instance-resize-error.json': task('resize_prep'),
  'instance-resize-start.json': task('resize_migrating'),
  'instance-resize_confirm-end.json': {
    ...state('active', {
      flavor: {
        id: '2',
        name: 'm1.small',
        vcpus: 1,
        memoryMb: 2048,
        diskGb: 20,
        extraSpecs: testFlavor.extraSpecs,
      },
      memoryMb: 2048,
      diskGb: 20,
    }),
    given: { instance: { state: 'resized' } },
  },
  'instance-resize_confirm-start.json': state('resized', { memoryMb: 2048, diskGb: 20 }),
  'instance-resize_finish-end.json': state('resized', {
    memoryMb: 256,
    flavor: { ...otherFlavor, id: 'd5a8bb54-365a-45ae-abdb-38d249df7845' },
  }),
  'instance-resize_finish-start.json': task('resize_finish', { memoryMb: 256 }),
  'instance-resize_prep-end.json': task('resize_prep'),
  'instance-resize_prep-start.json': task('resize_prep'),
  'instance-resize_revert-end.json': {
    ...state('active', {
      memoryMb: 512,
      flavor: { ...testFlavor, id: 'a22d5517-147c-4147-a0d1-e698df5cd4e3' },
    }),
    given: { instance: { state: 'resized', flavor: otherFlavor, memoryMb: 256 } },
  },
  'instance-resize_revert-start.json': task('resize_reverting', { state: 'resized', memoryMb: 256 }),
  'instance-restore-end.json': { ...state('active'), given: { instance: { state: 'soft-delete' } } },
  'instance-restore-start.json': {
    ...task('restoring', { state: 'soft-delete' }),
    given: { instance: { state: 'soft-delete' } },
  },
  'instance-resume-end.json': { ...state('active'), given: { instance: { state: 'suspended' } } },
  'instance-resume-start.json': {
    ...task('resuming', { state: 'suspended' }),
    given: { instance: { state: 'suspended' } },
  },
  'instance-shelve-end.json': state('shelved'),
  'instance-shelve-start.json': task('shelving'),
  // Offloaded: the instance left the hypervisor, so its resources no longer count on the host.
  'instance-shelve_offload-end.json': {
    outcome: 'applied',
    given: { instance: { state: 'shelved' } },
    instance: { hostname: null, state: 'shelved_offloaded', taskState: null },
  },
  'instance-shelve_offload-start.json': {
    ...task('shelving_offloading', { state: 'shelved' }),
    given: { instance: { state: 'shelved' } },
  },
  'instance-shutdown-end.json': task('deleting'),
  'instance-shutdown-start.json': task('deleting'),
  // Kept, unlike upstream: a soft-deleted instance still holds its allocation until reclaimed (delete.end).
  'instance-soft_delete-end.json': state('soft-delete'),
  'instance-soft_delete-start.json': task('soft-deleting'),
  'instance-suspend-end.json': state('suspended'),
  'instance-suspend-start.json': task('suspending'),
  'instance-unlock.json': { ...task(null, { locked: false }), given: { instance: { locked: true } } },
  'instance-unpause-end.json': { ...state('active'), given: { instance: { state: 'paused' } } },
  'instance-unpause-start.json': {
    ...task('unpausing', { state: 'paused' }),
    given: { instance: { state: 'paused' } },
  },
  'instance-unrescue-end.json': { ...state('active'), given: { instance: { state: 'rescued' } } },
  'instance-unrescue-start.json': {
    ...task('unrescuing', { state: 'rescued' }),
    given: { instance: { state: 'rescued' } },
  },
  'instance-unshelve-end.json': {
    ...state('active'),
    given: { instance: { hostname: null, state: 'shelved_offloaded' } },
  },
  'instance-unshelve-start.json': {
    outcome: 'applied',
    given: { instance: { hostname: null, state: 'shelved_offloaded' } },
    instance: { hostname: null, state: 'shelved_offloaded', taskState: 'unshelving' },
  },
  // Only tags changed, which the model does not hold.
  'instance-update-tags-action.json': { outcome: 'no_change', instance: { updatedAt: SAMPLE_TIME } },
  'instance-update.json': task('scheduling'),
  // A new host's capacity comes only from Placement: the provider syncs.
  'service-create.json': {
    outcome: 'needs_resync',
    given: { withoutHosts: ['host2'] },
    node: ['host2', 'absent'],
  },
  'service-delete.json': { outcome: 'applied', node: ['host2', 'absent'] },
  'service-update.json': {
    outcome: 'applied',
    given: { nodes: { host1: { status: 'disabled', disabledReason: 'maintenance', state: 'down' } } },
    node: ['host1', { status: 'enabled', disabledReason: null, state: 'up' }],
  },
};

/** A snapshot without freshness stamps: what a no-change event must leave exactly as it was. */
function contentOf(model: ClusterModel) {
  const picture = snapshotOf(model);
  return {
    nodes: picture.nodes.map(({ updatedAt: _stamp, ...node }) => node),
    instances: picture.instances.map(({ updatedAt: _stamp, ...element }) => element),
    aggregates: picture.aggregates.map(({ updatedAt: _stamp, ...aggregate }) => aggregate),
  };
}

const collector = () => new NovaNotificationCollector();

describe('every Nova sample', () => {
  it('has an expectation, and every expectation has a sample', () => {
    expect(SAMPLE_FILES.length).toBeGreaterThanOrEqual(87);
    expect(Object.keys(EXPECTATIONS).sort()).toEqual(SAMPLE_FILES);
  });

  it('has a handling entry for its event type', () => {
    const missing = SAMPLE_FILES.map((file) => sample(file).event_type as string).filter(
      (eventType) => !(eventType in EVENT_HANDLING),
    );
    expect(missing).toEqual([]);
  });

  it.each(SAMPLE_FILES)('%s changes the model as expected', (file) => {
    const expectation = EXPECTATIONS[file];
    expect(expectation, `no expectation for ${file}`).toBeDefined();
    if (!expectation) return;
    const model = givenModel(expectation.given);
    const before = contentOf(model);
    const result = collector().handle(model, sample(file), RECEIVED);
    expect(result.outcome, result.reason).toBe(expectation.outcome);
    if (expectation.outcome !== 'applied') expect(contentOf(model)).toEqual(before);

    if (expectation.instance === 'absent') expect(model.getInstance(SAMPLE_UUID)).toBeUndefined();
    else if (expectation.instance) expect(model.getInstance(SAMPLE_UUID)).toMatchObject(expectation.instance);
    if (expectation.taskInstance)
      expect(model.getInstance(TASK_UUID)).toMatchObject(expectation.taskInstance);
    if (expectation.node) {
      const [hostname, node] = expectation.node;
      if (node === 'absent') expect(model.getNode(hostname)).toBeUndefined();
      else expect(model.getNode(hostname)).toMatchObject(node);
    }
    if (expectation.aggregate === 'absent') expect(model.getAggregate(1)).toBeUndefined();
    else if (expectation.aggregate) expect(model.getAggregate(1)).toMatchObject(expectation.aggregate);

    // The instance index follows the host: usage moves with the instance.
    const instance = model.getInstance(SAMPLE_UUID);
    for (const hostname of ['compute', 'host2']) {
      const placed = model.instancesOn(hostname).some((element) => element.uuid === SAMPLE_UUID);
      expect(placed).toBe(instance?.hostname === hostname);
    }
  });
});

describe('live migration (bug 2104220)', () => {
  const sequence = [
    'instance-live_migration_pre-start.json',
    'instance-live_migration_pre-end.json',
    'instance-live_migration_post-start.json',
    'instance-live_migration_post_dest-start.json',
    'instance-live_migration_post_dest-end.json',
    'instance-live_migration_post-end.json',
  ];

  it('pre → post.start → post_dest.start → post_dest.end → post.end leaves the instance on the destination', () => {
    const model = givenModel();
    const seen = new NovaNotificationCollector();
    const outcomes = sequence.map((file) => seen.handle(model, sample(file)).outcome);
    expect(outcomes).toEqual(['applied', 'no_change', 'no_change', 'no_change', 'applied', 'no_change']);
    expect(model.getInstance(SAMPLE_UUID)).toMatchObject({ hostname: 'host2', taskState: null });
    expect(model.usage('host2')).toEqual({ vcpus: 1, memoryMb: 512, diskGb: 1 });
    expect(model.instancesOn('compute').map((element) => element.uuid)).toEqual([TASK_UUID]);
  });

  it('a late post.end with an older updated_at is stale, not a move back', () => {
    const model = givenModel({
      instance: { hostname: 'host2', updatedAt: new Date('2012-10-29T13:42:12Z') },
    });
    expect(collector().handle(model, sample('instance-live_migration_post-end.json')).outcome).toBe(
      'no_change',
    );
    expect(collector().handle(model, sample('instance-live_migration_post_dest-start.json')).outcome).toBe(
      'stale',
    );
    expect(model.getInstance(SAMPLE_UUID)?.hostname).toBe('host2');
  });
});

describe('host and zone rules', () => {
  const withPayload = (file: string, data: Record<string, unknown>, top: Record<string, unknown> = {}) => {
    const message = sample(file);
    const payload = message.payload as Record<string, unknown>;
    return {
      ...message,
      ...top,
      payload: { ...payload, 'nova_object.data': { ...(payload['nova_object.data'] as object), ...data } },
    };
  };

  it('puts an evacuated instance on the compute host that finished the rebuild', () => {
    const model = givenModel({ instance: { taskState: 'rebuilding' } });
    const result = collector().handle(
      model,
      withPayload('instance-rebuild-end.json', {}, { publisher_id: 'nova-compute:host2' }),
    );
    expect(result.outcome).toBe('applied');
    expect(model.getInstance(SAMPLE_UUID)).toMatchObject({ hostname: 'host2', taskState: null });
  });

  it('asks for a sync when an instance event names a host the model lacks, and changes nothing', () => {
    const model = givenModel({ instance: 'absent' });
    const before = snapshotOf(model);
    const result = collector().handle(model, withPayload('instance-create-end.json', { host: 'compute-99' }));
    expect(result).toMatchObject({
      outcome: 'needs_resync',
      reason: expect.stringContaining('compute-99') as unknown,
    });
    expect(snapshotOf(model)).toEqual(before);
  });

  it('updates a known host on service.create (a restarted service)', () => {
    const model = givenModel({ nodes: { host2: { status: 'enabled' } } });
    const result = collector().handle(
      model,
      withPayload('service-create.json', { disabled: true, disabled_reason: 'new host', forced_down: true }),
    );
    expect(result.outcome).toBe('applied');
    expect(model.getNode('host2')).toMatchObject({
      status: 'disabled',
      disabledReason: 'new host',
      state: 'down',
    });
  });

  it('ignores services other than nova-compute', () => {
    const model = givenModel();
    expect(
      collector().handle(model, withPayload('service-delete.json', { binary: 'nova-scheduler' })).outcome,
    ).toBe('no_change');
    expect(model.getNode('host2')).toBeDefined();
  });

  it('moves the member hosts to the zone an aggregate gets', () => {
    const model = givenModel({ aggregateHosts: ['compute', 'host2'] });
    const result = collector().handle(
      model,
      withPayload('aggregate-update_metadata-end.json', { hosts: ['compute', 'host2'] }),
    );
    expect(result.outcome).toBe('applied');
    expect(model.getNode('compute')?.availabilityZone).toBe('AZ-1');
    expect(model.getNode('host2')?.availabilityZone).toBe('AZ-1');
    expect(model.getNode('host1')?.availabilityZone).toBe('nova');
  });

  it('returns a host to the default zone when its zone aggregate is deleted', () => {
    const model = clusterModel()
      .host('compute')
      .aggregate(1, 'my-aggregate', ['compute'], { availabilityZone: 'AZ-1' })
      .build();
    expect(model.getNode('compute')?.availabilityZone).toBe('AZ-1');
    const result = new NovaNotificationCollector({ defaultAvailabilityZone: 'az-default' }).handle(
      model,
      sample('aggregate-delete-end.json'),
    );
    expect(result.outcome).toBe('applied');
    expect(model.getNode('compute')).toMatchObject({ availabilityZone: 'az-default', aggregates: [] });
  });

  it('asks for a sync when an aggregate names a host the model lacks', () => {
    const model = givenModel({ aggregateHosts: [] });
    const before = snapshotOf(model);
    expect(
      collector().handle(
        model,
        withPayload('aggregate-add_host-end.json', { hosts: ['compute', 'compute-99'] }),
      ).outcome,
    ).toBe('needs_resync');
    expect(snapshotOf(model)).toEqual(before);
  });
});

describe('the wire format', () => {
  it('reads the oslo 2.0 envelope with message_id and the naive-UTC timestamp', () => {
    const body = Buffer.from(
      JSON.stringify(
        encodeOsloEnvelope({
          ...sample('instance-pause-end.json'),
          message_id: 'm-1',
          timestamp: '2026-05-13 12:53:00.123456',
          _unique_id: 'x',
        }),
      ),
    );
    const decoded = decodeNovaNotification(body);
    expect(decoded.ok && decoded.notification).toMatchObject({
      messageId: 'm-1',
      eventType: 'instance.pause.end',
      publisherId: 'nova-compute:compute',
      priority: 'INFO',
      timestamp: new Date('2026-05-13T12:53:00.123Z'),
      payloadName: 'InstanceActionPayload',
    });
  });

  it('keeps what only the sync knows, capabilities and protected keys still present, across an instance.update', () => {
    const model = givenModel({
      instance: {
        metadata: { 'lifecycle:live-migratable': 'false' },
        capabilities: { live_migratable: false },
        protectedMetadata: { 'lifecycle:live-migratable': 'admin' },
      },
    });
    const update = sample('instance-update.json');
    const data = (update.payload as Record<string, unknown>)['nova_object.data'] as Record<string, unknown>;
    const withKey = (metadata: Record<string, string>) => ({
      ...update,
      payload: { ...(update.payload as object), 'nova_object.data': { ...data, metadata } },
    });
    expect(collector().handle(model, withKey({ 'lifecycle:live-migratable': 'false' })).outcome).toBe(
      'applied',
    );
    expect(model.getInstance(SAMPLE_UUID)).toMatchObject({
      taskState: 'scheduling',
      capabilities: { live_migratable: false },
      protectedMetadata: { 'lifecycle:live-migratable': 'admin' },
    });
    collector().handle(model, withKey({}));
    expect(model.getInstance(SAMPLE_UUID)?.protectedMetadata).toEqual({});
  });

  it('stamps an instance with the envelope time when updated_at is null', () => {
    const model = givenModel();
    const result = collector().handle(model, {
      ...sample('instance-update.json'),
      timestamp: '2026-05-13 12:53:00',
    });
    expect(result.outcome).toBe('applied');
    expect(model.getInstance(SAMPLE_UUID)?.updatedAt).toEqual(new Date('2026-05-13T12:53:00Z'));
  });

  it.each<[string, unknown, Date | undefined]>([
    ['oslo naive UTC with microseconds', '2026-05-13 12:53:00.123456', new Date('2026-05-13T12:53:00.123Z')],
    ['oslo naive UTC without fraction', '2026-05-13 12:53:00', new Date('2026-05-13T12:53:00Z')],
    ['ISO 8601 with Z', '2012-10-29T13:42:11Z', new Date('2012-10-29T13:42:11Z')],
    ['ISO 8601 with an offset', '2012-10-29T15:42:11+02:00', new Date('2012-10-29T13:42:11Z')],
    ['not a time', 'yesterday', undefined],
    ['not a string', 12, undefined],
  ])('parses %s', (_name, value, expected) => {
    expect(parseNovaTime(value)).toEqual(expected);
  });
});

describe('bad input is dropped with a reason and leaves the model unchanged', () => {
  const pause = sample('instance-pause-end.json');
  const pauseData = (pause.payload as Record<string, unknown>)['nova_object.data'] as Record<string, unknown>;
  const withData = (data: Record<string, unknown>, base = pause) => ({
    ...base,
    payload: {
      ...(base.payload as object),
      'nova_object.data': {
        ...((base.payload as Record<string, unknown>)['nova_object.data'] as object),
        ...data,
      },
    },
  });
  const { uuid: _uuid, ...pauseWithoutUuid } = pauseData;
  const flavorData = (pauseData.flavor as Record<string, unknown>)['nova_object.data'] as Record<
    string,
    unknown
  >;

  it.each<[string, unknown, NotificationOutcome, string]>([
    ['a body that is not JSON', '{"oslo.version": "2.0", "oslo.mess', 'dropped_malformed', 'not JSON'],
    ['a JSON array', '[1, 2]', 'dropped_malformed', 'not a JSON object'],
    [
      'an envelope whose oslo.message is not JSON',
      JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': '{"event_type": ' }),
      'dropped_malformed',
      'oslo.message is not JSON',
    ],
    [
      'an envelope of another major version',
      JSON.stringify({ 'oslo.version': '3.0', 'oslo.message': '{}' }),
      'dropped_malformed',
      'oslo.version',
    ],
    ['a message without event_type', { ...pause, event_type: undefined }, 'dropped_malformed', 'event_type'],
    [
      'a payload that is not a versioned object',
      { ...pause, payload: { uuid: SAMPLE_UUID } },
      'dropped_malformed',
      'nova_object.data',
    ],
    ['a bad envelope timestamp', { ...pause, timestamp: 'soon' }, 'dropped_malformed', 'timestamp'],
    [
      'an unknown event type',
      { ...pause, event_type: 'instance.exists' },
      'dropped_unknown',
      'instance.exists',
    ],
    [
      'a publisher that is not Nova',
      { ...pause, publisher_id: 'cinder-volume:host1' },
      'dropped_unknown',
      'cinder-volume',
    ],
    [
      'an instance payload missing uuid',
      { ...pause, payload: { ...(pause.payload as object), 'nova_object.data': pauseWithoutUuid } },
      'dropped_malformed',
      'uuid is missing',
    ],
    [
      'an instance payload with a host that is a number',
      withData({ host: 42 }),
      'dropped_malformed',
      'host is not a string or null',
    ],
    ['an unknown vm_state', withData({ state: 'flying' }), 'dropped_malformed', 'flying'],
    ['a bad updated_at', withData({ updated_at: 'later' }), 'dropped_malformed', 'updated_at'],
    ['metadata with a non-string value', withData({ metadata: { a: 1 } }), 'dropped_malformed', 'metadata'],
    [
      'a flavor with vcpus as a string',
      withData({
        flavor: { ...(pauseData.flavor as object), 'nova_object.data': { ...flavorData, vcpus: '1' } },
      }),
      'dropped_malformed',
      'flavor.vcpus',
    ],
    [
      'a service payload with disabled as a string',
      withData({ disabled: 'yes' }, sample('service-update.json')),
      'dropped_malformed',
      'disabled',
    ],
    [
      'an aggregate payload with hosts as a string',
      withData({ hosts: 'compute' }, sample('aggregate-add_host-end.json')),
      'dropped_malformed',
      'hosts',
    ],
    [
      'a task error without instance_uuid',
      withData({ instance_uuid: null }, sample('compute_task-migrate_server-error.json')),
      'dropped_malformed',
      'instance_uuid',
    ],
  ])('%s', (_name, body, outcome, reasonPart) => {
    const model = givenModel({ aggregateHosts: [] });
    const before = snapshotOf(model);
    const result: NotificationResult = collector().handle(
      model,
      typeof body === 'string' ? body : encodeOsloEnvelope(body),
    );
    expect(result.outcome).toBe(outcome);
    expect(result.reason).toContain(reasonPart);
    expect(snapshotOf(model)).toEqual(before);
  });

  it('names every problem of a payload at once', () => {
    const result = collector().handle(givenModel(), withData({ uuid: 7, locked: 'no', tenant_id: null }));
    expect(result.outcome).toBe('dropped_malformed');
    for (const field of ['uuid', 'locked', 'tenant_id']) expect(result.reason).toContain(field);
  });

  it('ignores a duplicate message_id', () => {
    const model = givenModel();
    const seen = collector();
    const body = encodeOsloEnvelope({ ...pause, message_id: 'same' });
    expect(seen.handle(model, body).outcome).toBe('applied');
    const before = snapshotOf(model);
    expect(seen.handle(model, body)).toMatchObject({ outcome: 'duplicate', eventType: 'instance.pause.end' });
    expect(snapshotOf(model)).toEqual(before);
  });

  it.each<[string, Record<string, unknown>, Given]>([
    [
      'an instance event older than the instance',
      pause,
      { instance: { updatedAt: new Date('2013-01-01T00:00:00Z') } },
    ],
    [
      'a service event older than the host',
      { ...sample('service-update.json'), timestamp: '2012-10-29 13:42:11' },
      { nodes: { host1: { status: 'disabled', updatedAt: new Date('2013-01-01T00:00:00Z') } } },
    ],
    [
      'a task error older than the instance',
      { ...sample('compute_task-migrate_server-error.json'), timestamp: '2011-01-01 00:00:00' },
      {},
    ],
  ])('ignores %s as stale', (_name, message, given) => {
    const model = givenModel(given);
    const before = snapshotOf(model);
    expect(collector().handle(model, message).outcome).toBe('stale');
    expect(snapshotOf(model)).toEqual(before);
  });

  it('ignores an aggregate event older than the aggregate', () => {
    const model = givenModel({ aggregateHosts: [] });
    const aggregate = model.getAggregate(1)!;
    model.upsertAggregate({ ...aggregate, updatedAt: new Date('2013-01-01T00:00:00Z') });
    const before = snapshotOf(model);
    expect(
      collector().handle(model, {
        ...sample('aggregate-add_host-end.json'),
        timestamp: '2012-10-29 13:42:11',
      }).outcome,
    ).toBe('stale');
    expect(snapshotOf(model)).toEqual(before);
  });
});

describe('MessageIdWindow', () => {
  it('forgets the oldest id beyond its capacity', () => {
    const window = new MessageIdWindow(2);
    expect([
      window.seen('a'),
      window.seen('b'),
      window.seen('a'),
      window.seen('c'),
      window.seen('a'),
      window.seen('b'),
    ]).toEqual([false, false, true, false, true, false]);
    expect(window.size).toBe(2);
  });
});
