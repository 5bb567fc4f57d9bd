import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterModel } from '../../test/helpers/cluster-model-builder.js';
import { DESTINATIONS } from '../bus/bus.js';
import { InProcessBus } from '../bus/in-process-bus.js';
import { encodeOsloEnvelope } from '../bus/oslo-envelope.js';
import { isStewardError } from '../errors.js';
import { ManualClock } from '../lib/clock.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { Instance } from '../model/elements.js';
import { silentLogger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import {
  createComputeModelProvider,
  type ComputeModelProviderOptions,
  type LiveComputeModelProvider,
} from './compute-model-provider.js';

const FIXTURES = new URL('../../test/fixtures/nova-notifications/', import.meta.url);
const sample = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as Record<string, unknown>;

const SAMPLE_UUID = '178b0921-8f85-4257-88b6-2e743b5a975c';
const INTERVAL_MS = 3_600_000;
const RETRY_MS = 30_000;
const RESYNC_MS = 20_000;

/** The cloud as a sync reads it: the sample instance on `compute`, stamped before the samples' updated_at. */
function cloudModel(options: { instance?: Partial<Instance>; hosts?: string[] } = {}): ClusterModel {
  const builder = clusterModel();
  for (const hostname of options.hosts ?? ['compute', 'host2']) builder.host(hostname);
  return builder
    .instance(SAMPLE_UUID, 'compute', {
      name: 'some-server',
      projectId: '6f70656e737461636b20342065766572',
      flavor: {
        id: 'test_flavor',
        name: 'test_flavor',
        vcpus: 1,
        memoryMb: 512,
        diskGb: 1,
        extraSpecs: { 'hw:watchdog_action': 'disabled' },
      },
      vcpus: 1,
      memoryMb: 512,
      diskGb: 1,
      updatedAt: new Date('2012-10-29T13:00:00Z'),
      ...options.instance,
    })
    .build();
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** A `collect` that answers at once from `next()`, or, when blocked, waits until the test settles it. */
class FakeCloud {
  calls = 0;
  blocked = false;
  readonly pending: Deferred<ClusterModel>[] = [];
  next: () => ClusterModel = () => cloudModel();

  readonly collect = (): Promise<ClusterModel> => {
    this.calls++;
    if (!this.blocked) return Promise.resolve(this.next());
    const sync = deferred<ClusterModel>();
    this.pending.push(sync);
    return sync.promise;
  };

  /** Ends the oldest blocked sync with `model` (or the current `next()`). */
  finish(model: ClusterModel = this.next()): void {
    const sync = this.pending.shift();
    if (!sync) throw new Error('no sync is waiting');
    sync.resolve(model);
  }

  fail(message = 'nova is down'): void {
    const sync = this.pending.shift();
    if (!sync) throw new Error('no sync is waiting');
    sync.reject(new Error(message));
  }
}

/** Lets bus deliveries (setImmediate) and promise continuations run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

let messageCount = 0;
const envelope = (file: string, extra: Record<string, unknown> = {}) =>
  encodeOsloEnvelope({ ...sample(file), message_id: `m-${++messageCount}`, ...extra });

async function counter(metrics: Metrics, labels: { event_type: string; outcome: string }): Promise<number> {
  const metric = await metrics.notificationsTotal.get();
  return (
    metric.values.find(
      (value) => value.labels.event_type === labels.event_type && value.labels.outcome === labels.outcome,
    )?.value ?? 0
  );
}

async function gauge(metrics: Metrics, kind: string): Promise<number | undefined> {
  return (await metrics.modelElements.get()).values.find((value) => value.labels.kind === kind)?.value;
}

interface Setup {
  clock: ManualClock;
  bus: InProcessBus;
  cloud: FakeCloud;
  metrics: Metrics;
  provider: LiveComputeModelProvider;
  publish: (file: string, extra?: Record<string, unknown>) => Promise<void>;
}

const running: LiveComputeModelProvider[] = [];
afterEach(async () => {
  for (const provider of running.splice(0)) await provider.stop();
});

function setup(
  options: { blocked?: boolean; bus?: boolean; readNode?: ComputeModelProviderOptions['readNode'] } = {},
): Setup {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const bus = new InProcessBus({ logger: silentLogger });
  const cloud = new FakeCloud();
  cloud.blocked = options.blocked ?? false;
  const metrics = createMetrics({ defaultMetrics: false });
  const provider = createComputeModelProvider({
    collect: cloud.collect,
    ...(options.bus !== false && { bus }),
    ...(options.readNode && { readNode: options.readNode }),
    clock,
    logger: silentLogger,
    metrics,
    syncIntervalMs: INTERVAL_MS,
    retryIntervalMs: RETRY_MS,
    resyncMinIntervalMs: RESYNC_MS,
  });
  running.push(provider);
  return {
    clock,
    bus,
    cloud,
    metrics,
    provider,
    async publish(file, extra) {
      await bus.publish(DESTINATIONS.novaNotifications, envelope(file, extra));
      await settle();
    },
  };
}

describe('compute model provider: no notification is lost', () => {
  it('applies notifications that arrive before the first sync once it completes', async () => {
    const { cloud, provider, publish, metrics } = setup({ blocked: true });
    await provider.start();
    expect(cloud.calls).toBe(1);
    await publish('instance-pause-end.json');
    expect(provider.current).toBeUndefined();
    expect(provider.ingest(envelope('aggregate-create-end.json'))).toEqual({
      outcome: 'journaled',
      eventType: 'aggregate.create.end',
    });

    cloud.finish();
    await settle();
    expect(provider.current?.getInstance(SAMPLE_UUID)?.state).toBe('paused');
    expect(provider.current?.getAggregate(1)?.name).toBe('my-aggregate');
    expect(await counter(metrics, { event_type: 'instance.pause.end', outcome: 'applied' })).toBe(1);
  });

  it('subscribes before the first sync starts, so a change made while the cloud is read is kept', async () => {
    const { cloud, provider, bus } = setup();
    cloud.next = () => {
      // The event is published while the sync reads the cloud; the sync's answer predates it.
      void bus.publish(
        DESTINATIONS.novaNotifications,
        envelope('instance-live_migration_post_dest-end.json'),
      );
      return cloudModel({ instance: { taskState: 'migrating' } });
    };
    await provider.start();
    const model = await provider.waitFor((current) => current.getInstance(SAMPLE_UUID)?.hostname === 'host2');
    expect(model.getInstance(SAMPLE_UUID)?.taskState).toBeNull();
  });

  it('keeps a notification that arrives during a later sync: applied at once and replayed on the new model', async () => {
    const { cloud, provider, publish } = setup();
    await provider.start();
    await settle();
    cloud.blocked = true;
    const sync = provider.refresh();
    await publish('instance-live_migration_post_dest-end.json');
    expect(provider.current?.getInstance(SAMPLE_UUID)?.hostname).toBe('host2');

    // The sync read Nova before the migration finished.
    cloud.finish(cloudModel({ instance: { taskState: 'migrating' } }));
    await sync;
    expect(provider.current?.getInstance(SAMPLE_UUID)).toMatchObject({ hostname: 'host2', taskState: null });
    expect(provider.current?.usage('host2').vcpus).toBe(1);
  });

  it('drops a journaled notification that the sync already reflects (stale)', async () => {
    const { cloud, provider, publish } = setup();
    await provider.start();
    await settle();
    cloud.blocked = true;
    const sync = provider.refresh();
    await publish('instance-pause-end.json');
    expect(provider.current?.getInstance(SAMPLE_UUID)?.state).toBe('paused');
    // The sync read the instance after it was paused and unpaused again.
    cloud.finish(cloudModel({ instance: { state: 'active', updatedAt: new Date('2013-01-01T00:00:00Z') } }));
    await sync;
    expect(provider.current?.getInstance(SAMPLE_UUID)?.state).toBe('active');
  });

  it('counts a notification older than the model as stale', async () => {
    const { cloud, provider, publish, metrics } = setup();
    cloud.next = () => cloudModel({ instance: { updatedAt: new Date('2013-01-01T00:00:00Z') } });
    await provider.start();
    await settle();
    await publish('instance-pause-end.json');
    expect(provider.current?.getInstance(SAMPLE_UUID)?.state).toBe('active');
    expect(await counter(metrics, { event_type: 'instance.pause.end', outcome: 'stale' })).toBe(1);
  });

  it('counts a redelivered message once as applied and then as duplicate', async () => {
    const { provider, bus, metrics } = setup();
    await provider.start();
    await settle();
    const body = envelope('instance-pause-end.json');
    await bus.publish(DESTINATIONS.novaNotifications, body);
    await bus.publish(DESTINATIONS.novaNotifications, body);
    await settle();
    expect(await counter(metrics, { event_type: 'instance.pause.end', outcome: 'applied' })).toBe(1);
    expect(await counter(metrics, { event_type: 'instance.pause.end', outcome: 'duplicate' })).toBe(1);
  });
});

describe('compute model provider: syncs', () => {
  it('coalesces concurrent refresh requests into one sync', async () => {
    const { cloud, provider } = setup({ blocked: true, bus: false });
    await provider.start();
    const waiting = [
      provider.refresh(),
      provider.refresh(),
      provider.getComputeModel({ forceRefresh: true }),
      provider.getComputeModel(),
    ];
    expect(cloud.calls).toBe(1);
    cloud.finish();
    const [, , forced, plain] = await Promise.all(waiting);
    expect(cloud.calls).toBe(1);
    expect((forced as ClusterModel).instanceCount).toBe(1);
    expect((plain as ClusterModel).instanceCount).toBe(1);
  });

  it('keeps the old model when a sync fails, and the refresh rejects', async () => {
    const { cloud, provider } = setup({ bus: false });
    await provider.start();
    await settle();
    const syncedAt = provider.lastSyncedAt;
    const before = provider.current;
    cloud.blocked = true;
    const sync = provider.refresh();
    cloud.fail();
    await expect(sync).rejects.toThrow('nova is down');
    expect(provider.current).toBe(before);
    expect(provider.lastSyncedAt).toEqual(syncedAt);
    expect((await provider.getComputeModel()).getInstance(SAMPLE_UUID)).toBeDefined();
  });

  it('answers unavailable before any sync succeeds, keeps early notifications, and retries sooner', async () => {
    const { cloud, provider, publish, clock } = setup({ blocked: true });
    await provider.start();
    await publish('instance-pause-end.json');
    cloud.fail();
    await settle();
    const error: unknown = await provider.getComputeModel().catch((failure: unknown) => failure);
    expect(isStewardError(error) && error.kind).toBe('unavailable');

    await clock.advance(RETRY_MS);
    expect(cloud.calls).toBe(2);
    cloud.finish();
    await settle();
    expect(provider.current?.getInstance(SAMPLE_UUID)?.state).toBe('paused');
  });

  it('syncs periodically on the injected clock', async () => {
    const { cloud, provider, clock } = setup({ bus: false });
    await provider.start();
    await settle();
    expect(cloud.calls).toBe(1);
    await clock.advance(INTERVAL_MS - 1);
    expect(cloud.calls).toBe(1);
    await clock.advance(1);
    expect(cloud.calls).toBe(2);
    await clock.advance(INTERVAL_MS);
    expect(cloud.calls).toBe(3);
    expect(provider.lastSyncedAt).toEqual(
      new Date(new Date('2026-01-01T00:00:00Z').getTime() + 2 * INTERVAL_MS),
    );
  });

  it('syncs once, no sooner than resyncMinIntervalMs after the last sync, when notifications name a host the model lacks', async () => {
    const { cloud, provider, publish, clock, metrics } = setup();
    cloud.next = () => cloudModel({ hosts: ['compute'] });
    await provider.start();
    await settle();
    cloud.blocked = true;
    await publish('service-create.json');
    await publish('service-create.json');
    expect(cloud.calls).toBe(1);
    expect((await metrics.modelResyncs.get()).values).toEqual([
      { labels: { model: 'compute', cause: 'needs_resync' }, value: 1 },
    ]);
    await clock.advance(RESYNC_MS);
    expect(cloud.calls).toBe(2);
    // During the sync the event is journaled; the replay on the new model decides.
    await publish('service-create.json');
    cloud.finish(cloudModel({ hosts: ['compute', 'host2'] }));
    await settle();
    expect(provider.current?.getNode('host2')).toBeDefined();
    await clock.advance(RESYNC_MS);
    expect(cloud.calls).toBe(2);
  });

  it('replays a notification for an unknown host on the new model and syncs again only if it is still unknown', async () => {
    const { cloud, provider, publish, clock } = setup();
    cloud.next = () => cloudModel({ hosts: ['compute'] });
    await provider.start();
    await settle();
    cloud.blocked = true;
    const sync = provider.refresh();
    await publish('service-create.json');
    cloud.finish(cloudModel({ hosts: ['compute'] }));
    await sync;
    await settle();
    expect(cloud.calls).toBe(2);
    await clock.advance(RESYNC_MS);
    expect(cloud.calls).toBe(3);
  });

  it('stops: no more notifications, no more timers', async () => {
    const { provider, publish, clock } = setup();
    await provider.start();
    await settle();
    await provider.stop();
    await publish('instance-pause-end.json');
    expect(provider.current?.getInstance(SAMPLE_UUID)?.state).toBe('active');
    expect(clock.pendingSleepers).toBe(0);
    await expect(provider.refresh()).rejects.toThrow('stopped');
  });
});

describe('compute model provider: reading the model', () => {
  it('hands out a private copy, filtered by the audit scope', async () => {
    const { provider } = setup({ bus: false });
    await provider.start();
    const copy = await provider.getComputeModel();
    copy.moveInstance(SAMPLE_UUID, 'host2');
    expect(provider.current?.getInstance(SAMPLE_UUID)?.hostname).toBe('compute');

    const scoped = await provider.getComputeModel({
      scope: [{ compute: [{ exclude: [{ compute_nodes: [{ name: 'host2' }] }] }] }],
    });
    expect([...scoped.nodes()].map((node) => node.hostname)).toEqual(['compute']);
  });

  it('rejects a scope that mixes a wildcard with names as an invalid scope', async () => {
    const { provider } = setup({ bus: false });
    await provider.start();
    const error: unknown = await provider
      .getComputeModel({ scope: [{ compute: [{ availability_zones: [{ name: '*' }, { name: 'az1' }] }] }] })
      .catch((failure: unknown) => failure);
    expect(isStewardError(error) && error.code).toBe('INVALID_SCOPE');
  });

  it('waitFor rejects when the state is not reached in time on the injected clock', async () => {
    const { provider, clock } = setup({ bus: false });
    await provider.start();
    await settle();
    const waiting = provider.waitFor(() => false, 1_000).catch((failure: unknown) => failure);
    await clock.advance(1_000);
    expect(await waiting).toBeInstanceOf(Error);
    expect(String(await waiting)).toContain('within 1000 ms');
  });

  it('tells listeners about syncs and applied notifications', async () => {
    const { provider, publish } = setup();
    const seen: string[] = [];
    provider.onChange((change) =>
      seen.push(change.kind === 'notification' ? change.result.eventType : change.kind),
    );
    await provider.start();
    await settle();
    await publish('instance-pause-end.json');
    await publish('compute-exception.json');
    expect(seen).toEqual(['sync', 'instance.pause.end']);
  });
});

describe('compute model provider: targeted node refresh', () => {
  it('re-reads the named nodes, by hostname or uuid, into the live model and keeps everything else', async () => {
    const reads: string[] = [];
    const { provider, clock } = setup({
      bus: false,
      readNode: (node) => {
        reads.push(node.hostname);
        return Promise.resolve({
          traits: ['CUSTOM_STEWARD', 'PRESSURE_CPU'],
          powerState: 'off',
          state: 'down',
          status: 'disabled',
          disabledReason: 'energy saving',
        });
      },
    });
    await provider.start();
    await settle();
    const before = provider.current!.clone();
    const host2 = before.getNode('host2')!;
    await clock.advance(1_000);

    await provider.refreshNodes([host2.uuid, 'host2', 'gone-host']);

    expect(reads).toEqual(['host2']);
    const after = provider.current!;
    expect(after.getNode('host2')).toEqual({
      ...host2,
      traits: ['CUSTOM_STEWARD', 'PRESSURE_CPU'],
      powerState: 'off',
      state: 'down',
      status: 'disabled',
      disabledReason: 'energy saving',
      updatedAt: clock.now(),
    });
    expect(after.getNode('compute')).toEqual(before.getNode('compute'));
    expect([...after.instances()]).toEqual([...before.instances()]);
    expect(after.nodeCount).toBe(before.nodeCount);
  });

  it('runs a full sync when it has no way to read one node', async () => {
    const { provider, cloud } = setup({ bus: false });
    await provider.start();
    await settle();
    const syncs = cloud.calls;
    cloud.next = () => cloudModel({ hosts: ['compute', 'host2', 'host3'] });
    await provider.refreshNodes(['host2']);
    expect(cloud.calls).toBe(syncs + 1);
    expect(provider.current?.getNode('host3')).toBeDefined();
  });
});

describe('compute model provider: metrics', () => {
  it('counts every notification by event type and outcome, and sets the element gauges and sync duration', async () => {
    const { cloud, provider, publish, metrics, bus } = setup();
    cloud.next = () => cloudModel({ hosts: ['compute', 'host2', 'host3'] });
    await provider.start();
    await settle();
    await publish('instance-pause-end.json');
    await publish('instance-live_migration_post-end.json');
    await publish('instance-delete-end.json');
    await publish('compute-exception.json');
    await bus.publish(DESTINATIONS.novaNotifications, { 'oslo.version': '2.0', 'oslo.message': 'not json' });
    await publish('instance-pause-end.json', { event_type: 'instance.exists' });
    await settle();

    expect(await counter(metrics, { event_type: 'instance.pause.end', outcome: 'applied' })).toBe(1);
    expect(
      await counter(metrics, { event_type: 'instance.live_migration_post.end', outcome: 'no_change' }),
    ).toBe(1);
    expect(await counter(metrics, { event_type: 'instance.delete.end', outcome: 'applied' })).toBe(1);
    expect(await counter(metrics, { event_type: 'compute.exception', outcome: 'no_change' })).toBe(1);
    expect(await counter(metrics, { event_type: 'unknown', outcome: 'dropped_malformed' })).toBe(1);
    expect(await counter(metrics, { event_type: 'instance.exists', outcome: 'dropped_unknown' })).toBe(1);

    expect(await gauge(metrics, 'compute_node')).toBe(3);
    expect(await gauge(metrics, 'instance')).toBe(0);
    const text = await metrics.registry.metrics();
    expect(text).toContain('steward_model_sync_duration_seconds_count{model="compute"} 1');
  });
});
