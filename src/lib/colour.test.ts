import { describe, expect, it } from 'vitest';
import { isColourWanted } from './colour.js';

describe('isColourWanted', () => {
  it('colours a terminal unless NO_COLOR is non-empty or TERM is dumb, and never a pipe', () => {
    expect(isColourWanted(true, {})).toBe(true);
    expect(isColourWanted(true, { NO_COLOR: '' })).toBe(true);
    expect(isColourWanted(true, { NO_COLOR: '1' })).toBe(false);
    expect(isColourWanted(true, { TERM: 'dumb' })).toBe(false);
    expect(isColourWanted(false, {})).toBe(false);
  });
});
