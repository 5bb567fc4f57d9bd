import { describe, expect, it } from 'vitest';
import type { ActionResource } from '@steward/contract/resources.js';
import { layers } from './layers.js';

const action = (uuid: string, parents: string[] = []): ActionResource => ({
  uuid,
  action_plan_uuid: 'plan',
  state: 'PENDING',
  action_type: 'nop',
  parents,
  links: [],
});

describe('layers', () => {
  it('puts each action one column right of its deepest parent', () => {
    const depth = layers([action('a'), action('b', ['a']), action('c'), action('d', ['b', 'c'])]);
    expect(Object.fromEntries(depth)).toEqual({ a: 0, b: 1, c: 0, d: 2 });
  });

  it('ignores parents outside the plan and does not loop on a cycle', () => {
    const depth = layers([action('a', ['gone']), action('b', ['c']), action('c', ['b'])]);
    expect(depth.get('a')).toBe(0);
    expect(depth.get('b')).toBeGreaterThanOrEqual(0);
    expect(depth.get('c')).toBeGreaterThanOrEqual(0);
  });
});
