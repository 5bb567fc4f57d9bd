import { describe, expect, it } from 'vitest';
import { createConstantSource } from './constant.js';

const source = createConstantSource({
  name: 'test values',
  values: {
    host_cpu_usage: new Map([
      ['h1', 40],
      ['h2', 10],
    ]),
    instance_ram_usage: new Map([['i1', 512]]),
  },
});
const window = { periodSeconds: 3600, aggregate: 'max' as const };

describe('constant metrics source', () => {
  it('answers the same value for every window and aggregate', async () => {
    expect(await source.statistic({ kind: 'host', hostname: 'h1' }, 'host_cpu_usage', window)).toBe(40);
    expect(
      await source.statistic({ kind: 'host', hostname: 'h1' }, 'host_cpu_usage', {
        periodSeconds: 60,
        aggregate: 'min',
        at: new Date('2020-01-01T00:00:00Z'),
      }),
    ).toBe(40);
  });

  it('answers a batch for the resources it knows, leaving out the others', async () => {
    const answer = await source.statistics(
      [
        { kind: 'host', hostname: 'h1' },
        { kind: 'host', hostname: 'h2' },
        { kind: 'host', hostname: 'h3' },
      ],
      'host_cpu_usage',
      window,
    );
    expect(answer).toEqual(
      new Map([
        ['h1', 40],
        ['h2', 10],
      ]),
    );
  });

  it('has nothing for a resource of the other kind with the same key', async () => {
    expect(
      await source.statistic({ kind: 'instance', uuid: 'h1' }, 'host_cpu_usage', window),
    ).toBeUndefined();
  });

  it('supports only the metrics it was given and names the missing ones', async () => {
    expect(source.supports('host_cpu_usage')).toBe(true);
    expect(source.supports('instance_cpu_usage')).toBe(false);
    expect(await source.missing!(['host_cpu_usage', 'instance_cpu_usage'])).toEqual(
      new Map([['instance_cpu_usage', 'test values holds no instance_cpu_usage values']]),
    );
  });

  it('returns one point per step over a range', async () => {
    const points = await source.range({ kind: 'instance', uuid: 'i1' }, 'instance_ram_usage', {
      start: new Date('2026-01-01T00:00:00Z'),
      end: new Date('2026-01-01T01:00:00Z'),
      stepSeconds: 900,
    });
    expect(points.map((point) => point.value)).toEqual([512, 512, 512, 512, 512]);
  });
});
