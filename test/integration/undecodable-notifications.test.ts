/**
 * A message on Nova's exchange that is not a notification at all (not JSON, or an oslo envelope whose inner message
 * is not JSON) never reaches a collector, yet it is counted like every other message: in
 * `steward_notifications_total{event_type="unknown", outcome="undecodable"}`, through the machine's RabbitMQ.
 */
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpBus } from '../../src/bus/amqp-bus.js';
import { DESTINATIONS } from '../../src/bus/bus.js';
import {
  createComputeModelProvider,
  type LiveComputeModelProvider,
} from '../../src/collectors/compute-model-provider.js';
import { ManualClock } from '../../src/lib/clock.js';
import { ClusterModel } from '../../src/model/cluster-model.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createTempVhost, rabbitmqReachable, type TempVhost } from '../helpers/rabbitmq.js';

const brokerUp = await rabbitmqReachable();
if (!brokerUp && process.env.CI === 'true') throw new Error('RabbitMQ is not listening on 127.0.0.1:5672');

describe.skipIf(!brokerUp)('undecodable messages on the notification exchange', () => {
  let vhost: TempVhost;
  let bus: AmqpBus;
  let provider: LiveComputeModelProvider;
  let metrics: Metrics;

  beforeAll(async () => {
    vhost = await createTempVhost();
    bus = await AmqpBus.connect({ url: vhost.url, prefix: vhost.prefix, logger: silentLogger });
    metrics = createMetrics({ defaultMetrics: false });
    provider = createComputeModelProvider({
      collect: () => Promise.resolve(new ClusterModel()),
      bus,
      clock: new ManualClock(),
      logger: silentLogger,
      metrics,
      syncIntervalMs: 3_600_000,
    });
    await provider.start();
    await provider.getComputeModel();
  });

  afterAll(async () => {
    await provider?.stop();
    await bus?.close();
    await vhost?.drop();
  });

  const undecodable = async () =>
    (await metrics.notificationsTotal.get()).values.find(
      (value) => value.labels.event_type === 'unknown' && value.labels.outcome === 'undecodable',
    )?.value ?? 0;

  it('counts each one as undecodable', async () => {
    const connection = await amqp.connect(vhost.url);
    try {
      const channel = await connection.createConfirmChannel();
      const exchange = `${vhost.prefix}${DESTINATIONS.novaNotifications.exchange}`;
      const { routingKey } = DESTINATIONS.novaNotifications;
      channel.publish(exchange, routingKey, Buffer.from('this is not JSON'));
      channel.publish(
        exchange,
        routingKey,
        Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': '{"event_type": ' })),
      );
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
    await expect.poll(undecodable, { timeout: 10_000 }).toBe(2);
  });
});
