import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpBus } from '../../src/bus/amqp-bus.js';
import { DESTINATIONS, type Bus } from '../../src/bus/bus.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { encodeOsloEnvelope } from '../../src/bus/oslo-envelope.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createTempVhost, rabbitmqReachable, type TempVhost } from '../helpers/rabbitmq.js';
import { describeBusContract } from './bus.contract.js';

const reachable = await rabbitmqReachable();
if (!reachable && process.env.CI === 'true') throw new Error('RabbitMQ is not listening on 127.0.0.1:5672');

describeBusContract('InProcessBus', () => {
  const bus = new InProcessBus({ logger: silentLogger });
  return Promise.resolve({ bus, peer: () => Promise.resolve(bus), close: () => bus.close() });
});

describe.skipIf(!reachable)('AmqpBus on RabbitMQ', () => {
  let vhost: TempVhost;
  beforeAll(async () => {
    vhost = await createTempVhost();
  });
  afterAll(async () => {
    await vhost?.drop();
  });
  const connect = (): Promise<AmqpBus> =>
    AmqpBus.connect({ url: vhost.url, prefix: vhost.prefix, logger: silentLogger });

  describeBusContract('AmqpBus', async () => {
    const bus = await connect();
    const peers: Bus[] = [];
    return {
      bus,
      peer: async () => {
        const peer = await connect();
        peers.push(peer);
        return peer;
      },
      close: async () => {
        await Promise.all([bus.close(), ...peers.map((peer) => peer.close())]);
      },
    };
  });

  it('consumes what a real Nova writes: oslo envelope on topic exchange nova (durable=false), key versioned_notifications.info', async () => {
    const connection = await amqp.connect(vhost.url);
    const channel = await connection.createConfirmChannel();
    const nova = `${vhost.prefix}nova`;
    // oslo.messaging's notify_send: topic exchange, durable=amqp_durable_queues (false), auto_delete=false,
    // plus the default queue named after the routing key.
    await channel.assertExchange(nova, 'topic', { durable: false, autoDelete: false });
    await channel.assertQueue(`${vhost.prefix}versioned_notifications.info`, { durable: false });
    const bus = await connect();
    let resolveArrived: (message: unknown) => void = () => undefined;
    const arrived = new Promise<unknown>((resolve) => (resolveArrived = resolve));
    // subscribe resolves once the queue is bound, so a publish right after cannot be lost.
    await bus.subscribe(DESTINATIONS.novaNotifications, (message) => {
      resolveArrived(message);
      return Promise.resolve();
    });
    const notification = {
      event_type: 'instance.update',
      publisher_id: 'nova-compute:c1',
      priority: 'INFO',
      payload: { 'nova_object.data': { uuid: 'u1' } },
    };
    channel.publish(
      nova,
      'versioned_notifications.info',
      Buffer.from(JSON.stringify(encodeOsloEnvelope(notification))),
    );
    await channel.waitForConfirms();
    expect(await arrived).toEqual(notification);
    await bus.close();
    await connection.close();
  });

  it('drops an undecodable message and goes on with the next one', async () => {
    const bus = await connect();
    const received: unknown[] = [];
    let done: () => void = () => undefined;
    const second = new Promise<void>((resolve) => (done = resolve));
    await bus.subscribe({ exchange: 'steward', routingKey: 'garbage' }, (message) => {
      received.push(message);
      done();
      return Promise.resolve();
    });
    const connection = await amqp.connect(vhost.url);
    const channel = await connection.createConfirmChannel();
    channel.publish(`${vhost.prefix}steward`, 'garbage', Buffer.from('{not json'));
    channel.publish(
      `${vhost.prefix}steward`,
      'garbage',
      Buffer.from(JSON.stringify(encodeOsloEnvelope({ ok: 1 }))),
    );
    await channel.waitForConfirms();
    await second;
    expect(received).toEqual([{ ok: 1 }]);
    await connection.close();
    await bus.close();
  });

  it('lets a running handler finish on close and acks its message (no redelivery)', async () => {
    const queue = 'drained';
    const destination = { exchange: 'steward', routingKey: 'drain' };
    const first = await connect();
    let release: () => void = () => undefined;
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    let finished = false;
    await first.subscribe(
      destination,
      async () => {
        started();
        await new Promise<void>((resolve) => (release = resolve));
        finished = true;
      },
      { queue },
    );
    await first.publish(destination, 'in flight');
    await running;
    const closing = first.close();
    release();
    await closing;
    expect(finished).toBe(true);
    const second = await connect();
    const redelivered: unknown[] = [];
    let gotMarker: () => void = () => undefined;
    const marker = new Promise<void>((resolve) => (gotMarker = resolve));
    await second.subscribe(
      destination,
      (message) => {
        if (message === 'marker') gotMarker();
        else redelivered.push(message);
        return Promise.resolve();
      },
      { queue },
    );
    await second.publish(destination, 'marker');
    await marker;
    expect(redelivered).toEqual([]);
    await second.close();
  });

  it('re-attaches its subscriptions after the broker drops the connection', async () => {
    if (!vhost.closeConnections) throw new Error('rabbitmqctl is needed to drop connections');
    const bus = await AmqpBus.connect({
      url: vhost.url,
      prefix: vhost.prefix,
      logger: silentLogger,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    const queue = 'survives';
    const received: unknown[] = [];
    let notify: () => void = () => undefined;
    await bus.subscribe(
      { exchange: 'steward', routingKey: 'after.reconnect' },
      (message) => {
        received.push(message);
        notify();
        return Promise.resolve();
      },
      { queue },
    );
    await vhost.closeConnections();
    const got = new Promise<void>((resolve) => (notify = resolve));
    await bus.publish({ exchange: 'steward', routingKey: 'after.reconnect' }, 'hello again');
    await got;
    expect(received).toEqual(['hello again']);
    await bus.close();
  });
});
