/**
 * Notification ingest over the real RabbitMQ, in events/s: N oslo-enveloped Nova notifications are put in two
 * queues bound to the same exchange (so both read identical messages), then drained by (a) AmqpBus — consume,
 * decode the envelope, deliver to a handler, ack — and (b) the baseline: raw amqplib consume + ack, no decoding.
 * Publishing happens before the clock starts, so only ingest is measured. The collector adds model-apply on top.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import amqp from 'amqplib';
import { AmqpBus } from '../src/bus/amqp-bus.js';
import { DESTINATIONS } from '../src/bus/bus.js';
import { encodeOsloEnvelope } from '../src/bus/oslo-envelope.js';
import { silentLogger, type Logger } from '../src/observability/logger.js';

export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline: number;
  /** value / baseline. */
  ratio: number;
  target: number;
  passed: boolean;
  details: Record<string, number | string>;
}

export interface NotificationIngestOptions {
  url?: string;
  events?: number;
  prefetch?: number;
  logger?: Logger;
  /** Called with each decoded notification (the collector's model-apply goes here). */
  handler?: (message: unknown) => Promise<void>;
  /** Instances the notifications are about (uuid and host), cycled; default: new random uuids on compute-00000…00999. */
  instances?: readonly { uuid: string; host: string }[];
  name?: string;
}

function novaNotification(index: number, instances?: readonly { uuid: string; host: string }[]): unknown {
  const target = instances?.[index % instances.length];
  const uuid = target?.uuid ?? randomUUID();
  const host = target?.host ?? `compute-${String(index % 1000).padStart(5, '0')}`;
  return {
    message_id: randomUUID(),
    publisher_id: `nova-compute:${host}`,
    event_type: 'instance.update',
    priority: 'INFO',
    timestamp: new Date().toISOString().replace('T', ' ').replace('Z', ''),
    payload: {
      'nova_object.name': 'InstanceUpdatePayload',
      'nova_object.namespace': 'nova',
      'nova_object.version': '2.0',
      'nova_object.data': {
        uuid,
        host,
        node: host,
        updated_at: new Date(Date.now() + index).toISOString(),
        state: 'active',
        power_state: 'running',
        task_state: null,
        flavor: {
          'nova_object.name': 'FlavorPayload',
          'nova_object.version': '1.4',
          'nova_object.data': {
            flavorid: 'm1.small',
            name: 'm1.small',
            vcpus: 2,
            memory_mb: 4096,
            root_gb: 20,
            ephemeral_gb: 0,
            swap: 0,
            extra_specs: {},
            disabled: false,
            is_public: true,
          },
        },
        locked: false,
        locked_reason: null,
        availability_zone: 'nova',
        display_name: `vm-${index}`,
        tenant_id: 'b3f1c0de00000000000000000000abcd',
        metadata: {},
      },
    },
  };
}

/** Seconds to take `events` messages off `queue` with a raw amqplib consumer: ack only, no decoding. */
async function drainRaw(
  connection: amqp.ChannelModel,
  queue: string,
  events: number,
  prefetch: number,
): Promise<number> {
  const raw = await connection.createChannel();
  await raw.prefetch(prefetch);
  let count = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    void raw.consume(queue, (message) => {
      if (!message) return;
      raw.ack(message);
      if (++count === events) resolve();
    });
  });
  const seconds = (performance.now() - start) / 1000;
  await raw.close();
  return seconds;
}

export async function runNotificationIngestBench(
  options: NotificationIngestOptions = {},
): Promise<BenchResult> {
  const url = options.url ?? process.env.STEWARD_BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const events = options.events ?? 20_000;
  const prefetch = options.prefetch ?? 200;
  const prefix = `bench${randomBytes(4).toString('hex')}.`;
  const exchange = `${prefix}${DESTINATIONS.novaNotifications.exchange}`;
  const routingKey = DESTINATIONS.novaNotifications.routingKey;
  const busQueue = 'ingest';
  // The baseline runs before and after AmqpBus (broker caches warm up during a run); the faster one counts.
  const baselineQueues = [`${prefix}baseline-before`, `${prefix}baseline-after`];

  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  try {
    await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    await channel.assertQueue(`${prefix}${busQueue}`, { durable: true });
    await channel.bindQueue(`${prefix}${busQueue}`, exchange, routingKey);
    for (const queue of baselineQueues) {
      await channel.assertQueue(queue, { durable: true });
      await channel.bindQueue(queue, exchange, routingKey);
    }
    let bytes = 0;
    for (let i = 0; i < events; i++) {
      const body = Buffer.from(JSON.stringify(encodeOsloEnvelope(novaNotification(i, options.instances))));
      bytes += body.length;
      if (!channel.publish(exchange, routingKey, body, { contentType: 'application/json' }))
        await new Promise((resolve) => channel.once('drain', resolve));
    }
    await channel.waitForConfirms();

    const baselineBefore = await drainRaw(connection, baselineQueues[0]!, events, prefetch);

    const bus = await AmqpBus.connect({ url, prefix, logger: options.logger ?? silentLogger });
    let busCount = 0;
    let resolveBus: () => void = () => undefined;
    const busDone = new Promise<void>((resolve) => (resolveBus = resolve));
    const handler = options.handler;
    const busStart = performance.now();
    await bus.subscribe(
      DESTINATIONS.novaNotifications,
      async (message) => {
        if (handler) await handler(message);
        if (++busCount === events) resolveBus();
      },
      { queue: busQueue, prefetch },
    );
    await busDone;
    const busSeconds = (performance.now() - busStart) / 1000;
    await bus.close();
    const baselineAfter = await drainRaw(connection, baselineQueues[1]!, events, prefetch);
    const baselineSeconds = Math.min(baselineBefore, baselineAfter);

    const value = events / busSeconds;
    const baseline = events / baselineSeconds;
    const target = 5000;
    return {
      name: options.name ?? 'notification-ingest',
      unit: 'events/s',
      value: Math.round(value),
      baseline: Math.round(baseline),
      ratio: Number((value / baseline).toFixed(3)),
      target,
      passed: value >= target,
      details: {
        events,
        prefetch,
        meanMessageBytes: Math.round(bytes / events),
        busSeconds: Number(busSeconds.toFixed(3)),
        baselineBeforeSeconds: Number(baselineBefore.toFixed(3)),
        baselineAfterSeconds: Number(baselineAfter.toFixed(3)),
      },
    };
  } finally {
    await channel.deleteQueue(`${prefix}${busQueue}`).catch(() => undefined);
    for (const queue of baselineQueues) await channel.deleteQueue(queue).catch(() => undefined);
    await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
  }
}

/**
 * The same ingest, but every message goes through the live compute model (decode, staleness and duplicate checks,
 * apply to a 1,000-host / 10,000-instance model synced from the simulated cloud): what Steward really sustains.
 * The baseline is still the raw amqplib consumer in the same run.
 */
export async function runCollectorIngestBench(
  options: { url?: string; events?: number } = {},
): Promise<BenchResult> {
  const { ManualClock } = await import('../src/lib/clock.js');
  const { createSimulatedCloud } = await import('../src/simulator/index.js');
  const { createCloudClients } = await import('../src/cloud/openstack.js');
  const { collectComputeModel } = await import('../src/collectors/nova-sync.js');
  const { createComputeModelProvider } = await import('../src/collectors/compute-model-provider.js');
  const { createMetrics } = await import('../src/observability/metrics.js');
  const clock = new ManualClock(new Date());
  const cloud = createSimulatedCloud({ clock, cluster: { hosts: 1000, instances: 10_000, seed: 42 } });
  await cloud.listen({ host: '127.0.0.1', port: 0 });
  const c = cloud.credentials;
  const clients = createCloudClients({
    auth: { authUrl: c.authUrl, username: c.username, password: c.password, projectName: c.projectName },
    clock,
  });
  const metrics = createMetrics({ defaultMetrics: false });
  try {
    const { model } = await collectComputeModel(clients, { now: new Date(0) });
    const provider = createComputeModelProvider({
      collect: () => Promise.resolve(model),
      clock,
      logger: silentLogger,
      metrics,
      syncIntervalMs: 3_600_000,
    });
    await provider.refresh();
    const instances = [...model.instances()].map((instance) => ({
      uuid: instance.uuid,
      host: instance.hostname!,
    }));
    const outcomes = new Map<string, number>();
    const result = await runNotificationIngestBench({
      ...options,
      name: 'notification-ingest-collector',
      instances,
      handler: (message) => {
        const outcome = provider.ingest(message).outcome;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        return Promise.resolve();
      },
    });
    await provider.stop();
    return {
      ...result,
      details: {
        ...result.details,
        ...Object.fromEntries([...outcomes].map(([outcome, n]) => [`outcome_${outcome}`, n])),
      },
    };
  } finally {
    await clients.close();
    await cloud.close();
  }
}
