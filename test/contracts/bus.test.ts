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
  const connect = (): Promise<AmqpBus> => AmqpBus.connect({ url: vhost.url, prefix: vhost.prefix, logger: silentLogger });

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
    const notification = { event_type: 'instance.update', publisher_id: 'nova-compute:c1', priority: 'INFO', payload: { 'nova_object.data': { uuid: 'u1' } } };
    channel.publish(nova, 'versioned_notifications.info', Buffer.from(JSON.stringify(encodeOsloEnvelope(notification))));
    await channel.waitForConfirms();
    expect(await arrived).toEqual(notification);
    await bus.close();
    await connection.close();
  });

  it('re-attaches its subscriptions after the broker drops the connection', async () => {
    if (!vhost.closeConnections) throw new Error('rabbitmqctl is needed to drop connections');
    const bus = await AmqpBus.connect({ url: vhost.url, prefix: vhost.prefix, logger: silentLogger, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    const queue = 'survives';
    const received: unknown[] = [];
    let notify: () => void = () => undefined;
    await bus.subscribe({ exchange: 'steward', routingKey: 'after.reconnect' }, (message) => {
      received.push(message);
      notify();
      return Promise.resolve();
    }, { queue });
    await vhost.closeConnections();
    const got = new Promise<void>((resolve) => (notify = resolve));
    await bus.publish({ exchange: 'steward', routingKey: 'after.reconnect' }, 'hello again');
    await got;
    expect(received).toEqual(['hello again']);
    await bus.close();
  });
});
