import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigurationDoc } from './config-docs.js';
import { ConfigError, loadConfig, runs } from './config.js';

describe('loadConfig', () => {
  it('gives the embedded defaults with no input', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({
      roles: ['all'],
      api: { host: '127.0.0.1', port: 9322, maxLimit: 1000 },
      database: { url: 'pglite:./data/db' },
      bus: { url: 'memory://' },
    });
  });

  it('lets environment variables and overrides replace defaults, in that order', () => {
    const config = loadConfig({
      env: { STEWARD_API_PORT: '1234', STEWARD_ROLES: 'api,applier' },
      overrides: { 'api.port': 4321 },
    });
    expect(config.api.port).toBe(4321);
    expect(config.roles).toEqual(['api', 'applier']);
    expect(runs(config, 'applier')).toBe(true);
    expect(runs(config, 'decision-engine')).toBe(false);
  });

  it('reports every problem at once', () => {
    expect(() =>
      loadConfig({ env: { STEWARD_API_PORT: 'abc', STEWARD_LOG_LEVEL: 'loud', STEWARD_ROLES: 'web' } }),
    ).toThrow(ConfigError);
    try {
      loadConfig({ env: { STEWARD_API_PORT: 'abc', STEWARD_LOG_LEVEL: 'loud' } });
    } catch (error) {
      expect((error as Error).message).toMatch(/\/api\/port .*; \/logLevel is not one of the allowed values/);
    }
  });
});

describe('docs/configuration.md', () => {
  it('is the one generated from the schema (run `npx tsx scripts/gen-config-docs.ts`)', () => {
    expect(readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')).toBe(
      renderConfigurationDoc(),
    );
  });
});
