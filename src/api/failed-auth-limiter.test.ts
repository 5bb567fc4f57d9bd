import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { createFailedAuthLimiter } from './failed-auth-limiter.js';

describe('failed authentication limiter', () => {
  it('lets an address fail maxFailures times in the window, then makes it wait until the oldest failure leaves', async () => {
    const clock = new ManualClock(new Date('2026-12-04T20:00:00Z'));
    const limiter = createFailedAuthLimiter({ maxFailures: 3, windowSeconds: 60 }, clock);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('10.0.0.1')).toBeUndefined();
      limiter.recordFailure('10.0.0.1');
      await clock.advance(10_000);
    }
    // Failures at 0, 10 and 20 s; now 30 s: the one at 0 s leaves the window at 60 s.
    expect(limiter.retryAfter('10.0.0.1')).toBe(30);
    expect(limiter.retryAfter('10.0.0.2')).toBeUndefined();
    await clock.advance(30_000);
    expect(limiter.retryAfter('10.0.0.1')).toBeUndefined();
  });

  it('forgets the stalest address beyond maxTrackedClients, and never limits with maxFailures 0', () => {
    const clock = new ManualClock(new Date('2026-12-04T20:00:00Z'));
    const limiter = createFailedAuthLimiter(
      { maxFailures: 1, windowSeconds: 60, maxTrackedClients: 2 },
      clock,
    );
    for (const client of ['a', 'b', 'c']) limiter.recordFailure(client);
    expect(limiter.retryAfter('a')).toBeUndefined();
    expect(limiter.retryAfter('b')).toBe(60);
    expect(limiter.retryAfter('c')).toBe(60);
    const unlimited = createFailedAuthLimiter({ maxFailures: 0, windowSeconds: 60 }, clock);
    for (let i = 0; i < 100; i++) unlimited.recordFailure('a');
    expect(unlimited.retryAfter('a')).toBeUndefined();
  });
});
