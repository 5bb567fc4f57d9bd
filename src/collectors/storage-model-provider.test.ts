import { afterEach, describe, expect, it, vi } from 'vitest';
import { storageModel } from '../../test/helpers/storage-model-builder.js';
import { isStewardError } from '../errors.js';
import { ManualClock } from '../lib/clock.js';
import type { StorageModel } from '../model/storage-model.js';
import { silentLogger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createStorageModelProvider, type LiveStorageModelProvider } from './storage-model-provider.js';

const INTERVAL_MS = 3_600_000;
const RETRY_MS = 30_000;

/** Cinder as a sync reads it: two backends in two zones; `volumes` volumes of 10 GB in c0@lvm#a. */
function cinderModel(volumes = 1): StorageModel {
  const builder = storageModel()
    .backend('c0@lvm', { zone: 'az1', volumeType: ['lvm'] })
    .backend('c1@ssd', { zone: 'az2', volumeType: ['ssd'] })
    .pool('c0@lvm#a')
    .pool('c1@ssd#b');
  for (let i = 0; i < volumes; i++) builder.volume(`v${i}`, 'c0@lvm#a');
  return builder.build();
}

/** A `collect` that answers from `next()` or fails while `failing` is set. */
class FakeCinder {
  calls = 0;
  failing = false;
  volumes = 1;
  readonly collect = (): Promise<StorageModel> => {
    this.calls++;
    return this.failing
      ? Promise.reject(new Error('cinder is down'))
      : Promise.resolve(cinderModel(this.volumes));
  };
}

const running: LiveStorageModelProvider[] = [];
afterEach(async () => {
  for (const provider of running.splice(0)) await provider.stop();
});

function setup(options: { failing?: boolean } = {}) {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const cinder = new FakeCinder();
  cinder.failing = options.failing ?? false;
  const metrics = createMetrics({ defaultMetrics: false });
  const provider = createStorageModelProvider({
    collect: cinder.collect,
    clock,
    logger: silentLogger,
    metrics,
    syncIntervalMs: INTERVAL_MS,
    retryIntervalMs: RETRY_MS,
  });
  running.push(provider);
  return { clock, cinder, metrics, provider };
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isStewardError(error)) throw new Error(`expected a StewardError, got ${String(error)}`);
  return error;
}

async function gauge(metrics: Metrics, kind: string): Promise<number | undefined> {
  return (await metrics.modelElements.get()).values.find((value) => value.labels.kind === kind)?.value;
}

describe('createStorageModelProvider', () => {
  it('syncs at start, stamps lastSyncedAt with the sync start, and sets the gauges', async () => {
    const { provider, clock, metrics } = setup();
    void provider.start();
    const model = await provider.getStorageModel();
    expect([model.nodeCount, model.poolCount, model.volumeCount]).toEqual([2, 2, 1]);
    expect(provider.lastSyncedAt).toEqual(clock.now());
    expect(await gauge(metrics, 'pool')).toBe(2);
    expect(await gauge(metrics, 'volume')).toBe(1);
    const synced = (await metrics.modelSyncDuration.get()).values.find(
      (value) => value.labels.model === 'storage' && value.metricName?.endsWith('_count'),
    );
    expect(synced?.value).toBe(1);
  });

  it('syncs periodically on the injected clock', async () => {
    const { provider, clock, cinder } = setup();
    void provider.start();
    await provider.getStorageModel();
    cinder.volumes = 3;
    await clock.advance(INTERVAL_MS - 1);
    expect(cinder.calls).toBe(1);
    await clock.advance(1);
    expect(cinder.calls).toBe(2);
    expect(provider.current?.volumeCount).toBe(3);
    expect(provider.lastSyncedAt).toEqual(clock.now());
  });

  it('answers unavailable before any sync succeeds, then retries after the retry interval', async () => {
    const { provider, clock, cinder } = setup({ failing: true });
    void provider.start();
    const error = await failure(provider.getStorageModel());
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toContain('no sync from Cinder has succeeded yet (last error: cinder is down)');
    expect(provider.lastSyncedAt).toBeUndefined();
    cinder.failing = false;
    await clock.advance(RETRY_MS);
    expect(cinder.calls).toBe(2);
    expect((await provider.getStorageModel()).poolCount).toBe(2);
  });

  it('keeps the old model when a sync fails, and the refresh rejects', async () => {
    const { provider, cinder } = setup();
    void provider.start();
    const before = await provider.getStorageModel();
    cinder.failing = true;
    await expect(provider.refresh()).rejects.toThrow('cinder is down');
    expect((await provider.getStorageModel()).volumeCount).toBe(before.volumeCount);
  });

  it('re-reads Cinder on a forced refresh, and coalesces concurrent ones', async () => {
    const { provider, cinder } = setup();
    void provider.start();
    await provider.getStorageModel();
    cinder.volumes = 4;
    const [a, b] = await Promise.all([
      provider.getStorageModel({ forceRefresh: true }),
      provider.getStorageModel({ forceRefresh: true }),
    ]);
    expect(cinder.calls).toBe(2);
    expect([a.volumeCount, b.volumeCount]).toEqual([4, 4]);
  });

  it('hands out a private copy, filtered by the storage part of the scope', async () => {
    const { provider } = setup();
    void provider.start();
    const scoped = await provider.getStorageModel({
      scope: [{ storage: [{ availability_zones: [{ name: 'az2' }] }] }],
    });
    expect([...scoped.nodes()].map((node) => node.host)).toEqual(['c1@ssd']);
    scoped.removePool('c1@ssd#b');
    expect(provider.current?.getPool('c1@ssd#b')).toBeDefined();
  });

  it('rejects a scope that mixes a wildcard with names as an invalid scope', async () => {
    const { provider } = setup();
    void provider.start();
    const error = await failure(
      provider.getStorageModel({
        scope: [{ storage: [{ volume_types: [{ name: '*' }, { name: 'lvm' }] }] }],
      }),
    );
    expect(error.code).toBe('INVALID_SCOPE');
  });

  it('stops: no more syncs, and refreshes are refused', async () => {
    const { provider, clock, cinder } = setup();
    void provider.start();
    await provider.getStorageModel();
    await provider.stop();
    await clock.advance(INTERVAL_MS * 2);
    expect(cinder.calls).toBe(1);
    expect(clock.pendingSleepers).toBe(0);
    await expect(provider.refresh()).rejects.toThrow('the storage model provider is stopped');
  });
});

describe('the storage model provider and Cinder notifications', () => {
  const created = (uuid: string, timestamp: string, messageId: string) => ({
    message_id: messageId,
    publisher_id: 'volume.c0@lvm',
    event_type: 'volume.create.end',
    priority: 'INFO',
    timestamp,
    payload: {
      volume_id: uuid,
      display_name: uuid,
      size: 5,
      status: 'available',
      volume_type: null,
      host: 'c0@lvm#a',
      tenant_id: 'project-a',
      volume_attachment: [],
    },
  });

  it('keeps an event that arrives during a sync: the sync model gets it replayed', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    let release: (model: StorageModel) => void = () => {};
    const metrics = createMetrics({ defaultMetrics: false });
    const provider = createStorageModelProvider({
      collect: () => new Promise<StorageModel>((resolve) => (release = resolve)),
      clock,
      logger: silentLogger,
      metrics,
      syncIntervalMs: INTERVAL_MS,
    });
    running.push(provider);
    await provider.start();
    expect(provider.ingest(created('early', '2026-01-01 00:00:01', 'm1')).outcome).toBe('journaled');
    // The sync read Cinder before the volume existed (its elements are stamped at the sync start).
    release(cinderModel());
    const model = await provider.getStorageModel();
    expect(model.getVolume('early')?.pool).toBe('c0@lvm#a');
    expect(provider.current?.getPool('c0@lvm#a')?.allocatedCapacityGb).toBe(5);
    const counted = await metrics.registry.getSingleMetricAsString('steward_notifications_total');
    expect(counted).toContain('event_type="volume.create.end",outcome="applied"');
    expect(provider.ingest(created('early', '2026-01-01 00:00:01', 'm1')).outcome).toBe('duplicate');
  });

  it('asks for a sync when a notification names a pool it does not know', async () => {
    const { cinder, provider, clock } = setup();
    await provider.start();
    await provider.refresh();
    const before = cinder.calls;
    const unknownPool = created('v9', '2026-01-01 00:00:01', 'm2');
    unknownPool.payload.host = 'c7@new#z';
    expect(provider.ingest(unknownPool).outcome).toBe('needs_resync');
    // Not before resyncMinIntervalMs (30 s) after the last sync started.
    await clock.advance(29_999);
    expect(cinder.calls).toBe(before);
    await clock.advance(1);
    await vi.waitFor(() => expect(cinder.calls).toBe(before + 1));
  });
});
