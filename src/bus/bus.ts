/**
 * The message bus port: RabbitMQ (amqplib) across processes, or in-process for the embedded mode.
 * One contract suite (test/contracts/bus.contract.ts) runs over both.
 *
 * A destination is an AMQP topic exchange plus a routing key, because Nova's versioned notifications arrive on
 * exchange `nova` with routing key `versioned_notifications.info` and we must read them where Nova writes them.
 */
export interface Destination {
  exchange: string;
  routingKey: string;
}

export type BusHandler = (
  message: unknown,
  meta: { destination: Destination; redelivered: boolean },
) => Promise<void>;

export interface SubscribeOptions {
  /**
   * Competing consumers share one durable queue of this name (work distribution: audits, action plans).
   * Without it every subscriber gets its own exclusive queue and sees every message (fan-out: notifications
   * feeding each process's own cluster model).
   */
  queue?: string;
  /** Messages handled at once by this subscriber. Default 1. */
  prefetch?: number;
  /**
   * Called for a message the bus cannot decode (not JSON, or a broken oslo envelope) just before it drops it, so
   * the subscriber can count it; the handler never sees it.
   */
  onUndecodable?: (reason: string) => void;
  /**
   * Called once the subscription consumes again after the connection to the broker was lost and re-established (a
   * broker restart). A fan-out subscriber missed whatever was published in between, for good: its queue died with
   * the connection, and a broker drops what no queue is bound for. It must catch up some other way (a live model
   * runs a full sync). Never called by a bus that cannot lose its connection (in-process).
   */
  onReconnected?: () => void;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface Bus {
  /**
   * Resolves once the message is with the broker (confirmed). While the connection is down the message waits for
   * it and is sent once it is back, so a broker restart loses none of Steward's own messages; a message whose
   * confirm the lost connection swallowed is sent again (at least once: consumers tolerate a repeat). Rejects with
   * BUS_UNAVAILABLE when the broker stays away longer than the bus's publish timeout.
   */
  publish(destination: Destination, message: unknown): Promise<void>;
  /**
   * Delivers each message to `handler`; a handler that throws gets the message logged and dropped (no poison
   * loops), never redelivered forever.
   */
  subscribe(destination: Destination, handler: BusHandler, options?: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}

/** Where Steward's own processes talk to each other (upstream's RPC topics, as casts). */
export const DESTINATIONS = {
  novaNotifications: { exchange: 'nova', routingKey: 'versioned_notifications.info' },
  // Cinder keeps oslo's default control_exchange `openstack` and default topic `notifications`: Watcher's
  // `openstack.notifications` (exchange.topic), at priority info.
  cinderNotifications: { exchange: 'openstack', routingKey: 'notifications.info' },
  decisionEngine: { exchange: 'steward', routingKey: 'watcher.decision.control' },
  applier: { exchange: 'steward', routingKey: 'watcher.applier.control' },
} as const satisfies Record<string, Destination>;
