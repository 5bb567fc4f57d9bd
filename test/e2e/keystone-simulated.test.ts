/**
 * `api.auth: keystone` on the embedded simulated cloud with no Keystone URL configured: tokens are validated by
 * the simulated cloud's own Keystone, so the whole Keystone path runs on one machine with nothing installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('Keystone authentication against the simulated cloud', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      'api.auth': 'keystone',
      'cloud.simulator.hosts': 2,
      'cloud.simulator.instances': 2,
    });
  });
  afterAll(async () => server?.stop());

  const tokenOf = async (username: string, password: string) => {
    const { authUrl } = server.steward.simulator!.credentials;
    const response = await fetch(`${authUrl}/auth/tokens`, {
      method: 'POST',
      body: JSON.stringify({
        auth: { identity: { methods: ['password'], password: { user: { name: username, password } } } },
      }),
    });
    return response.headers.get('x-subject-token')!;
  };

  it('admits the simulated admin, refuses its member on writes, and asks for a token without one', async () => {
    const { username, password, member, authUrl } = server.steward.simulator!.credentials;
    const admin = await tokenOf(username, password);
    expect((await fetch(`${server.url}/v1/goals`, { headers: { 'X-Auth-Token': admin } })).status).toBe(200);
    const demo = await tokenOf(member.username, member.password);
    const create = await fetch(`${server.url}/v1/audits`, {
      method: 'POST',
      headers: { 'X-Auth-Token': demo, 'Content-Type': 'application/json' },
      body: JSON.stringify({ audit_type: 'ONESHOT', goal: 'dummy' }),
    });
    expect(create.status).toBe(403);
    const anonymous = await fetch(`${server.url}/v1/goals`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(`Keystone uri="${authUrl.replace(/\/v3$/, '')}"`);
  });
});

describe('failed authentications from one address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      'api.auth': 'keystone',
      'api.keystone.maxFailedAuthentications': 3,
      'cloud.simulator.hosts': 2,
      'cloud.simulator.instances': 2,
    });
  });
  afterAll(async () => server?.stop());

  it('get 429 with Retry-After once the limit of refused tokens is reached, without Keystone being asked', async () => {
    const goals = (token?: string) =>
      fetch(`${server.url}/v1/goals`, { headers: token === undefined ? {} : { 'X-Auth-Token': token } });
    // Missing tokens are refused without asking Keystone and do not count.
    for (let i = 0; i < 5; i++) expect((await goals()).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await goals(`made-up-${i}`)).status).toBe(401);
    const limited = await goals('made-up-again');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toMatch(/Too many refused tokens/);
  });
});
