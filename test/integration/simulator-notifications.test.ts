/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any -- wire bodies are untyped JSON whose shape is what these tests assert */
// Every Nova notification the simulated cloud sends, driven through its HTTP APIs, is checked against Nova's own
// sample for the same event_type: envelope, inner message, publisher, payload type and version, and the keys and
// JSON types of nova_object.data down through every nested versioned object. Then the order and hosts per operation.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { DESTINATIONS } from '../../src/bus/bus.js';
import { createCloudClients } from '../../src/cloud/openstack.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createSimulatedCloud, type SimulatedCloud } from '../../src/simulator/index.js';
import { simulatedLogin } from '../helpers/simulated-keystone.js';

const SAMPLES = 'test/fixtures/nova-notifications';
interface Sample {
  file: string;
  event_type: string;
  priority: string;
  publisher_id: string;
  payload: Record<string, unknown>;
}
const samples: Sample[] = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({
    file,
    ...(JSON.parse(readFileSync(`${SAMPLES}/${file}`, 'utf8')) as Omit<Sample, 'file'>),
  }));

interface Captured {
  routingKey: string;
  envelope: Record<string, unknown>;
  message: Record<string, any>;
}
const all: Captured[] = [];
let batch: Captured[] = [];

const source = (publisherId: string): string => publisherId.split(':')[0] ?? '';
const data = (payload: unknown): Record<string, unknown> =>
  (payload as Record<string, Record<string, unknown>>)['nova_object.data'] ?? {};
// build_instances.error has no sample of its own; migrate_server.error is the same ComputeTaskPayload from the conductor.
const sampleEvent = (eventType: string): string =>
  eventType === 'compute_task.build_instances.error' ? 'compute_task.migrate_server.error' : eventType;

/** Nova's sample for this message: same event_type and publishing service; of variants, the one whose host is as null. */
function sampleFor(message: Record<string, any>): Sample | undefined {
  const candidates = samples.filter(
    (s) =>
      s.event_type === sampleEvent(message.event_type as string) &&
      source(s.publisher_id) === source(message.publisher_id as string),
  );
  const hostless = data(message.payload).host === null;
  return (
    candidates.find(
      (s) =>
        (data(s.payload).host === null) === hostless &&
        s.file === `${sampleEvent(message.event_type as string).replaceAll('.', '-')}.json`,
    ) ??
    candidates.find((s) => (data(s.payload).host === null) === hostless) ??
    candidates[0]
  );
}

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const isNovaObject = (v: unknown): v is Record<string, unknown> =>
  kind(v) === 'object' && 'nova_object.data' in (v as object);
// Nova serialises only the image properties that are set, so their keys are the image's, not the sample's.
const FREE_FORM_OBJECTS = new Set(['ImageMetaPropsPayload']);

/**
 * Where `got` differs in shape from Nova's `want`: a versioned object's name, version, namespace and data keys, and
 * the JSON type of every value both sides give (null is a value: Nova's fields here are nullable). Plain dicts
 * (metadata, extra_specs, scheduler_hints) are free-form; an array's items are checked against the sample's first.
 */
function shapeDiffs(want: unknown, got: unknown, path: string): string[] {
  if (want === null || got === null) return [];
  if (kind(want) !== kind(got)) return [`${path}: ${kind(got)} where Nova has ${kind(want)}`];
  if (Array.isArray(want))
    return want.length === 0
      ? []
      : (got as unknown[]).flatMap((item, n) => shapeDiffs(want[0], item, `${path}[${n}]`));
  if (!isNovaObject(want)) return [];
  if (!isNovaObject(got))
    return [`${path}: a plain object where Nova has ${String(want['nova_object.name'])}`];
  const diffs = (['nova_object.name', 'nova_object.version', 'nova_object.namespace'] as const)
    .filter((k) => got[k] !== want[k])
    .map((k) => `${path}.${k}: ${String(got[k])} where Nova has ${String(want[k])}`);
  if (diffs.length > 0 || FREE_FORM_OBJECTS.has(want['nova_object.name'] as string)) return diffs;
  const w = data(want);
  const g = data(got);
  const missing = Object.keys(w)
    .filter((k) => !(k in g))
    .map((k) => `${path}.${k}: missing`);
  const extra = Object.keys(g)
    .filter((k) => !(k in w))
    .map((k) => `${path}.${k}: not in Nova's payload`);
  return [
    ...missing,
    ...extra,
    ...Object.keys(w)
      .filter((k) => k in g)
      .flatMap((k) => shapeDiffs(w[k], g[k], `${path}.${k}`)),
  ];
}

let cloud: SimulatedCloud;
let clock: ManualClock;
let token: string;

async function nova(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${cloud.urls.compute}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      'x-auth-token': token,
      'openstack-api-version': 'compute 2.100',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}
const flush = async (): Promise<void> => {
  for (let n = 0; n < 5; n++) await new Promise((r) => setImmediate(r));
};
const settleAfter = async (ms: number): Promise<void> => {
  await clock.advance(ms);
  await cloud.settle();
  await flush();
};

/** Runs one operation and returns the notifications it caused. */
async function during(operation: () => Promise<void>): Promise<Captured[]> {
  batch = [];
  await operation();
  await flush();
  return batch;
}
/** [event_type, publisher_id, payload host] of each message. */
const trail = (messages: Captured[]): [string, string, unknown][] =>
  messages.map((m) => [
    m.message.event_type as string,
    m.message.publisher_id as string,
    data(m.message.payload).host,
  ]);

const activeOn = (host?: string) =>
  [...cloud.state.instances.values()].find(
    (i) =>
      i.vmState === 'active' &&
      !i.taskState &&
      !i.locked &&
      i.host !== null &&
      (host === undefined || i.host === host),
  )!;
const otherHost = (host: string | null) => cloud.state.hosts.find((h) => h.hostname !== host)!.hostname;

beforeAll(async () => {
  clock = new ManualClock(new Date('2026-05-13T12:53:00.123Z'));
  const bus = new InProcessBus({ logger: silentLogger });
  // Nova routes by priority: versioned_notifications.info, and .error for the ERROR ones.
  await bus.subscribe(
    { exchange: DESTINATIONS.novaNotifications.exchange, routingKey: 'versioned_notifications.*' },
    (envelope, meta) => {
      const e = envelope as Record<string, unknown>;
      const captured = {
        routingKey: meta.destination.routingKey,
        envelope: e,
        message: JSON.parse(e['oslo.message'] as string) as Record<string, any>,
      };
      all.push(captured);
      batch.push(captured);
      return Promise.resolve();
    },
  );
  cloud = createSimulatedCloud({
    clock,
    bus,
    cluster: { hosts: 4, instances: 12, seed: 11 },
    migrationBandwidthMbPerS: 1024,
  });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  ({ token } = await simulatedLogin(cloud.urls.identity, { name: 'admin', password: 'admin' }));
});
afterAll(async () => {
  await cloud.close();
});

describe('the order and hosts of each operation, as in Nova', () => {
  it('boots a server: create.start before the claim (no host), create.end on the host', async () => {
    let id = '';
    const got = await during(async () => {
      id = (await nova('POST', '/servers', { server: { name: 'booted', flavorRef: '1' } })).body.server
        .id as string;
    });
    const host = cloud.state.instances.get(id)!.host!;
    expect(trail(got)).toEqual([
      ['instance.create.start', `nova-compute:${host}`, null],
      ['instance.create.end', `nova-compute:${host}`, host],
    ]);
    expect(data(got[1]!.message.payload)).toMatchObject({
      state: 'active',
      task_state: null,
      node: host,
      uuid: id,
    });
  });

  it('deletes a server on its compute with the guest shutdown between delete.start and delete.end', async () => {
    const inst = activeOn();
    const host = inst.host!;
    const got = await during(async () => {
      expect((await nova('DELETE', `/servers/${inst.id}`)).status).toBe(204);
    });
    expect(trail(got)).toEqual(
      [
        'instance.delete.start',
        'instance.shutdown.start',
        'instance.shutdown.end',
        'instance.delete.end',
      ].map((e) => [e, `nova-compute:${host}`, host]),
    );
    expect(data(got[0]!.message.payload)).toMatchObject({ task_state: 'deleting' });
    expect(data(got[3]!.message.payload)).toMatchObject({
      state: 'deleted',
      task_state: null,
      deleted_at: expect.any(String),
      terminated_at: expect.any(String),
    });
  });

  it('fails a boot with no valid host as the conductor does, and deletes the unscheduled server from nova-api', async () => {
    let id = '';
    const failed = await during(async () => {
      id = (
        await nova('POST', '/servers', {
          server: { name: 'nowhere', flavorRef: '1', availability_zone: 'no-such-zone' },
        })
      ).body.server.id as string;
    });
    expect(
      failed.map((m): unknown[] => [
        m.message.event_type,
        m.message.publisher_id,
        m.message.priority,
        m.routingKey,
      ]),
    ).toEqual([
      [
        'compute_task.build_instances.error',
        'nova-conductor:controller',
        'ERROR',
        'versioned_notifications.error',
      ],
    ]);
    expect(data(failed[0]!.message.payload)).toMatchObject({ instance_uuid: id, state: 'error' });
    const deleted = await during(async () => {
      expect((await nova('DELETE', `/servers/${id}`)).status).toBe(204);
    });
    expect(trail(deleted)).toEqual([
      ['instance.delete.start', 'nova-api:controller', null],
      ['instance.delete.end', 'nova-api:controller', null],
    ]);
  });

  it('live-migrates: pre on the destination, post on the source around post_dest, post.end last and stale', async () => {
    const inst = activeOn();
    const src = inst.host!;
    const dst = otherHost(src);
    const started = await during(async () => {
      expect(
        (
          await nova('POST', `/servers/${inst.id}/action`, {
            'os-migrateLive': { host: dst, block_migration: 'auto' },
          })
        ).status,
      ).toBe(202);
    });
    const finished = await during(() => settleAfter(600_000));
    expect(trail([...started, ...finished])).toEqual([
      ['instance.live_migration_pre.start', `nova-compute:${dst}`, src],
      ['instance.live_migration_pre.end', `nova-compute:${dst}`, src],
      ['instance.live_migration_post.start', `nova-compute:${src}`, src],
      ['instance.live_migration_post_dest.start', `nova-compute:${dst}`, src],
      ['instance.live_migration_post_dest.end', `nova-compute:${dst}`, dst],
      ['instance.live_migration_post.end', `nova-compute:${src}`, src],
    ]);
    expect(data(finished[2]!.message.payload)).toMatchObject({ host: dst, node: dst, task_state: null });
    expect(data(finished[3]!.message.payload)).toMatchObject({
      host: src,
      node: src,
      task_state: 'migrating',
    });
  });

  it('aborts a live migration: abort on the source, then the rollback with the destination cleanup inside it', async () => {
    const inst = activeOn();
    const src = inst.host!;
    const dst = otherHost(src);
    await during(async () => {
      await nova('POST', `/servers/${inst.id}/action`, {
        'os-migrateLive': { host: dst, block_migration: 'auto' },
      });
    });
    const mid = (await nova('GET', `/servers/${inst.id}/migrations`)).body.migrations[0].id as number;
    const got = await during(async () => {
      expect((await nova('DELETE', `/servers/${inst.id}/migrations/${mid}`)).status).toBe(202);
    });
    expect(trail(got)).toEqual([
      ['instance.live_migration_abort.start', `nova-compute:${src}`, src],
      ['instance.live_migration_abort.end', `nova-compute:${src}`, src],
      ['instance.live_migration_rollback.start', `nova-compute:${src}`, src],
      ['instance.live_migration_rollback_dest.start', `nova-compute:${dst}`, src],
      ['instance.live_migration_rollback_dest.end', `nova-compute:${dst}`, src],
      ['instance.live_migration_rollback.end', `nova-compute:${src}`, src],
    ]);
    expect(data(got[5]!.message.payload)).toMatchObject({ task_state: null });
  });

  it('cold-migrates and confirms: prep on the destination, resize on the source, finish on the destination, confirm on the source', async () => {
    const inst = activeOn();
    const src = inst.host!;
    const dst = otherHost(src);
    const started = await during(async () => {
      expect((await nova('POST', `/servers/${inst.id}/action`, { migrate: { host: dst } })).status).toBe(202);
    });
    const finished = await during(() => settleAfter(600_000));
    const confirmed = await during(async () => {
      expect((await nova('POST', `/servers/${inst.id}/action`, { confirmResize: null })).status).toBe(202);
    });
    expect(trail([...started, ...finished, ...confirmed])).toEqual([
      ['instance.resize_prep.start', `nova-compute:${dst}`, src],
      ['instance.resize_prep.end', `nova-compute:${dst}`, src],
      ['instance.resize.start', `nova-compute:${src}`, src],
      ['instance.resize.end', `nova-compute:${src}`, dst],
      ['instance.resize_finish.start', `nova-compute:${dst}`, dst],
      ['instance.resize_finish.end', `nova-compute:${dst}`, dst],
      ['instance.resize_confirm.start', `nova-compute:${src}`, dst],
      ['instance.resize_confirm.end', `nova-compute:${src}`, dst],
    ]);
    expect(data(finished[2]!.message.payload)).toMatchObject({ state: 'resized', task_state: null });
    expect(data(confirmed[1]!.message.payload)).toMatchObject({ state: 'active', task_state: null });
  });

  it.each([
    ['confirmResize', 'confirmed', ['instance.resize_confirm.start', 'instance.resize_confirm.end']],
    ['revertResize', 'reverted', ['instance.resize_revert.start', 'instance.resize_revert.end']],
  ])(
    'resizes to a new flavor (new_flavor in resize_prep) and finishes with %s',
    async (finish, _outcome, finishEvents) => {
      const inst = [...cloud.state.instances.values()].find(
        (i) => i.vmState === 'active' && !i.taskState && i.host !== null && i.flavor.id !== '2',
      )!;
      const src = inst.host!;
      const oldFlavor = inst.flavor.id;
      const started = await during(async () => {
        expect(
          (await nova('POST', `/servers/${inst.id}/action`, { resize: { flavorRef: '2' } })).status,
        ).toBe(202);
      });
      const dst = cloud.state.migrations.at(-1)!.destHost;
      const finished = await during(() => settleAfter(600_000));
      const done = await during(async () => {
        expect((await nova('POST', `/servers/${inst.id}/action`, { [finish]: null })).status).toBe(202);
      });
      expect(trail(started).map((t) => t[0])).toEqual([
        'instance.resize_prep.start',
        'instance.resize_prep.end',
        'instance.resize.start',
      ]);
      const prep = data(started[0]!.message.payload);
      expect([data(prep.flavor).flavorid, data(prep.new_flavor).flavorid]).toEqual([oldFlavor, '2']);
      expect(trail(finished).map((t) => t[0])).toEqual([
        'instance.resize.end',
        'instance.resize_finish.start',
        'instance.resize_finish.end',
      ]);
      expect(data(data(finished[2]!.message.payload).flavor).flavorid).toBe('2');
      if (finish === 'confirmResize') {
        expect(trail(done)).toEqual(finishEvents.map((e) => [e, `nova-compute:${src}`, dst]));
      } else {
        // revert_resize runs on the destination (still the new flavor), finish_revert_resize on the source (the old one).
        expect(trail(done)).toEqual([
          [finishEvents[0], `nova-compute:${dst}`, dst],
          [finishEvents[1], `nova-compute:${src}`, src],
        ]);
        expect([
          data(data(done[0]!.message.payload).flavor).flavorid,
          data(data(done[1]!.message.payload).flavor).flavorid,
        ]).toEqual(['2', oldFlavor]);
      }
    },
  );

  it('stops and starts a server on its compute: power_off and power_on', async () => {
    const inst = activeOn();
    const host = inst.host!;
    const stopped = await during(async () => {
      expect((await nova('POST', `/servers/${inst.id}/action`, { 'os-stop': null })).status).toBe(202);
    });
    const started = await during(async () => {
      expect((await nova('POST', `/servers/${inst.id}/action`, { 'os-start': null })).status).toBe(202);
    });
    expect(trail([...stopped, ...started])).toEqual(
      [
        'instance.power_off.start',
        'instance.power_off.end',
        'instance.power_on.start',
        'instance.power_on.end',
      ].map((e) => [e, `nova-compute:${host}`, host]),
    );
    expect(
      stopped.map((m) => [
        data(m.message.payload).state,
        data(m.message.payload).task_state,
        data(m.message.payload).power_state,
      ]),
    ).toEqual([
      ['active', 'powering-off', 'running'],
      ['stopped', null, 'shutdown'],
    ]);
  });

  it('sends instance.update from nova-api for each metadata change', async () => {
    const inst = activeOn();
    const got = await during(async () => {
      expect((await nova('POST', `/servers/${inst.id}/metadata`, { metadata: { role: 'db' } })).status).toBe(
        200,
      );
      expect(
        (await nova('PUT', `/servers/${inst.id}/metadata/tier`, { meta: { tier: 'gold' } })).status,
      ).toBe(200);
      expect((await nova('DELETE', `/servers/${inst.id}/metadata/role`)).status).toBe(204);
    });
    expect(trail(got)).toEqual([1, 2, 3].map(() => ['instance.update', 'nova-api:controller', inst.host]));
    expect(got.map((m) => data(m.message.payload).metadata)).toEqual([
      expect.objectContaining({ role: 'db' }),
      expect.objectContaining({ role: 'db', tier: 'gold' }),
      expect.not.objectContaining({ role: 'db' }),
    ]);
    expect(data(data(got[0]!.message.payload).state_update)).toEqual({
      old_state: 'active',
      state: 'active',
      old_task_state: null,
      new_task_state: null,
    });
  });

  it('sends service.update from the compute service itself on disable and enable', async () => {
    const h = cloud.state.hosts[3]!;
    const got = await during(async () => {
      expect(
        (
          await nova('PUT', `/os-services/${h.serviceId}`, {
            status: 'disabled',
            disabled_reason: 'maintenance',
          })
        ).status,
      ).toBe(200);
      expect((await nova('PUT', `/os-services/${h.serviceId}`, { status: 'enabled' })).status).toBe(200);
    });
    expect(trail(got)).toEqual([
      ['service.update', `nova-compute:${h.hostname}`, h.hostname],
      ['service.update', `nova-compute:${h.hostname}`, h.hostname],
    ]);
    expect(
      got.map((m) => [data(m.message.payload).disabled, data(m.message.payload).disabled_reason]),
    ).toEqual([
      [true, 'maintenance'],
      [false, null],
    ]);
  });
});

describe('every message against Nova', () => {
  // Runs after the operations above (vitest keeps file order), over everything they made the cloud send.
  it('covered every event type the simulator sends', () => {
    expect([...new Set(all.map((m) => m.message.event_type as string))].sort()).toEqual([
      'compute_task.build_instances.error',
      'instance.create.end',
      'instance.create.start',
      'instance.delete.end',
      'instance.delete.start',
      'instance.live_migration_abort.end',
      'instance.live_migration_abort.start',
      'instance.live_migration_post.end',
      'instance.live_migration_post.start',
      'instance.live_migration_post_dest.end',
      'instance.live_migration_post_dest.start',
      'instance.live_migration_pre.end',
      'instance.live_migration_pre.start',
      'instance.live_migration_rollback.end',
      'instance.live_migration_rollback.start',
      'instance.live_migration_rollback_dest.end',
      'instance.live_migration_rollback_dest.start',
      'instance.power_off.end',
      'instance.power_off.start',
      'instance.power_on.end',
      'instance.power_on.start',
      'instance.resize.end',
      'instance.resize.start',
      'instance.resize_confirm.end',
      'instance.resize_confirm.start',
      'instance.resize_finish.end',
      'instance.resize_finish.start',
      'instance.resize_prep.end',
      'instance.resize_prep.start',
      'instance.resize_revert.end',
      'instance.resize_revert.start',
      'instance.shutdown.end',
      'instance.shutdown.start',
      'instance.update',
      'service.update',
    ]);
  });

  it('wraps each in the oslo 2.0 envelope with the inner message keys and timestamp format oslo.messaging writes', () => {
    expect(all.length).toBeGreaterThan(0);
    for (const { envelope, message, routingKey } of all) {
      expect(Object.keys(envelope).sort()).toEqual(['oslo.message', 'oslo.version']);
      expect(envelope['oslo.version']).toBe('2.0');
      expect(typeof envelope['oslo.message']).toBe('string');
      expect(Object.keys(message)).toEqual(
        expect.arrayContaining([
          'event_type',
          'message_id',
          'payload',
          'priority',
          'publisher_id',
          'timestamp',
        ]),
      );
      // The rest is what the messagingv2 driver adds: _unique_id and the request context as _context_<key>.
      expect(
        Object.keys(message)
          .filter(
            (k) =>
              !['event_type', 'message_id', 'payload', 'priority', 'publisher_id', 'timestamp'].includes(k),
          )
          .every((k) => k === '_unique_id' || k.startsWith('_context_')),
      ).toBe(true);
      expect(message.message_id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(message.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?$/);
      expect(message.publisher_id).toMatch(/^nova-(compute|api|conductor):[\w.-]+$/);
      expect(routingKey).toBe(`versioned_notifications.${(message.priority as string).toLowerCase()}`);
    }
  });

  it("gives each the priority, publishing service, payload type and version, and payload keys and types of Nova's sample", () => {
    const problems = all.flatMap(({ message }) => {
      const sample = sampleFor(message);
      if (!sample)
        return [
          `${message.event_type as string} from ${message.publisher_id as string}: no Nova sample has this event from this service`,
        ];
      const where = `${message.event_type as string} (vs ${sample.file})`;
      return [
        ...(message.priority === sample.priority
          ? []
          : [`${where}: priority ${message.priority as string} where Nova has ${sample.priority}`]),
        ...shapeDiffs(sample.payload, message.payload, 'payload').map((d) => `${where}: ${d}`),
      ];
    });
    expect([...new Set(problems)]).toEqual([]);
  });
});

describe('a notification that cannot be sent', () => {
  it('is dropped, as oslo.messaging drops it, and the live migration that sent it still finishes', async () => {
    const lostClock = new ManualClock(new Date('2026-05-13T12:53:00.123Z'));
    const closed = new InProcessBus({ logger: silentLogger });
    await closed.close();
    const lost = createSimulatedCloud({
      clock: lostClock,
      bus: closed,
      cluster: { hosts: 4, instances: 12, seed: 11 },
      migrationBandwidthMbPerS: 1024,
    });
    await lost.listen({ host: '127.0.0.1', port: 0 });
    try {
      const clients = createCloudClients({
        auth: {
          authUrl: lost.credentials.authUrl,
          username: lost.credentials.username,
          password: lost.credentials.password,
          projectName: lost.credentials.projectName,
        },
        clock: lostClock,
      });
      const inst = [...lost.state.instances.values()].find((i) => i.vmState === 'active' && i.host !== null)!;
      const source = inst.host!;
      await clients.compute.liveMigrate(inst.id, { host: null, blockMigration: 'auto' });
      await lostClock.advance(600_000);
      await lost.settle();
      const server = (await clients.compute.getServer(inst.id))!;
      expect(server.hostname).not.toBe(source);
      expect(server.taskState).toBeNull();
      expect(lost.state.migrations.map((m) => m.status)).toEqual(['completed']);
      await clients.close();
    } finally {
      await lost.close();
    }
  });
});
