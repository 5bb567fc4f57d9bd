/**
 * What every Bus must do; run over InProcessBus and AmqpBus (test/contracts/bus.test.ts).
 * Waiting is on delivery (a promise resolved by handlers), never on wall-clock sleeps.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, Destination } from '../../src/bus/bus.js';

export interface BusFixture {
  bus: Bus;
  /** A second, independent connection to the same broker (another process). */
  peer(): Promise<Bus>;
  close(): Promise<void>;
}

interface Collector<T> {
  items: T[];
  handler: (message: unknown) => Promise<void>;
  waitFor(count: number): Promise<T[]>;
}

function collect<T = unknown>(): Collector<T> {
  const items: T[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    items,
    handler: (message) => {
      items.push(message as T);
      for (const waiter of waiters.filter((candidate) => items.length >= candidate.count)) waiter.resolve();
      return Promise.resolve();
    },
    waitFor: (count) =>
      items.length >= count
        ? Promise.resolve(items)
        : new Promise((resolve) => waiters.push({ count, resolve: () => resolve(items) })),
  };
}

/** A marker published after the messages under test: once it arrives, everything before it has been routed. */
async function flush(bus: Bus, exchange: string): Promise<void> {
  const marker = collect();
  const destination = { exchange, routingKey: `flush.${Math.random().toString(36).slice(2)}` };
  const subscription = await bus.subscribe(destination, marker.handler);
  await bus.publish(destination, 'flush');
  await marker.waitFor(1);
  await subscription.close();
}

export function describeBusContract(name: string, create: () => Promise<BusFixture>): void {
  describe(`Bus contract: ${name}`, () => {
    let fixture: BusFixture;
    let exchange: string;
    beforeEach(async () => {
      fixture = await create();
      exchange = `contract${Math.random().toString(36).slice(2, 8)}`;
    });
    afterEach(async () => {
      await fixture.close();
    });
    const at = (routingKey: string): Destination => ({ exchange, routingKey });

    it('delivers a published message to a subscriber, structurally equal', async () => {
      const inbox = collect();
      await fixture.bus.subscribe(at('a.b'), inbox.handler);
      const message = { event_type: 'instance.update', payload: { uuid: 'u1', vcpus: 2, tags: ['x'] } };
      await fixture.bus.publish(at('a.b'), message);
      expect(await inbox.waitFor(1)).toEqual([message]);
    });

    it.each([
      ['versioned_notifications.info', 'versioned_notifications.info', true],
      ['versioned_notifications.*', 'versioned_notifications.info', true],
      ['versioned_notifications.*', 'versioned_notifications.error.x', false],
      ['versioned_notifications.#', 'versioned_notifications.error.x', true],
      ['#', 'anything.at.all', true],
      ['*.info', 'notifications.info', true],
      ['*.info', 'versioned_notifications.error', false],
    ])('routes binding %s against key %s: delivered=%s', async (pattern, key, delivered) => {
      const inbox = collect();
      await fixture.bus.subscribe(at(pattern), inbox.handler);
      await fixture.bus.publish(at(key), { key });
      await flush(fixture.bus, exchange);
      expect(inbox.items.filter((item) => item !== 'flush')).toHaveLength(delivered ? 1 : 0);
    });

    it('fans out to every subscriber without a queue name', async () => {
      const first = collect();
      const second = collect();
      await fixture.bus.subscribe(at('fan.out'), first.handler);
      const peer = await fixture.peer();
      await peer.subscribe(at('fan.out'), second.handler);
      for (let i = 0; i < 10; i++) await fixture.bus.publish(at('fan.out'), i);
      expect(await first.waitFor(10)).toHaveLength(10);
      expect(await second.waitFor(10)).toHaveLength(10);
    });

    it('shares a named queue between competing consumers: each message handled once', async () => {
      const first = collect<number>();
      const second = collect<number>();
      const queue = `work-${Math.random().toString(36).slice(2, 8)}`;
      // A handler that yields lets the other consumer take messages in the meantime.
      const slow = (inbox: Collector<number>) => async (message: unknown) => {
        await new Promise((resolve) => setImmediate(resolve));
        await inbox.handler(message);
      };
      await fixture.bus.subscribe(at('work'), slow(first), { queue });
      const peer = await fixture.peer();
      await peer.subscribe(at('work'), slow(second), { queue });
      const total = 40;
      for (let i = 0; i < total; i++) await fixture.bus.publish(at('work'), i);
      const all = async (): Promise<number[]> => {
        while (first.items.length + second.items.length < total)
          await Promise.race([
            first.waitFor(first.items.length + 1),
            second.waitFor(second.items.length + 1),
          ]);
        return [...first.items, ...second.items];
      };
      const handled = await all();
      expect(handled.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(first.items.length).toBeGreaterThan(0);
      expect(second.items.length).toBeGreaterThan(0);
    });

    it('keeps the order of one publisher for one subscriber', async () => {
      const inbox = collect<number>();
      await fixture.bus.subscribe(at('ordered'), inbox.handler);
      const count = 200;
      await Promise.all(Array.from({ length: count }, (_, i) => fixture.bus.publish(at('ordered'), i)));
      expect(await inbox.waitFor(count)).toEqual(Array.from({ length: count }, (_, i) => i));
    });

    it('goes on delivering after a handler throws, without redelivering the failed message', async () => {
      const seen: number[] = [];
      const done = collect<number>();
      await fixture.bus.subscribe(at('poison'), async (message) => {
        seen.push(message as number);
        if (message === 1) throw new Error('handler failure under test');
        await done.handler(message);
      });
      for (const value of [1, 2, 3]) await fixture.bus.publish(at('poison'), value);
      expect(await done.waitFor(2)).toEqual([2, 3]);
      await flush(fixture.bus, exchange);
      expect(seen).toEqual([1, 2, 3]);
    });

    it('does not re-enter a handler synchronously from publish', async () => {
      let inHandler = false;
      const inbox = collect();
      await fixture.bus.subscribe(at('reentry'), async (message) => {
        inHandler = true;
        await inbox.handler(message);
      });
      const publishing = fixture.bus.publish(at('reentry'), 'x');
      expect(inHandler).toBe(false);
      await publishing;
      await inbox.waitFor(1);
      expect(inHandler).toBe(true);
    });

    it('stops delivering to a closed subscription', async () => {
      const closed = collect();
      const open = collect();
      const subscription = await fixture.bus.subscribe(at('closing'), closed.handler);
      await fixture.bus.subscribe(at('closing'), open.handler);
      await fixture.bus.publish(at('closing'), 'before');
      await closed.waitFor(1);
      await subscription.close();
      await fixture.bus.publish(at('closing'), 'after');
      await open.waitFor(2);
      await flush(fixture.bus, exchange);
      expect(closed.items).toEqual(['before']);
    });

    it('refuses to publish after close', async () => {
      await fixture.bus.close();
      await expect(fixture.bus.publish(at('late'), 1)).rejects.toThrow(/closed/);
    });
  });
}
