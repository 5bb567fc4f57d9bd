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

  it('reads a comma-separated list of disabled strategies from the environment', () => {
    const config = loadConfig({ env: { STEWARD_DISABLED_STRATEGIES: 'noisy_neighbor, dummy' } });
    expect(config.engine.disabledStrategies).toEqual(['noisy_neighbor', 'dummy']);
    expect(loadConfig({ env: {} }).engine.disabledStrategies).toEqual([]);
  });

  it('reports every problem at once, naming where each value came from', () => {
    expect(() =>
      loadConfig({ env: { STEWARD_API_PORT: 'abc', STEWARD_LOG_LEVEL: 'loud', STEWARD_ROLES: 'web' } }),
    ).toThrow(ConfigError);
    try {
      loadConfig({ env: { STEWARD_API_PORT: 'abc', STEWARD_LOG_LEVEL: 'loud' } });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'api.port = "abc" (from STEWARD_API_PORT): must be integer',
        'logLevel = "loud" (from STEWARD_LOG_LEVEL): must be one of fatal, error, warn, info, debug, trace, silent',
      ]);
    }
  });

  it.each([
    [{ api: { prot: 1 } }, 'api.prot: unknown key; did you mean api.port?'],
    [{ databse: { url: 'pglite:memory' } }, 'databse: unknown key; did you mean database?'],
    [{ port: 1 }, 'port: unknown key; did you mean api.port?'],
    [
      { cloud: { keystone: { auth_url: 'x' } } },
      'cloud.keystone.auth_url: unknown key; did you mean cloud.keystone.authUrl?',
    ],
    [{ galaxy: true }, 'galaxy: unknown key'],
  ])('refuses the unknown key in %j and suggests the nearest valid one', (overrides, problem) => {
    const flat = (value: unknown, prefix = ''): [string, unknown][] =>
      typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([key, child]) => flat(child, prefix ? `${prefix}.${key}` : key))
        : [[prefix, value]];
    try {
      loadConfig({ env: {}, overrides: Object.fromEntries(flat(overrides)) });
      expect.unreachable('the unknown key was accepted');
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([problem.replace(':', ' (from the command line):')]);
    }
  });

  it('refuses settings that fit their types but cannot work together, with the rest', () => {
    try {
      loadConfig({ env: { STEWARD_DATABASE_URL: 'mysql://root@db/steward', STEWARD_CLOUD: 'openstack' } });
      expect.unreachable('the configuration was accepted');
    } catch (error) {
      expect((error as ConfigError).problems.map((problem) => problem.split(':')[0])).toEqual([
        'database.url (from STEWARD_DATABASE_URL)',
        'cloud.keystone.authUrl',
        'datasource.url',
      ]);
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
