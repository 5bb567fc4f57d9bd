import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { storageModel } from '../../test/helpers/storage-model-builder.js';
import { encodeOsloEnvelope } from '../bus/oslo-envelope.js';
import type { StorageModel } from '../model/storage-model.js';
import {
  applyCinderNotification,
  CinderNotificationCollector,
  decodeCinderNotification,
  type CinderNotification,
} from './cinder-notifications.js';

const FIXTURES = new URL('../../test/fixtures/cinder-notifications/', import.meta.url);
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as Record<string, unknown>;
const UUID = '11111111-2222-3333-4444-555555555555';

/** Two backends, each with one pool and one type; the fixtures' volume does not exist yet. */
function model(): StorageModel {
  return storageModel()
    .backend('c0@lvm', { volumeType: ['lvm'] })
    .backend('c1@ssd', { volumeType: ['ssd'] })
    .pool('c0@lvm#a', { volumeTypes: ['lvm'] })
    .pool('c1@ssd#b', { volumeTypes: ['ssd'] })
    .build();
}

function decoded(message: Record<string, unknown>): CinderNotification {
  const result = decodeCinderNotification(encodeOsloEnvelope(message));
  if (!result.ok) throw new Error(result.result.reason);
  return result.notification;
}

const apply = (
  m: StorageModel,
  name: string,
  change: (message: Record<string, unknown>) => void = () => {},
) => {
  const message = fixture(name);
  change(message);
  return applyCinderNotification(m, decoded(message));
};

const payloadOf = (message: Record<string, unknown>) => message.payload as Record<string, unknown>;

describe('decodeCinderNotification', () => {
  it('reads an enveloped and a bare message alike', () => {
    const bare = decodeCinderNotification(fixture('volume-create-end'));
    const enveloped = decodeCinderNotification(encodeOsloEnvelope(fixture('volume-create-end')));
    expect(bare).toEqual(enveloped);
    expect(bare.ok && bare.notification.timestamp?.toISOString()).toBe('2026-01-01T01:00:00.000Z');
  });

  it.each([
    ['a body that is not JSON', 'nope', 'body is not JSON'],
    [
      'a message without event_type',
      { publisher_id: 'volume.x', priority: 'INFO', payload: {} },
      'event_type',
    ],
    [
      'a payload that is not an object',
      { ...fixture('volume-create-end'), payload: [1] },
      'payload is not an object',
    ],
    [
      'a timestamp that is not a time',
      { ...fixture('volume-create-end'), timestamp: 'soon' },
      'is not a time',
    ],
    ['a message_id that is not a string', { ...fixture('volume-create-end'), message_id: 7 }, 'message_id'],
  ])('drops %s as malformed', (_name, body, reason) => {
    const result = decodeCinderNotification(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.result.outcome).toBe('dropped_malformed');
      expect(result.result.reason).toContain(reason);
    }
  });
});

describe('applyCinderNotification', () => {
  it('creates a volume in the pool its host names and counts it on that pool', () => {
    const m = model();
    expect(apply(m, 'volume-create-end').outcome).toBe('applied');
    expect(m.getVolume(UUID)).toMatchObject({
      name: 'data',
      sizeGb: 10,
      status: 'available',
      volumeType: 'lvm',
      pool: 'c0@lvm#a',
      projectId: 'project-a',
      attachments: [],
      bootable: false,
    });
    expect(m.getPool('c0@lvm#a')).toMatchObject({
      allocatedCapacityGb: 10,
      totalVolumes: 1,
      freeCapacityGb: 990,
    });
  });

  it('follows a volume through attach, resize, retype to another pool and delete', () => {
    const m = model();
    apply(m, 'volume-create-end');
    expect(apply(m, 'volume-attach-end').outcome).toBe('applied');
    expect(m.getVolume(UUID)?.attachments).toEqual([{ serverId: '99999999-0000-0000-0000-000000000001' }]);
    expect(apply(m, 'volume-resize-end').outcome).toBe('applied');
    expect(m.getPool('c0@lvm#a')?.allocatedCapacityGb).toBe(20);
    expect(apply(m, 'volume-retype').outcome).toBe('applied');
    expect(m.getVolume(UUID)).toMatchObject({ pool: 'c1@ssd#b', volumeType: 'ssd', sizeGb: 20 });
    expect(m.getPool('c0@lvm#a')).toMatchObject({ allocatedCapacityGb: 0, totalVolumes: 0 });
    expect(m.getPool('c1@ssd#b')).toMatchObject({ allocatedCapacityGb: 20, totalVolumes: 1 });
    expect(apply(m, 'volume-delete-end').outcome).toBe('applied');
    expect(m.getVolume(UUID)).toBeUndefined();
    expect(m.getPool('c1@ssd#b')).toMatchObject({ allocatedCapacityGb: 0, totalVolumes: 0 });
  });

  it('keeps a volume type through updates: only a retype changes it', () => {
    const m = model();
    apply(m, 'volume-create-end');
    expect(apply(m, 'volume-attach-end', (msg) => (payloadOf(msg).volume_type = 'uuid-of-lvm')).outcome).toBe(
      'applied',
    );
    expect(m.getVolume(UUID)?.volumeType).toBe('lvm');
  });

  it.each([
    [
      'a volume in a pool the model does not know',
      'volume-create-end',
      (msg: Record<string, unknown>) => (payloadOf(msg).host = 'c9@x#z'),
    ],
    [
      'a new volume whose type id the model cannot name',
      'volume-create-end',
      (msg: Record<string, unknown>) => (payloadOf(msg).volume_type = 'b8f3a0c2'),
    ],
    [
      'a capacity report for an unknown pool',
      'capacity-pool',
      (msg: Record<string, unknown>) => (payloadOf(msg).name_to_id = 'c9@x#z'),
    ],
    ['a capacity report whose allocation no event explains (a migration)', 'capacity-pool', () => {}],
  ])('answers %s with needs_resync and leaves the model alone', (_name, file, change) => {
    const m = model();
    const before = m.clone();
    expect(apply(m, file, change).outcome).toBe('needs_resync');
    expect(m).toEqual(before);
  });

  it('updates a pool from a capacity report that agrees with the volumes it knows', () => {
    const m = model();
    apply(m, 'volume-create-end');
    expect(apply(m, 'capacity-pool', (msg) => (payloadOf(msg).free = 985.5)).outcome).toBe('applied');
    expect(m.getPool('c0@lvm#a')).toMatchObject({ freeCapacityGb: 985.5, allocatedCapacityGb: 10 });
    expect(apply(m, 'capacity-pool', (msg) => (payloadOf(msg).free = 985.5)).outcome).toBe('no_change');
  });

  it('calls an event older than the model stale', () => {
    const m = model();
    apply(m, 'volume-create-end');
    const outcome = apply(m, 'volume-resize-end', (msg) => (msg.timestamp = '2025-12-31 00:00:00')).outcome;
    expect(outcome).toBe('stale');
    expect(m.getVolume(UUID)?.sizeGb).toBe(10);
    expect(
      apply(m, 'capacity-pool', (msg) => (payloadOf(msg).reported_at = '2025-12-31T00:00:00')).outcome,
    ).toBe('stale');
  });

  it('deleting a volume the model does not hold changes nothing', () => {
    expect(apply(model(), 'volume-delete-end').outcome).toBe('no_change');
  });

  it.each([
    [
      'an event type Steward does not read',
      (msg: Record<string, unknown>) => (msg.event_type = 'snapshot.create.end'),
    ],
    [
      'a volume event from another publisher',
      (msg: Record<string, unknown>) => (msg.publisher_id = 'nova-compute:h1'),
    ],
  ])('drops %s as unknown', (_name, change) => {
    expect(apply(model(), 'volume-create-end', change).outcome).toBe('dropped_unknown');
  });

  it.each([
    ['no volume_id', (p: Record<string, unknown>) => delete p.volume_id, 'volume_id is missing'],
    ['a size that is not a count', (p: Record<string, unknown>) => (p.size = '10'), 'size is not'],
    [
      'attachments that are not a list',
      (p: Record<string, unknown>) => (p.volume_attachment = 'x'),
      'volume_attachment',
    ],
    ['a host that is not a string', (p: Record<string, unknown>) => (p.host = 3), 'host is not'],
  ])('drops a volume payload with %s, naming the field, and changes nothing', (_name, change, reason) => {
    const m = model();
    const before = m.clone();
    const result = apply(m, 'volume-create-end', (msg) => change(payloadOf(msg)));
    expect(result.outcome).toBe('dropped_malformed');
    expect(result.reason).toContain(reason);
    expect(m).toEqual(before);
  });

  it('drops a capacity payload with non-numeric capacities, naming each', () => {
    const result = apply(model(), 'capacity-pool', (msg) => {
      payloadOf(msg).total = 'infinite';
      payloadOf(msg).free = null;
    });
    expect(result.outcome).toBe('dropped_malformed');
    expect(result.reason).toContain('total is not a number');
    expect(result.reason).toContain('free is not a number');
  });

  it('ignores .start events and backend totals', () => {
    expect(
      apply(model(), 'volume-create-end', (msg) => (msg.event_type = 'volume.create.start')).outcome,
    ).toBe('no_change');
    const backend = apply(model(), 'capacity-pool', (msg) => (msg.event_type = 'capacity.backend'));
    expect(backend.outcome).toBe('no_change');
  });
});

describe('CinderNotificationCollector', () => {
  it('drops a redelivered message as a duplicate', () => {
    const collector = new CinderNotificationCollector();
    const m = model();
    expect(collector.handle(m, fixture('volume-create-end')).outcome).toBe('applied');
    expect(collector.handle(m, fixture('volume-create-end')).outcome).toBe('duplicate');
  });
});
