import { describe, expect, it } from 'vitest';
import { moveDurationMs, moveProgress } from './moves.js';

describe('simulated move timing', () => {
  it.each([
    [2048, 1024, 2000],
    [512, 1024, 500],
    [16384, 100, 163_840],
    [0, 1024, 1],
  ])('moves %i MB at %i MB/s in %i ms', (size, bandwidth, ms) => {
    expect(moveDurationMs(size, bandwidth)).toBe(ms);
  });

  it('rejects a non-positive bandwidth', () => {
    expect(() => moveDurationMs(1024, 0)).toThrow(RangeError);
  });

  it.each([
    [1000, 0],
    [1500, 0.25],
    [2000, 0.5],
    [3000, 1],
    [9000, 1],
  ])('reports progress at %i ms as %f', (now, done) => {
    expect(moveProgress(1000, 2000, now)).toBe(done);
  });
});
