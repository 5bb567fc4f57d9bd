import { describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import { InProcessBus, matchesRoutingKey } from './in-process-bus.js';

describe('matchesRoutingKey', () => {
  it.each([
    ['versioned_notifications.info', 'versioned_notifications.info', true],
    ['versioned_notifications.*', 'versioned_notifications.info', true],
    ['*.info', 'versioned_notifications.error', false],
    ['#', 'a.b.c', true],
    ['a.#', 'a', true],
    ['a.#.c', 'a.b.x.c', true],
    ['a.*.c', 'a.b.x.c', false],
  ])('%s matches %s: %s', (pattern, key, expected) => {
    expect(matchesRoutingKey(pattern, key)).toBe(expected);
  });
});

describe('InProcessBus', () => {
  const destination = { exchange: 'steward', routingKey: 'watcher.decision.control' };

  it('delivers every message to each exclusive subscriber (fan-out)', async () => {
    const bus = new InProcessBus({ logger: silentLogger });
    const seen: unknown[][] = [[], []];
    for (const list of seen)
      await bus.subscribe(destination, (message) => Promise.resolve(void list.push(message)));
    await bus.publish(destination, { n: 1 });
    await bus.publish(destination, { n: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([
      [{ n: 1 }, { n: 2 }],
      [{ n: 1 }, { n: 2 }],
    ]);
  });

  it('shares a named queue between competing consumers, each message once', async () => {
    const bus = new InProcessBus({ logger: silentLogger });
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      await bus.subscribe(
        destination,
        (message) => Promise.resolve(void seen.push((message as { n: number }).n)),
        { queue: 'work' },
      );
    }
    for (let n = 0; n < 30; n++) await bus.publish(destination, { n });
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, n) => n));
  });

  it('keeps delivering after a handler throws', async () => {
    const bus = new InProcessBus({ logger: silentLogger });
    const seen: number[] = [];
    await bus.subscribe(destination, (message) => {
      const { n } = message as { n: number };
      if (n === 1) return Promise.reject(new Error('boom'));
      seen.push(n);
      return Promise.resolve();
    });
    for (const n of [1, 2, 3]) await bus.publish(destination, { n });
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([2, 3]);
  });

  it('does not deliver to other exchanges or routing keys', async () => {
    const bus = new InProcessBus({ logger: silentLogger });
    const seen: unknown[] = [];
    await bus.subscribe(destination, (message) => Promise.resolve(void seen.push(message)));
    await bus.publish({ exchange: 'nova', routingKey: destination.routingKey }, { n: 1 });
    await bus.publish({ exchange: 'steward', routingKey: 'watcher.applier.control' }, { n: 2 });
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
  });
});
