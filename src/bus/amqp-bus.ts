/**
 * The bus over RabbitMQ (amqplib). Exchanges are topic exchanges. Steward's own exchanges are durable; a foreign
 * exchange (Nova's `nova`) is only checked passively and, when missing, declared exactly as oslo.messaging's rabbit
 * driver declares it in notify_send (topic, durable = amqp_durable_queues = false, auto_delete = false), so a
 * redeclare can never fail with PRECONDITION_FAILED against a real deployment.
 *
 * Named queues are durable and shared (competing consumers); unnamed subscriptions get an exclusive auto-delete
 * queue (fan-out). Publishes go through a confirm channel. A handler's message is acked after the handler, nacked
 * without requeue (and logged) if it throws. amqplib's recovery reconnects with backoff; every subscription is
 * re-attached on each connect. Exclusive queues die with the connection, so fan-out subscribers miss what is
 * published while disconnected; named queues keep it.
 */
import amqp, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type RecoveringChannelModel,
} from 'amqplib';
import type { Logger } from '../observability/logger.js';
import type { Bus, BusHandler, Destination, SubscribeOptions, Subscription } from './bus.js';
import { decodeOsloEnvelope, encodeOsloEnvelope } from './oslo-envelope.js';

export interface AmqpBusOptions {
  url: string;
  logger: Logger;
  /** Prepended to every exchange and queue name (tests, several Stewards on one vhost). Empty for production. */
  prefix?: string;
  /** Exchanges Steward owns and declares durable; any other exchange is treated as foreign. Default ['steward']. */
  ownExchanges?: readonly string[];
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
}

interface SubscriptionState {
  destination: Destination;
  handler: BusHandler;
  options: SubscribeOptions;
  channel?: Channel;
  consumerTag?: string;
  inFlight: Set<Promise<void>>;
  closed: boolean;
}

export class AmqpBus implements Bus {
  readonly #logger: Logger;
  readonly #prefix: string;
  readonly #own: Set<string>;
  readonly #subscriptions = new Set<SubscriptionState>();
  /** Exchanges already declared on a connection: publishing must not cost a declare round trip each time. */
  readonly #declared = new WeakMap<ChannelModel, Set<string>>();
  #connection!: RecoveringChannelModel;
  #model: ChannelModel | undefined;
  #publisher: ConfirmChannel | undefined;
  #connected: Promise<void>;
  #markConnected!: () => void;
  #closed = false;

  private constructor(options: AmqpBusOptions) {
    this.#logger = options.logger.child({ part: 'bus', transport: 'amqp' });
    this.#prefix = options.prefix ?? '';
    this.#own = new Set(options.ownExchanges ?? ['steward']);
    this.#connected = new Promise((resolve) => (this.#markConnected = resolve));
  }

  static async connect(options: AmqpBusOptions): Promise<AmqpBus> {
    const bus = new AmqpBus(options);
    bus.#connection = await amqp.connect(options.url, {
      // Notifications and control messages are small: without TCP_NODELAY each confirm waits out Nagle's algorithm
      // against the peer's delayed ACK (~40 ms a publish on Linux).
      noDelay: true,
      recovery: {
        initialDelay: options.reconnect?.initialDelayMs ?? 100,
        maxDelay: options.reconnect?.maxDelayMs ?? 10_000,
        // A wrong URL or credentials at startup should fail the process, not retry for ever.
        initialMaxRetries: 2,
        setup: (model: ChannelModel) => bus.#setup(model),
      },
    });
    bus.#connection.on('disconnect', (error: Error) => {
      if (bus.#closed) return;
      bus.#logger.warn({ err: error }, 'RabbitMQ connection lost; reconnecting');
      bus.#publisher = undefined;
      bus.#model = undefined;
      bus.#connected = new Promise((resolve) => (bus.#markConnected = resolve));
    });
    bus.#connection.on('reconnect-failed', (error: Error) =>
      bus.#logger.error({ err: error }, 'RabbitMQ reconnection gave up'),
    );
    bus.#connection.on('error', (error: Error) =>
      bus.#logger.warn({ err: error }, 'RabbitMQ connection error'),
    );
    await bus.#connected;
    return bus;
  }

  async #setup(model: ChannelModel): Promise<void> {
    const publisher = await model.createConfirmChannel();
    publisher.on('error', (error: Error) =>
      this.#logger.warn({ err: error }, 'RabbitMQ publish channel error'),
    );
    this.#model = model;
    this.#publisher = publisher;
    for (const subscription of this.#subscriptions) {
      if (!subscription.closed) await this.#attach(subscription, model);
    }
    this.#logger.info({ subscriptions: this.#subscriptions.size }, 'RabbitMQ connected');
    this.#markConnected();
  }

  readonly #name = (name: string): string => `${this.#prefix}${name}`;

  async #ensureExchange(model: ChannelModel, exchange: string): Promise<string> {
    const name = this.#name(exchange);
    let declared = this.#declared.get(model);
    if (!declared) this.#declared.set(model, (declared = new Set()));
    if (declared.has(name)) return name;
    await this.#declareExchange(model, exchange, name);
    declared.add(name);
    return name;
  }

  async #declareExchange(model: ChannelModel, exchange: string, name: string): Promise<void> {
    if (this.#own.has(exchange)) {
      const channel = await model.createChannel();
      await channel.assertExchange(name, 'topic', { durable: true, autoDelete: false });
      await channel.close();
      return;
    }
    // A passive check closes its channel on 404, hence a throwaway channel.
    const probe = await model.createChannel();
    probe.on('error', () => undefined);
    try {
      await probe.checkExchange(name);
      await probe.close();
    } catch {
      const channel = await model.createChannel();
      await channel.assertExchange(name, 'topic', { durable: false, autoDelete: false });
      await channel.close();
    }
  }

  async #attach(subscription: SubscriptionState, model: ChannelModel): Promise<void> {
    const exchange = await this.#ensureExchange(model, subscription.destination.exchange);
    const channel = await model.createChannel();
    channel.on('error', (error: Error) =>
      this.#logger.warn({ err: error }, 'RabbitMQ consumer channel error'),
    );
    await channel.prefetch(subscription.options.prefetch ?? 1);
    const queue = subscription.options.queue
      ? (
          await channel.assertQueue(this.#name(subscription.options.queue), {
            durable: true,
            autoDelete: false,
          })
        ).queue
      : (await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false })).queue;
    await channel.bindQueue(queue, exchange, subscription.destination.routingKey);
    const { consumerTag } = await channel.consume(queue, (message) => {
      if (message) this.#deliver(subscription, channel, message);
    });
    subscription.channel = channel;
    subscription.consumerTag = consumerTag;
  }

  #deliver(subscription: SubscriptionState, channel: Channel, message: ConsumeMessage): void {
    const destination = {
      exchange: message.fields.exchange.slice(this.#prefix.length),
      routingKey: message.fields.routingKey,
    };
    const decoded = decodeOsloEnvelope(message.content);
    if (!decoded.ok) {
      this.#logger.error({ destination, reason: decoded.reason }, 'undecodable message dropped');
      subscription.options.onUndecodable?.(decoded.reason);
      channel.nack(message, false, false);
      return;
    }
    const work = subscription
      .handler(decoded.message, { destination, redelivered: message.fields.redelivered })
      .then(
        () => channel.ack(message),
        (error: unknown) => {
          this.#logger.error({ err: error, destination }, 'bus handler failed; message dropped');
          channel.nack(message, false, false);
        },
      )
      .catch((error: unknown) =>
        this.#logger.warn(
          { err: error },
          'could not settle a message (channel gone); the broker redelivers it',
        ),
      )
      .finally(() => subscription.inFlight.delete(work));
    subscription.inFlight.add(work);
  }

  async publish(destination: Destination, message: unknown): Promise<void> {
    if (this.#closed) throw new Error('the bus is closed');
    await this.#connected;
    const model = this.#model;
    const publisher = this.#publisher;
    if (!model || !publisher) return this.publish(destination, message);
    const exchange = await this.#ensureExchange(model, destination.exchange);
    const body = Buffer.from(JSON.stringify(encodeOsloEnvelope(message)));
    await new Promise<void>((resolve, reject) => {
      publisher.publish(
        exchange,
        destination.routingKey,
        body,
        {
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          persistent: this.#own.has(destination.exchange),
        },
        (error: unknown) =>
          error
            ? reject(error instanceof Error ? error : new Error(`RabbitMQ nacked the publish to ${exchange}`))
            : resolve(),
      );
    });
  }

  async subscribe(
    destination: Destination,
    handler: BusHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.#closed) throw new Error('the bus is closed');
    const subscription: SubscriptionState = {
      destination,
      handler,
      options,
      inFlight: new Set(),
      closed: false,
    };
    await this.#connected;
    this.#subscriptions.add(subscription);
    await this.#attach(subscription, this.#model!);
    return { close: () => this.#detach(subscription) };
  }

  async #detach(subscription: SubscriptionState): Promise<void> {
    if (subscription.closed) return;
    subscription.closed = true;
    this.#subscriptions.delete(subscription);
    const channel = subscription.channel;
    try {
      if (channel && subscription.consumerTag) await channel.cancel(subscription.consumerTag);
    } catch (error) {
      this.#logger.debug({ err: error }, 'cancel on a dead channel');
    }
    await Promise.allSettled([...subscription.inFlight]);
    try {
      await channel?.close();
    } catch (error) {
      this.#logger.debug({ err: error }, 'close of a dead channel');
    }
  }

  /** Stops consuming, lets running handlers finish (their messages are acked), waits for publish confirms. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((subscription) => this.#detach(subscription)));
    try {
      await this.#publisher?.waitForConfirms();
    } catch (error) {
      this.#logger.warn({ err: error }, 'unconfirmed publishes at close');
    }
    await this.#connection.close();
  }
}
