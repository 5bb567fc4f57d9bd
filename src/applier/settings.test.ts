import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { actionTimeoutMs, type ApplierSettings } from './settings.js';

const defaults: ApplierSettings = loadConfig({ env: {} }).applier;
const timeouts = {
  ...defaults.timeouts,
  migrate: 100,
  resize: 200,
  perMemoryGibSeconds: 10,
  defaultSeconds: 30,
  perActionType: { volume_migrate: 3600 },
};

describe('action timeouts', () => {
  it.each([
    ['migrate', {}, 100_000],
    ['migrate', { memoryMb: 4096 }, 140_000],
    ['migrate', { memoryMb: 512 }, 105_000],
    ['resize', { memoryMb: 2048 }, 220_000],
    ['volume_migrate', { memoryMb: 4096 }, 3_600_000],
    ['change_nova_service_state', {}, 30_000],
  ])('gives %s with %j a wait of %i ms', (type, scale, expected) => {
    expect(actionTimeoutMs(timeouts, type, scale)).toBe(expected);
  });

  it('scales migrations by memory by default, beyond upstream’s fixed 120 s', () => {
    expect(actionTimeoutMs(defaults.timeouts, 'migrate', { memoryMb: 16_384 })).toBeGreaterThan(120_000);
  });
});
