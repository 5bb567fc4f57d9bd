/**
 * Bounds failed authentications per client address: after `maxFailures` refused tokens within `windowSeconds`, the
 * address gets 429 with `Retry-After` until the oldest failure leaves the window, without Keystone being asked. A
 * token guesser (or a misconfigured client looping on a revoked token) then costs Keystone a few calls a minute
 * instead of one per request. A success does not reset the count: guessing between valid requests stays bounded.
 */
import type { Clock } from '../lib/clock.js';

export interface FailedAuthLimits {
  maxFailures: number;
  windowSeconds: number;
  /** Addresses remembered at once; the least recently failing are forgotten first. */
  maxTrackedClients?: number;
}

export interface FailedAuthLimiter {
  /** Seconds until `client` may try again, or undefined when it may try now. */
  retryAfter(client: string): number | undefined;
  recordFailure(client: string): void;
}

export function createFailedAuthLimiter(limits: FailedAuthLimits, clock: Clock): FailedAuthLimiter {
  const windowMs = limits.windowSeconds * 1000;
  const maxTracked = limits.maxTrackedClients ?? 10_000;
  // Insertion order is recency: a failing client is deleted and set again, so the first key is the stalest.
  const failures = new Map<string, number[]>();
  const recent = (client: string, now: number): number[] => {
    const times = (failures.get(client) ?? []).filter((time) => now - time < windowMs);
    if (times.length === 0) failures.delete(client);
    return times;
  };
  return {
    retryAfter(client) {
      if (limits.maxFailures <= 0) return undefined;
      const now = clock.now().getTime();
      const times = recent(client, now);
      if (times.length < limits.maxFailures) return undefined;
      const oldest = times[times.length - limits.maxFailures]!;
      return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
    },
    recordFailure(client) {
      if (limits.maxFailures <= 0) return;
      const now = clock.now().getTime();
      const times = recent(client, now);
      times.push(now);
      // Only the last maxFailures matter for the decision.
      failures.delete(client);
      failures.set(client, times.slice(-limits.maxFailures));
      while (failures.size > maxTracked) failures.delete(failures.keys().next().value!);
    },
  };
}
