/**
 * Bad Nova notifications reaching a running Steward over the machine's real RabbitMQ (exchange `nova`, routing key
 * `versioned_notifications.info`, as Nova publishes them): each is logged and dropped with a counter in `/metrics`,
 * and the compute model stays as it was.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESTINATIONS } from '../../src/bus/bus.js';
import { createTempVhost, rabbitmqReachable, type TempVhost } from '../helpers/rabbitmq.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

const brokerUp = await rabbitmqReachable();
if (!brokerUp && process.env.CI === 'true') throw new Error('RabbitMQ is not listening on 127.0.0.1:5672');

const envelope = (message: unknown) => ({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) });

function instanceUpdate(
  uuid: string,
  host: string,
  updatedAt: string,
  messageId = randomUUID(),
  overrides: Record<string, unknown> = {},
) {
  return {
    message_id: messageId,
    publisher_id: `nova-compute:${host}`,
    event_type: 'instance.update',
    priority: 'INFO',
    timestamp: updatedAt.replace('T', ' ').replace('Z', ''),
    payload: {
      'nova_object.name': 'InstanceUpdatePayload',
      'nova_object.namespace': 'nova',
      'nova_object.version': '2.0',
      'nova_object.data': {
        uuid,
        host,
        node: host,
        state: 'active',
        task_state: null,
        power_state: 'running',
        display_name: 'renamed-by-test',
        tenant_id: 'p1',
        locked: false,
        metadata: {},
        updated_at: updatedAt,
        flavor: {
          'nova_object.name': 'FlavorPayload',
          'nova_object.data': {
            flavorid: 'f',
            name: 'm1.small',
            vcpus: 1,
            memory_mb: 2048,
            root_gb: 20,
            ephemeral_gb: 0,
            swap: 0,
            extra_specs: {},
          },
        },
        ...overrides,
      },
    },
  };
}

describe.skipIf(!brokerUp)('bad Nova notifications over RabbitMQ', () => {
  let vhost: TempVhost;
  let server: TestServer;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;

  const publish = async (body: Buffer | string | object) => {
    const content = Buffer.isBuffer(body)
      ? body
      : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    channel.publish(
      DESTINATIONS.novaNotifications.exchange,
      DESTINATIONS.novaNotifications.routingKey,
      content,
      { contentType: 'application/json' },
    );
    await channel.waitForConfirms();
  };

  const counter = async (eventType: string, outcome: string): Promise<number> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (row) =>
          row.startsWith('steward_notifications_total{') &&
          row.includes(`event_type="${eventType}"`) &&
          row.includes(`outcome="${outcome}"`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  beforeAll(async () => {
    vhost = await createTempVhost();
    server = await startTestServer({ 'bus.url': vhost.url });
    await eventually(
      () => Promise.resolve(server.steward.models?.current?.instanceCount ?? 0),
      (count) => count > 0,
    );
    connection = await amqp.connect(vhost.url);
    channel = await connection.createConfirmChannel();
  });

  afterAll(async () => {
    await channel?.close();
    await connection?.close();
    await server?.stop();
    await vhost?.drop();
  });

  it('drops each bad message with a counter in /metrics and leaves the model unchanged', async () => {
    const model = server.steward.models!.current!;
    const instance = [...model.instances()][0]!;
    const before = JSON.stringify([...model.instances()].map((i) => [i.uuid, i.name, i.hostname, i.state]));
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(0).toISOString();

    await publish('{"oslo.version": "2.0", "oslo.message": "{not json');
    await publish(Buffer.from([0xff, 0xfe, 0x00]));
    await publish(
      envelope({ message_id: randomUUID(), publisher_id: 'nova-compute:x', priority: 'INFO', payload: {} }),
    );
    await publish(
      envelope({
        ...instanceUpdate(instance.uuid, instance.hostname!, future),
        event_type: 'instance.teleport.end',
      }),
    );
    await publish(
      envelope(instanceUpdate(instance.uuid, instance.hostname!, future, randomUUID(), { uuid: undefined })),
    );
    await publish(
      envelope(instanceUpdate(instance.uuid, instance.hostname!, future, randomUUID(), { flavor: 'large' })),
    );
    await publish(envelope(instanceUpdate(instance.uuid, instance.hostname!, past)));

    await eventually(
      () => counter('instance.update', 'stale'),
      (count) => count >= 1,
      10_000,
    );
    expect(await counter('instance.update', 'dropped_malformed')).toBeGreaterThanOrEqual(2);
    expect(await counter('instance.teleport.end', 'dropped_unknown')).toBe(1);
    const unnamed =
      (await counter('unknown', 'dropped_malformed')) + (await counter('other', 'dropped_malformed'));
    expect(unnamed).toBeGreaterThanOrEqual(1);
    const after = server.steward.models!.current!;
    expect(JSON.stringify([...after.instances()].map((i) => [i.uuid, i.name, i.hostname, i.state]))).toBe(
      before,
    );

    // A good message still gets through afterwards, once; its duplicate is counted and ignored.
    const messageId = randomUUID();
    await publish(envelope(instanceUpdate(instance.uuid, instance.hostname!, future, messageId)));
    await publish(envelope(instanceUpdate(instance.uuid, instance.hostname!, future, messageId)));
    await eventually(
      () => counter('instance.update', 'duplicate'),
      (count) => count >= 1,
      10_000,
    );
    expect(server.steward.models!.current!.getInstance(instance.uuid)!.name).toBe('renamed-by-test');
    expect(await counter('instance.update', 'applied')).toBeGreaterThanOrEqual(1);
  });
});
