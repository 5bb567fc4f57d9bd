/**
 * The bus over RabbitMQ (amqplib). Exchanges are topic exchanges. Steward's own exchanges are durable; a foreign
 * exchange (Nova's `nova`) is only checked passively and, when missing, declared exactly as oslo.messaging's rabbit
 * driver declares it in notify_send (topic, durable = amqp_durable_queues = false, auto_delete = false), so a
 * redeclare can never fail with PRECONDITION_FAILED against a real deployment.
 *
 * Named queues are durable and shared (competing consumers); unnamed subscriptions get an exclusive auto-delete
 * queue (fan-out). Publishes go through a confirm channel. A handler's message is acked after the handler, nacked
 * without requeue (and logged) if it throws.
 *
 * A lost connection (a broker restart, a network cut) is re-established by amqplib's recovery with bounded
 * exponential backoff; each new connection declares the exchanges again and re-attaches every subscription before
 * anything is published on it, then tells the subscribers (`onReconnected`): exclusive queues die with the
 * connection, so fan-out subscribers missed what was published meanwhile; named queues and Steward's persistent
 * messages survive. A consumer channel closed on its own (its queue deleted, a channel error) is re-attached on
 * the same connection. Publishes wait for the connection while it is down, up to `publishTimeoutMs`, and one whose
 * confirm was lost with the connection is sent again on the next. One warning per outage, one info line when it
 * ends, and `steward_bus_reconnects_total`.
 */
import amqp, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type RecoveringChannelModel,
} from 'amqplib';
import { StewardError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Bus, BusHandler, Destination, SubscribeOptions, Subscription } from './bus.js';
import { decodeOsloEnvelope, encodeOsloEnvelope } from './oslo-envelope.js';

export interface AmqpBusOptions {
  url: string;
  logger: Logger;
  /** Where reconnections are counted (`steward_bus_reconnects_total`). */
  metrics?: Pick<Metrics, 'busReconnects'>;
  /** Prepended to every exchange and queue name (tests, several Stewards on one vhost). Empty for production. */
  prefix?: string;
  /** Exchanges Steward owns and declares durable; any other exchange is treated as foreign. Default ['steward']. */
  ownExchanges?: readonly string[];
  /** Backoff between connection attempts: from 100 ms, doubling, at most 5 s by default. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** How long a publish (or subscribe) waits for a lost connection before failing with BUS_UNAVAILABLE. Default 30 s. */
  publishTimeoutMs?: number;
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

/** One established connection, set up: exchanges can be declared and every subscription consumes on it. */
interface Link {
  model: ChannelModel;
  /** Made again when it closes on its own (a publish to an exchange deleted under it closes it). */
  publisher: Promise<ConfirmChannel> | undefined;
  /** Exchanges declared on this connection: publishing must not cost a declare round trip each time. */
  declared: Set<string>;
}

interface Outage {
  since: number;
  error: Error;
  attempts: number;
}

const DEFAULT_PUBLISH_TIMEOUT_MS = 30_000;
/** A publisher channel that closes again and again on a live connection is a real error, not an outage. */
const MAX_CHANNEL_RETRIES = 3;

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class AmqpBus implements Bus {
  readonly #logger: Logger;
  readonly #metrics: AmqpBusOptions['metrics'];
  readonly #prefix: string;
  readonly #own: Set<string>;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #publishTimeoutMs: number;
  readonly #subscriptions = new Set<SubscriptionState>();
  readonly #closing = new AbortController();
  #connection!: RecoveringChannelModel;
  #link: Link | undefined;
  #linked = deferred<Link>();
  #outage: Outage | undefined;
  #closed = false;

  private constructor(options: AmqpBusOptions) {
    this.#logger = options.logger.child({ part: 'bus', transport: 'amqp' });
    this.#metrics = options.metrics;
    this.#prefix = options.prefix ?? '';
    this.#own = new Set(options.ownExchanges ?? ['steward']);
    this.#initialDelayMs = options.reconnect?.initialDelayMs ?? 100;
    this.#maxDelayMs = options.reconnect?.maxDelayMs ?? 5_000;
    this.#publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  }

  static async connect(options: AmqpBusOptions): Promise<AmqpBus> {
    const bus = new AmqpBus(options);
    bus.#connection = await amqp.connect(options.url, {
      // Notifications and control messages are small: without TCP_NODELAY each confirm waits out Nagle's algorithm
      // against the peer's delayed ACK (~40 ms a publish on Linux).
      noDelay: true,
      recovery: {
        initialDelay: bus.#initialDelayMs,
        maxDelay: bus.#maxDelayMs,
        // A wrong URL or credentials at startup should fail the process, not retry for ever; once connected,
        // recovery retries for ever.
        initialMaxRetries: 2,
        setup: (model: ChannelModel) => bus.#setup(model),
      },
    });
    bus.#connection.on('disconnect', (error: Error) => bus.#lost(error));
    bus.#connection.on('reconnect-scheduled', (retry: { attempt: number; delay: number; error: Error }) => {
      if (bus.#outage) Object.assign(bus.#outage, { attempts: retry.attempt, error: retry.error });
      bus.#logger.debug({ attempt: retry.attempt, delayMs: retry.delay }, 'RabbitMQ reconnection scheduled');
    });
    bus.#connection.on('reconnect-failed', (error: Error) =>
      bus.#logger.error({ err: error }, 'RabbitMQ reconnection gave up'),
    );
    // The disconnect warning carries the error; an error event alone (before a close) says nothing more.
    bus.#connection.on('error', (error: Error) =>
      bus.#logger.debug({ err: error }, 'RabbitMQ connection error'),
    );
    return bus;
  }

  #lost(error: Error): void {
    if (this.#closed) return;
    this.#link = undefined;
    this.#linked = deferred();
    this.#outage = { since: Date.now(), error, attempts: 0 };
    this.#logger.warn(
      { err: error, publishTimeoutMs: this.#publishTimeoutMs },
      'RabbitMQ connection lost; reconnecting with backoff, publishes wait for it',
    );
  }

  /** Runs on every new connection, before amqplib hands it out: nothing is published before subscriptions consume. */
  async #setup(model: ChannelModel): Promise<void> {
    const link: Link = { model, publisher: undefined, declared: new Set() };
    await this.#publisherOf(link);
    for (const subscription of this.#subscriptions) {
      if (!subscription.closed) await this.#attach(subscription, link);
    }
    this.#link = link;
    const outage = this.#outage;
    this.#outage = undefined;
    if (outage) {
      this.#metrics?.busReconnects.inc();
      this.#logger.info(
        {
          downSeconds: (Date.now() - outage.since) / 1000,
          attempts: outage.attempts,
          subscriptions: this.#subscriptions.size,
        },
        'RabbitMQ reconnected; subscriptions re-attached',
      );
    } else {
      this.#logger.info({ subscriptions: this.#subscriptions.size }, 'RabbitMQ connected');
    }
    this.#linked.resolve(link);
    if (!outage) return;
    for (const subscription of this.#subscriptions) {
      try {
        subscription.options.onReconnected?.();
      } catch (error) {
        this.#logger.error({ err: error }, 'a subscriber failed to handle the reconnection');
      }
    }
  }

  readonly #name = (name: string): string => `${this.#prefix}${name}`;

  #publisherOf(link: Link): Promise<ConfirmChannel> {
    if (link.publisher) return link.publisher;
    const created = link.model.createConfirmChannel().then((publisher) => {
      publisher.on('error', (error: Error) =>
        this.#logger.warn({ err: error }, 'RabbitMQ publish channel error'),
      );
      publisher.on('close', () => {
        if (link.publisher !== created) return;
        // Closed with the connection, or alone (an exchange deleted under it): either way the next publish on this
        // connection needs a new channel and declares its exchange again.
        link.publisher = undefined;
        link.declared.clear();
      });
      return publisher;
    });
    link.publisher = created;
    created.catch(() => {
      if (link.publisher === created) link.publisher = undefined;
    });
    return created;
  }

  async #ensureExchange(link: Link, exchange: string): Promise<string> {
    const name = this.#name(exchange);
    if (link.declared.has(name)) return name;
    await this.#declareExchange(link.model, exchange, name);
    link.declared.add(name);
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

  async #attach(subscription: SubscriptionState, link: Link): Promise<void> {
    const exchange = await this.#ensureExchange(link, subscription.destination.exchange);
    const channel = await link.model.createChannel();
    channel.on('error', (error: Error) =>
      this.#logger.warn({ err: error }, 'RabbitMQ consumer channel error'),
    );
    channel.on('close', () => this.#consumerClosed(subscription, channel, link));
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
      // The broker cancelled the consumer (its queue was deleted): a new channel declares the queue again.
      else channel.close().catch(() => undefined);
    });
    subscription.channel = channel;
    subscription.consumerTag = consumerTag;
  }

  /**
   * A consumer channel closed. With its connection, the next connection's setup re-attaches the subscription; alone
   * (its queue deleted, a channel error), it is re-attached here on the same connection, with the same backoff.
   */
  #consumerClosed(subscription: SubscriptionState, channel: Channel, link: Link): void {
    // A channel closes before its connection reports the loss: look once the loss would have been reported.
    const reattach = async (attempt: number): Promise<void> => {
      await delay(Math.min(this.#initialDelayMs * 2 ** attempt, this.#maxDelayMs));
      if (this.#closed || subscription.closed || subscription.channel !== channel || this.#link !== link)
        return;
      try {
        await this.#attach(subscription, link);
        this.#logger.info(
          { destination: subscription.destination, queue: subscription.options.queue },
          'RabbitMQ consumer re-attached after its channel closed',
        );
      } catch (error) {
        if (attempt === 0)
          this.#logger.warn(
            { err: error, destination: subscription.destination },
            'RabbitMQ consumer channel closed and cannot be re-attached yet; retrying with backoff',
          );
        await reattach(attempt + 1);
      }
    };
    void reattach(0);
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
        // Expected during an outage, which has its own warning.
        this.#logger[this.#outage ? 'debug' : 'warn'](
          { err: error },
          'could not settle a message (channel gone); the broker redelivers it',
        ),
      )
      .finally(() => subscription.inFlight.delete(work));
    subscription.inFlight.add(work);
  }

  /** The established connection, waiting for it while it is down; BUS_UNAVAILABLE once `deadline` passes. */
  async #connected(deadline: number, what: string): Promise<Link> {
    if (this.#closed) throw new Error('the bus is closed');
    if (this.#link) return this.#link;
    let timer: NodeJS.Timeout | undefined;
    let onClose: (() => void) | undefined;
    const unavailable = () => {
      const outage = this.#outage;
      const down = outage ? ` for ${((Date.now() - outage.since) / 1000).toFixed(1)} s` : '';
      return new StewardError(
        'unavailable',
        'BUS_UNAVAILABLE',
        `RabbitMQ has been unreachable${down}${outage ? ` (${outage.error.message})` : ''}, so ${what} did not happen; check the broker, then retry.`,
        { retryable: true, cause: outage?.error },
      );
    };
    try {
      return await new Promise<Link>((resolve, reject) => {
        timer = setTimeout(() => reject(unavailable()), Math.max(0, deadline - Date.now()));
        onClose = () => reject(new Error('the bus is closed'));
        this.#closing.signal.addEventListener('abort', onClose, { once: true });
        void this.#linked.promise.then(resolve);
      });
    } finally {
      clearTimeout(timer);
      if (onClose) this.#closing.signal.removeEventListener('abort', onClose);
    }
  }

  async publish(destination: Destination, message: unknown): Promise<void> {
    if (this.#closed) throw new Error('the bus is closed');
    const body = Buffer.from(JSON.stringify(encodeOsloEnvelope(message)));
    const deadline = Date.now() + this.#publishTimeoutMs;
    const what = `the publish to ${destination.exchange} ${destination.routingKey}`;
    for (let channelRetries = 0; ;) {
      const link = await this.#connected(deadline, what);
      let publisher: Promise<ConfirmChannel> | undefined;
      try {
        publisher = this.#publisherOf(link);
        await this.#send(link, await publisher, destination, body);
        return;
      } catch (error) {
        if (this.#closed) throw error;
        // Let the connection report its loss (a channel closes first) before telling a lost connection from a
        // channel closed alone.
        await delay(Math.min(this.#initialDelayMs, 50));
        if (this.#link === link) {
          // The connection lives: a channel closed alone is retried a few times, anything else is a real failure.
          if (link.publisher === publisher || ++channelRetries > MAX_CHANNEL_RETRIES) throw error;
        }
        // Lost with the connection: the broker may or may not have it, so it goes again on the next connection
        // (at least once; every consumer tolerates a repeat).
        this.#logger.debug({ err: error, destination }, 'publish interrupted; sending it again');
      }
    }
  }

  async #send(link: Link, publisher: ConfirmChannel, destination: Destination, body: Buffer): Promise<void> {
    const exchange = await this.#ensureExchange(link, destination.exchange);
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
    const link = await this.#connected(
      Date.now() + this.#publishTimeoutMs,
      `the subscription to ${destination.exchange} ${destination.routingKey}`,
    );
    this.#subscriptions.add(subscription);
    try {
      await this.#attach(subscription, link);
    } catch (error) {
      this.#subscriptions.delete(subscription);
      throw error;
    }
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

  /**
   * Stops consuming, lets running handlers finish (their messages are acked), waits for publish confirms. Publishes
   * still waiting for a lost connection fail.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    await Promise.all([...this.#subscriptions].map((subscription) => this.#detach(subscription)));
    try {
      const publisher = this.#link?.publisher;
      if (publisher) await (await publisher).waitForConfirms();
    } catch (error) {
      this.#logger.warn({ err: error }, 'unconfirmed publishes at close');
    }
    await this.#connection.close();
  }
}
