import { describe, expect, it } from 'vitest';
import type { MetricName, MetricResource } from '../datasources/metrics-source.js';
import { ManualClock } from '../lib/clock.js';
import { dashboardRange } from './range.js';
import { rangeOptions } from './dashboard.js';
import {
  createRangeCache,
  UNSETTLED_TTL_SECONDS,
  type RangeAnswer,
  type RangeRequest,
} from './range-cache.js';

/** A backend that answers `points` points for each resource asked (or two hosts), counting its calls. */
function backend(points = 10) {
  const calls: { metric: MetricName; request: RangeRequest }[] = [];
  let failNext = false;
  return {
    calls,
    failOnce: () => (failNext = true),
    fetch: (metric: MetricName, request: RangeRequest): Promise<RangeAnswer> => {
      calls.push({ metric, request });
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('Prometheus is down'));
      }
      const keys = request.only?.map((resource) => JSON.stringify(resource)) ?? ['compute-0', 'compute-1'];
      return Promise.resolve(
        new Map(
          keys.map((key) => [key, { atMs: new Array(points).fill(0), values: new Array(points).fill(1) }]),
        ),
      );
    },
  };
}

const settledClock = () => {
  // Five minutes into a 30-minute step of the 7-day grid: its end is long settled.
  const clock = new ManualClock('2026-12-05T02:05:00Z');
  return clock;
};
const sevenDays = (clock: ManualClock) => rangeOptions(dashboardRange('7d', clock.now()));

describe('the dashboards range cache', () => {
  it('asks the datasource once for the same grid, however many views ask', async () => {
    const clock = settledClock();
    const source = backend();
    const cache = createRangeCache({ clock });
    const first = await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock));
    await clock.advance(20 * 60_000);
    const again = await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock));
    expect(again).toBe(first);
    expect(source.calls).toHaveLength(1);
    expect(cache.points).toBe(20);
  });

  it('shares one call between concurrent identical requests', async () => {
    const clock = settledClock();
    const source = backend();
    const cache = createRangeCache({ clock });
    const answers = await Promise.all(
      [1, 2, 3].map(() => cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock))),
    );
    expect(new Set(answers).size).toBe(1);
    expect(source.calls).toHaveLength(1);
  });

  it('asks again once the grid moves, and for another metric, range or window', async () => {
    const clock = settledClock();
    const source = backend();
    const cache = createRangeCache({ clock });
    await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock));
    await cache.ranges(source.fetch, 'host_ram_usage', sevenDays(clock));
    await cache.ranges(source.fetch, 'host_cpu_usage', rangeOptions(dashboardRange('6d', clock.now())));
    expect(source.calls).toHaveLength(3);
    await clock.advance(25 * 60_000 + 1); // 02:30:00.001: the 30-minute grid has moved
    await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock));
    expect(source.calls).toHaveLength(4);
    expect(source.calls[3]!.request.end.toISOString()).toBe('2026-12-05T02:30:00.000Z');
  });

  it('keeps a restricted answer for exactly that restriction: another project never gets it', async () => {
    const clock = settledClock();
    const source = backend();
    const cache = createRangeCache({ clock });
    const mine: MetricResource[] = [
      { kind: 'instance', uuid: 'a' },
      { kind: 'instance', uuid: 'b' },
    ];
    const theirs: MetricResource[] = [{ kind: 'instance', uuid: 'c' }];
    const range = dashboardRange('24h', clock.now());
    const own = await cache.ranges(source.fetch, 'instance_cpu_usage', rangeOptions(range, mine));
    const other = await cache.ranges(source.fetch, 'instance_cpu_usage', rangeOptions(range, theirs));
    const everyone = await cache.ranges(source.fetch, 'instance_cpu_usage', rangeOptions(range));
    expect(source.calls).toHaveLength(3);
    expect([...other.keys()]).toEqual([JSON.stringify(theirs[0])]);
    expect(own).not.toBe(other);
    expect(everyone).not.toBe(own);
    // The same resources in another order are the same restriction.
    expect(
      await cache.ranges(source.fetch, 'instance_cpu_usage', rangeOptions(range, [...mine].reverse())),
    ).toBe(own);
  });

  it('keeps an answer fetched before its grid settled only a minute', async () => {
    // 02:00:30: the 30-minute grid ended 30 s ago; the last window's latest scrapes may still be arriving.
    const clock = new ManualClock('2026-12-05T02:00:30Z');
    const source = backend();
    const cache = createRangeCache({ clock });
    await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock));
    await clock.advance(UNSETTLED_TTL_SECONDS * 1000 - 1);
    await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock));
    expect(source.calls).toHaveLength(1);
    await clock.advance(1);
    await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock));
    expect(source.calls).toHaveLength(2);
    // Fetched at 02:01:30, 90 s after the end, still settling: a minute again; fetched later, until the grid moves.
    await clock.advance(UNSETTLED_TTL_SECONDS * 1000);
    await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock));
    expect(source.calls).toHaveLength(3);
    await clock.advance(20 * 60_000);
    await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock));
    expect(source.calls).toHaveLength(3);
  });

  it('never keeps a failure: the next view asks again', async () => {
    const clock = settledClock();
    const source = backend();
    const cache = createRangeCache({ clock });
    source.failOnce();
    await expect(cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock))).rejects.toThrow(
      'Prometheus is down',
    );
    expect((await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock))).size).toBe(2);
    expect(source.calls).toHaveLength(2);
    expect(cache.points).toBe(20);
  });

  it('holds at most its bound of points, dropping the least recently used answer first', async () => {
    const clock = settledClock();
    const source = backend(10);
    const lookups: string[] = [];
    const cache = createRangeCache({ clock, maxPoints: 40, onLookup: (result) => lookups.push(result) });
    const ask = (metric: MetricName) => cache.ranges(source.fetch, metric, sevenDays(clock));
    await ask('host_cpu_usage'); // 20 points
    await ask('host_ram_usage'); // 40
    await ask('host_cpu_usage'); // a hit: now the most recently used
    await ask('host_disk_used_gb'); // 60 > 40: host_ram_usage goes
    expect(cache.points).toBe(40);
    await ask('host_cpu_usage');
    await ask('host_ram_usage');
    expect(source.calls.map((call) => call.metric)).toEqual([
      'host_cpu_usage',
      'host_ram_usage',
      'host_disk_used_gb',
      'host_ram_usage',
    ]);
    expect(lookups).toEqual(['miss', 'miss', 'hit', 'miss', 'hit', 'miss']);
    expect(cache.points).toBeLessThanOrEqual(40);
  });

  it('keeps nothing with a bound of 0', async () => {
    const clock = settledClock();
    const source = backend();
    const cache = createRangeCache({ clock, maxPoints: 0 });
    await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock));
    await cache.ranges(source.fetch, 'host_cpu_usage', sevenDays(clock));
    expect(source.calls).toHaveLength(2);
    expect(cache.points).toBe(0);
  });
});
