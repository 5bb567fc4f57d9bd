import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DESTINATIONS } from '../bus/bus.js';
import { InProcessBus } from '../bus/in-process-bus.js';
import { ManualClock } from '../lib/clock.js';
import { silentLogger } from '../observability/logger.js';
import { capacityPoolPayload, volumeUsagePayload } from './cinder-notifications.js';
import { addVolumes, buildFromConfig, type SimVolume } from './cluster.js';
import { createSimulatedCloud } from './index.js';

const FIXTURES = 'test/fixtures/cinder-notifications';
interface Fixture {
  publisher_id: string;
  event_type: string;
  priority: string;
  payload: Record<string, unknown>;
}
const fixture = (name: string) => JSON.parse(readFileSync(`${FIXTURES}/${name}.json`, 'utf8')) as Fixture;
const keys = (o: object) => Object.keys(o).sort();
/** JSON types per key, with every number a number (Cinder's capacity floats and the simulator's integers alike). */
const types = (o: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v]),
  );

const NOW = '2026-01-01T00:00:00Z';

describe('the simulated Cinder’s notification payloads', () => {
  const state = buildFromConfig({ hosts: 3, instances: 6, seed: 1 }, NOW);
  addVolumes(state, NOW);
  const attached = state.volumes.find((v) => v.attachedTo) as SimVolume;

  it('has exactly the keys and JSON types of the capacity.pool fixture', () => {
    const payload = capacityPoolPayload(state, state.pools[0]!, new Date(NOW));
    const want = fixture('capacity-pool').payload;
    expect(keys(payload)).toEqual(keys(want));
    expect(types(payload)).toEqual(types(want));
  });

  it('has exactly the keys of the volume.retype fixture, and the attachment rows of volume.attach.end', () => {
    const payload = volumeUsagePayload({ ...attached, attachedTo: null });
    expect(keys(payload)).toEqual(keys(fixture('volume-retype').payload));
    const withRow = volumeUsagePayload(attached);
    const wantRow = (fixture('volume-attach-end').payload.volume_attachment as Record<string, unknown>[])[0]!;
    expect((withRow.volume_attachment as Record<string, unknown>[]).map(keys)).toEqual([keys(wantRow)]);
    // Cinder's timestamps parse as its own: microseconds, no zone.
    expect(payload.created_at).toBe('2026-01-01T00:00:00.000000');
  });
});

describe('the simulated Cinder when a volume move settles', () => {
  let bus: InProcessBus | undefined;
  afterEach(async () => bus?.close());

  async function settleOne(kind: 'migrate' | 'retype', toPool: string, toType: string) {
    const clock = new ManualClock(NOW);
    bus = new InProcessBus({ logger: silentLogger });
    const cloud = createSimulatedCloud({ clock, bus, cluster: { hosts: 3, instances: 6, seed: 1 } });
    const volume = cloud.state.volumes.find((v) => v.pool === 'cinder-volume-0@lvm#pool-b')!;
    volume.move = { kind, doneMs: clock.now().getTime() + 1000, toPool, toType };
    const received: Fixture[] = [];
    const settled = new Promise<void>((resolve) => {
      void bus!.subscribe(DESTINATIONS.cinderNotifications, (body) => {
        received.push(JSON.parse((body as Record<string, string>)['oslo.message']!) as Fixture);
        if (received.length === (kind === 'retype' ? 3 : 2)) resolve();
        return Promise.resolve();
      });
    });
    await clock.advance(1000);
    await cloud.settle();
    await settled;
    return { received, volume };
  }

  it('sends volume.retype from the old backend, then capacity.pool of both pools, as get_pools counts them', async () => {
    const { received, volume } = await settleOne('retype', 'cinder-volume-1@ssd#pool-c', 'ssd');
    expect(received.map((m) => [m.event_type, m.publisher_id, m.priority])).toEqual([
      ['volume.retype', 'volume.cinder-volume-0@lvm', 'INFO'],
      ['capacity.pool', 'capacity.cinder-volume-0', 'INFO'],
      ['capacity.pool', 'capacity.cinder-volume-0', 'INFO'],
    ]);
    expect(received[0]!.payload).toMatchObject({
      volume_id: volume.id,
      host: 'cinder-volume-1@ssd#pool-c',
      volume_type: 'ssd',
      status: 'in-use',
    });
    expect(received.slice(1).map((m) => m.payload.name_to_id)).toEqual([
      'cinder-volume-0@lvm#pool-b',
      'cinder-volume-1@ssd#pool-c',
    ]);
  });

  it('sends no volume event for a migration, only the capacity reports', async () => {
    const { received } = await settleOne('migrate', 'cinder-volume-0@lvm#pool-a', 'lvmdriver-1');
    expect(received.map((m) => [m.event_type, m.payload.name_to_id])).toEqual([
      ['capacity.pool', 'cinder-volume-0@lvm#pool-a'],
      ['capacity.pool', 'cinder-volume-0@lvm#pool-b'],
    ]);
  });
});
