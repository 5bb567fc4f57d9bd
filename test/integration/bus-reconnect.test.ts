/**
 * AmqpBus through connection loss on the machine's RabbitMQ, confined to a vhost of its own so other tests on the
 * broker are not disturbed: the vhost's connections are dropped, and for a longer outage guest's permissions are
 * taken away until the test gives them back (reconnections are refused meanwhile, queues and messages stay). A full
 * broker restart is the chaos test's (test/chaos/).
 */
import { Writable } from 'node:stream';
import amqp from 'amqplib';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmqpBus } from '../../src/bus/amqp-bus.js';
import type { Destination } from '../../src/bus/bus.js';
import { isStewardError } from '../../src/errors.js';
import type { Logger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createTempVhost, rabbitmqReachable, type TempVhost } from '../helpers/rabbitmq.js';
import { eventually } from '../helpers/server.js';

const brokerUp = await rabbitmqReachable();
if (!brokerUp && process.env.CI === 'true') throw new Error('RabbitMQ is not listening on 127.0.0.1:5672');

interface LogLine {
  level: number;
  msg: string;
}
const WARN = 40;

/** A pino logger whose lines the test reads back. */
function recordingLogger() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

async function reconnects(metrics: Metrics): Promise<number> {
  return (await metrics.busReconnects.get()).values[0]?.value ?? 0;
}

describe.skipIf(!brokerUp)('AmqpBus through a lost connection', () => {
  let vhost: TempVhost;
  const open: AmqpBus[] = [];
  const restores: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    vhost = await createTempVhost();
    if (!vhost.cutOff) throw new Error('rabbitmqctl is needed to cut a vhost off');
  });
  afterEach(async () => {
    // A failed test must not leave the vhost cut off for the next one.
    for (const restore of restores.splice(0)) await restore();
    await Promise.all(open.splice(0).map((bus) => bus.close()));
  });
  afterAll(async () => {
    await vhost?.drop();
  });

  async function connect(options: { publishTimeoutMs?: number; logger?: Logger; metrics?: Metrics } = {}) {
    const bus = await AmqpBus.connect({
      url: vhost.url,
      prefix: vhost.prefix,
      logger: options.logger ?? pino({ level: 'silent' }),
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      ...(options.metrics && { metrics: options.metrics }),
      ...(options.publishTimeoutMs !== undefined && { publishTimeoutMs: options.publishTimeoutMs }),
    });
    open.push(bus);
    return bus;
  }

  async function cutOff(): Promise<() => Promise<void>> {
    const { restore } = await vhost.cutOff!();
    const once = async () => {
      const index = restores.indexOf(once);
      if (index >= 0) restores.splice(index, 1);
      await restore();
    };
    restores.push(once);
    return once;
  }

  const destination = (routingKey: string): Destination => ({ exchange: 'steward', routingKey });

  it('re-attaches its subscriptions, tells each subscriber once, counts the reconnection, warns once and says when it is back', async () => {
    const { logger, lines } = recordingLogger();
    const metrics = createMetrics({ defaultMetrics: false });
    const bus = await connect({ logger, metrics });
    const received: unknown[] = [];
    let told = 0;
    let reconnected: () => void = () => undefined;
    const back = new Promise<void>((resolve) => (reconnected = resolve));
    await bus.subscribe(
      destination('fan.out'),
      (message) => {
        received.push(message);
        return Promise.resolve();
      },
      {
        onReconnected: () => {
          told++;
          reconnected();
        },
      },
    );

    const restore = await cutOff();
    // Refused reconnections meanwhile: they must not each warn.
    await eventually(
      () => Promise.resolve(lines.filter((line) => /reconnection scheduled/.test(line.msg)).length),
      (attempts) => attempts >= 3,
      10_000,
    );
    await restore();
    await back;
    await bus.publish(destination('fan.out'), 'after');
    await eventually(
      () => Promise.resolve(received),
      (items) => items.length === 1,
      10_000,
    );

    expect(received).toEqual(['after']);
    expect(told).toBe(1);
    expect(await reconnects(metrics)).toBe(1);
    expect(lines.filter((line) => line.level >= WARN).map((line) => line.msg)).toEqual([
      'RabbitMQ connection lost; reconnecting with backoff, publishes wait for it',
    ]);
    expect(lines.some((line) => line.msg === 'RabbitMQ reconnected; subscriptions re-attached')).toBe(true);
  });

  it('holds a publish made while the broker refuses the connection and delivers it once, when the broker is back', async () => {
    const bus = await connect();
    const received: unknown[] = [];
    await bus.subscribe(
      destination('work'),
      (message) => {
        received.push(message);
        return Promise.resolve();
      },
      { queue: 'held' },
    );
    const restore = await cutOff();
    let published = false;
    const publishing = bus.publish(destination('work'), 'held').then(() => (published = true));
    // Nothing can reach the broker now: the publish waits.
    const peer = await amqp.connect(vhost.url).catch((error: unknown) => error);
    expect(peer).toBeInstanceOf(Error);
    expect(published).toBe(false);

    await restore();
    await publishing;
    await bus.publish(destination('work'), 'marker');
    await eventually(
      () => Promise.resolve(received),
      (items) => items.includes('marker'),
      10_000,
    );
    expect(received).toEqual(['held', 'marker']);
  });

  it('fails a publish with BUS_UNAVAILABLE once the broker has stayed away longer than the publish timeout', async () => {
    const bus = await connect({ publishTimeoutMs: 300 });
    await bus.publish(destination('late'), 'declares the exchange');
    const restore = await cutOff();

    const error = await bus.publish(destination('late'), 'lost').catch((failure: unknown) => failure);
    expect(isStewardError(error) && error.code).toBe('BUS_UNAVAILABLE');
    expect(isStewardError(error) && error.retryable).toBe(true);
    expect((error as Error).message).toMatch(/RabbitMQ has been unreachable for \d/);

    await restore();
    await expect(bus.publish(destination('late'), 'back')).resolves.toBeUndefined();
  });

  it('re-attaches a consumer whose queue was deleted under it', async () => {
    const bus = await connect();
    const received: string[] = [];
    await bus.subscribe(
      destination('deleted'),
      (message) => {
        received.push(message as string);
        return Promise.resolve();
      },
      { queue: 'deleted' },
    );
    const admin = await amqp.connect(vhost.url);
    const channel = await admin.createChannel();
    await channel.deleteQueue(`${vhost.prefix}deleted`);
    await admin.close();

    // Until the queue is declared again, what is published goes nowhere: publish until one arrives.
    let sent = 0;
    await eventually(
      async () => {
        await bus.publish(destination('deleted'), `try ${++sent}`);
        return received.length;
      },
      (count) => count > 0,
      10_000,
    );
    expect(received[0]).toMatch(/^try \d+$/);
  });

  it('declares an exchange again when it was deleted under the publisher, instead of failing every later publish', async () => {
    const bus = await connect();
    await bus.publish(destination('gone'), 'declares the exchange');
    const admin = await amqp.connect(vhost.url);
    const channel = await admin.createChannel();
    await channel.deleteExchange(`${vhost.prefix}steward`);
    await admin.close();

    await expect(bus.publish(destination('gone'), 'after the delete')).resolves.toBeUndefined();
    const received: unknown[] = [];
    await bus.subscribe(destination('gone'), (message) => {
      received.push(message);
      return Promise.resolve();
    });
    await bus.publish(destination('gone'), 'delivered');
    await eventually(
      () => Promise.resolve(received),
      (items) => items.length === 1,
      10_000,
    );
    expect(received).toEqual(['delivered']);
  });
});
