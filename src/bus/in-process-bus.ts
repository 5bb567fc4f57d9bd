/**
 * The bus inside one process: topic routing (`*` one word, `#` any words), a named queue shared by competing
 * subscribers, an exclusive subscription for fan-out. Delivery is asynchronous so a publisher never re-enters a
 * handler synchronously; a throwing handler is logged and the message dropped.
 */
import type { Logger } from '../observability/logger.js';
import type { Bus, BusHandler, Destination, SubscribeOptions, Subscription } from './bus.js';

interface Consumer {
  handler: BusHandler;
  busy: number;
  prefetch: number;
}

interface Queue {
  exchange: string;
  pattern: string;
  consumers: Consumer[];
  backlog: { message: unknown; destination: Destination }[];
  next: number;
}

/** AMQP topic matching: `*` is exactly one word, `#` zero or more words. */
export function matchesRoutingKey(pattern: string, routingKey: string): boolean {
  const want = pattern.split('.');
  const have = routingKey.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === want.length) return j === have.length;
    if (want[i] === '#') return match(i + 1, j) || (j < have.length && match(i, j + 1));
    return j < have.length && (want[i] === '*' || want[i] === have[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

export class InProcessBus implements Bus {
  readonly #queues = new Map<string, Queue>();
  readonly #logger: Logger;
  #closed = false;
  #anonymous = 0;

  constructor(options: { logger: Logger }) {
    this.#logger = options.logger.child({ part: 'bus' });
  }

  publish(destination: Destination, message: unknown): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the bus is closed'));
    // Messages are copied, as a broker would, so publishers and consumers never share objects.
    const copy: unknown = message === undefined ? undefined : JSON.parse(JSON.stringify(message));
    for (const queue of this.#queues.values()) {
      if (
        queue.exchange !== destination.exchange ||
        !matchesRoutingKey(queue.pattern, destination.routingKey)
      )
        continue;
      queue.backlog.push({ message: copy, destination });
      setImmediate(() => this.#drain(queue));
    }
    return Promise.resolve();
  }

  subscribe(
    destination: Destination,
    handler: BusHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    const name = options.queue ?? `exclusive-${++this.#anonymous}`;
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = {
        exchange: destination.exchange,
        pattern: destination.routingKey,
        consumers: [],
        backlog: [],
        next: 0,
      };
      this.#queues.set(name, queue);
    }
    const consumer: Consumer = { handler, busy: 0, prefetch: options.prefetch ?? 1 };
    queue.consumers.push(consumer);
    const owned = queue;
    return Promise.resolve({
      close: () => {
        owned.consumers = owned.consumers.filter((candidate) => candidate !== consumer);
        if (owned.consumers.length === 0 && options.queue === undefined) this.#queues.delete(name);
        return Promise.resolve();
      },
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#queues.clear();
    return Promise.resolve();
  }

  #drain(queue: Queue): void {
    while (queue.backlog.length > 0) {
      const free = queue.consumers.filter((consumer) => consumer.busy < consumer.prefetch);
      if (free.length === 0) return;
      const consumer = free[queue.next++ % free.length]!;
      const item = queue.backlog.shift()!;
      consumer.busy++;
      consumer
        .handler(item.message, { destination: item.destination, redelivered: false })
        .catch((error: unknown) =>
          this.#logger.error(
            { err: error, destination: item.destination },
            'bus handler failed; message dropped',
          ),
        )
        .finally(() => {
          consumer.busy--;
          this.#drain(queue);
        });
    }
  }
}
