/**
 * The token validator against the simulated cloud's Keystone over HTTP, on a manual clock shared by both: what is
 * cached, for how long, how many tokens, and when Keystone is asked again. (The real Keystone's revocation is in
 * test/e2e/keystone-watcherclient.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonRequester, type JsonRequester } from '../../src/cloud/http.js';
import { createKeystoneSession } from '../../src/cloud/keystone.js';
import { createKeystoneTokenValidator } from '../../src/cloud/keystone-token-validator.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createSimulatedCloud, type SimulatedCloud } from '../../src/simulator/index.js';
import { ADMIN_PROJECT } from '../../src/simulator/keystone.js';

describe('Keystone token validator', () => {
  let clock: ManualClock;
  let cloud: SimulatedCloud;
  let validations: number;
  let http: JsonRequester;

  beforeEach(async () => {
    clock = new ManualClock('2026-06-01T00:00:00Z');
    cloud = createSimulatedCloud({ clock, cluster: { hosts: 1, instances: 0, seed: 1 } });
    await cloud.listen({ host: '127.0.0.1', port: 0 });
    validations = 0;
    const plain = createJsonRequester({ retries: 0 });
    http = (request) => {
      if (request.method === 'GET') validations++;
      return plain(request);
    };
  });
  afterEach(async () => cloud.close());

  const validatorWith = (settings: { cacheSeconds?: number; cacheSize?: number } = {}) =>
    createKeystoneTokenValidator({
      authUrl: cloud.credentials.authUrl,
      session: createKeystoneSession({ auth: cloud.credentials, http, clock, refreshMarginMs: 0 }),
      http,
      clock,
      ...settings,
    });
  const userToken = async (username = 'demo', password = 'demo') => {
    const response = await fetch(`${cloud.credentials.authUrl}/auth/tokens`, {
      method: 'POST',
      body: JSON.stringify({
        auth: { identity: { methods: ['password'], password: { user: { name: username, password } } } },
      }),
    });
    return response.headers.get('x-subject-token')!;
  };

  it('reads roles, user, project and domains from the token, and asks Keystone once while it trusts the answer', async () => {
    const validator = validatorWith({ cacheSeconds: 60 });
    const token = await userToken();
    const identity = await validator.validate(token);
    expect(identity).toMatchObject({
      roles: ['member', 'reader'],
      projectId: ADMIN_PROJECT,
      projectDomainId: 'default',
      userDomainId: 'default',
      domainId: null,
      systemScope: null,
      isAdminProject: false,
    });
    await clock.advance(59_000);
    expect(await validator.validate(token)).toEqual(identity);
    expect(validations).toBe(1);
    // Past cacheSeconds Keystone is asked again: a revocation in between would be seen now.
    await clock.advance(2_000);
    expect(await validator.validate(token)).toEqual(identity);
    expect(validations).toBe(2);
  });

  it('refuses an expired token at once even when the cache would trust it longer', async () => {
    const validator = validatorWith({ cacheSeconds: 86_400 });
    const token = await userToken();
    expect(await validator.validate(token)).toBeDefined();
    // The simulator's tokens live one hour.
    await clock.advance(3_600_000);
    expect(await validator.validate(token)).toBeUndefined();
  });

  it('caches a token Keystone does not know, and validates a burst of one new token once', async () => {
    const validator = validatorWith();
    expect(await validator.validate('gAAAAAmadeup')).toBeUndefined();
    expect(await validator.validate('gAAAAAmadeup')).toBeUndefined();
    expect(validations).toBe(1);
    const token = await userToken();
    const burst = await Promise.all(Array.from({ length: 20 }, () => validator.validate(token)));
    expect(new Set(burst.map((identity) => identity?.userId)).size).toBe(1);
    expect(validations).toBe(2);
  });

  it('keeps at most cacheSize tokens and forgets the least recently used first', async () => {
    const validator = validatorWith({ cacheSize: 2 });
    const [first, second, third] = [await userToken(), await userToken(), await userToken()];
    await validator.validate(first);
    await validator.validate(second);
    await validator.validate(first); // now `second` is the least recently used
    await validator.validate(third);
    expect(validator.cached).toBe(2);
    expect(validations).toBe(3);
    await validator.validate(first);
    expect(validations).toBe(3);
    await validator.validate(second);
    expect(validations).toBe(4);
  });
});
