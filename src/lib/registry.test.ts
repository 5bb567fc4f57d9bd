import { describe, expect, it } from 'vitest';
import { createRegistry, withoutEntries } from './registry.js';

describe('withoutEntries', () => {
  const registry = createRegistry('strategy', [{ name: 'basic' }, { name: 'dummy' }, { name: 'actuator' }]);

  it('keeps every other entry, in order, under the same kind', () => {
    const offered = withoutEntries(registry, ['dummy']);
    expect(offered.all.map((entry) => entry.name)).toEqual(['basic', 'actuator']);
    expect(offered.has('dummy')).toBe(false);
    expect(offered.kind).toBe('strategy');
  });

  it('leaves the registry it was given unchanged', () => {
    withoutEntries(registry, ['basic']);
    expect(registry.has('basic')).toBe(true);
  });
});
