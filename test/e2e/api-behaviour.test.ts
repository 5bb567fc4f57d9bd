/**
 * API behaviour beyond shapes: microversion negotiation, request ids, policy, pagination by `next` links, the
 * OpenAPI document, and every state change requested through PATCH for every pair of states.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionOperatorStates, PLAN_STATES_ALLOWING_SKIP } from '../../src/applier/action-states.js';
import { actionPlanOperatorStates } from '../../src/applier/plan-states.js';
import { ACTION_PLAN_STATES, ACTION_STATES, AUDIT_STATES } from '../../src/contract/states.js';
import { auditStates } from '../../src/decision-engine/audit-states.js';
import { createTestSteward, type TestSteward } from '../helpers/steward.js';

describe('API behaviour', () => {
  let steward: TestSteward;
  let reader: TestSteward;
  const get = (url: string, headers: Record<string, string> = {}) =>
    steward.app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    steward = await createTestSteward();
    const policyFile = join(tmpdir(), `steward-policy-${process.pid}.json`);
    writeFileSync(policyFile, JSON.stringify({ 'goal:get_all': 'role:reader or rule:admin_api' }));
    reader = await createTestSteward({ config: { policyFile } });
  });
  afterAll(async () => {
    await steward?.close();
    await reader?.close();
  });

  describe('microversions', () => {
    it.each([
      [undefined, 'infra-optim 1.0'],
      ['infra-optim latest', 'infra-optim 1.7'],
      ['infra-optim 1.5', 'infra-optim 1.5'],
      ['infra-optim 1', 'infra-optim 1.0'],
      ['infra-optim garbage', 'infra-optim 1.0'],
      ['compute 2.90', 'infra-optim 1.0'],
    ])('answers %s with %s and the version range headers', async (requested, answered) => {
      const reply = await get('/v1/goals', requested ? { 'OpenStack-API-Version': requested } : {});
      expect(reply.statusCode).toBe(200);
      expect(reply.headers['openstack-api-version']).toBe(answered);
      expect(reply.headers['openstack-api-minimum-version']).toBe('1.0');
      expect(reply.headers['openstack-api-maximum-version']).toBe('1.7');
      expect(reply.headers.vary).toBe('OpenStack-API-Version');
    });

    it('sends the range headers on a 406 too', async () => {
      const reply = await get('/v1/goals', { 'OpenStack-API-Version': 'infra-optim 1.8' });
      expect(reply.statusCode).toBe(406);
      expect(reply.headers['openstack-api-maximum-version']).toBe('1.7');
    });

    it('links data_model from 1.3 and webhooks from 1.4 in the v1 document', async () => {
      const old = (await get('/v1', { 'OpenStack-API-Version': 'infra-optim 1.2' })).json<
        Record<string, unknown>
      >();
      const recent = (await get('/v1/', { 'OpenStack-API-Version': 'infra-optim 1.4' })).json<
        Record<string, unknown>
      >();
      expect(old).not.toHaveProperty('data_model');
      expect(old).not.toHaveProperty('webhooks');
      expect(recent).toHaveProperty('data_model');
      expect(recent).toHaveProperty('webhooks');
    });

    it('shows status_message only from 1.5', async () => {
      const audit = (
        await steward.app.inject({
          method: 'POST',
          url: '/v1/audits',
          payload: { audit_type: 'EVENT', goal: 'dummy' },
        })
      ).json<{ uuid: string }>();
      expect(
        (await get(`/v1/audits/${audit.uuid}`, { 'OpenStack-API-Version': 'infra-optim 1.4' })).json(),
      ).not.toHaveProperty('status_message');
      expect(
        (await get(`/v1/audits/${audit.uuid}`, { 'OpenStack-API-Version': 'infra-optim 1.5' })).json(),
      ).toHaveProperty('status_message');
    });
  });

  it('gives every response a request id, errors included', async () => {
    for (const url of ['/', '/v1/goals', '/v1/nothing-here']) {
      expect((await get(url)).headers['x-openstack-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
    }
  });

  it('sends security headers on every response and no CORS headers unless origins are configured', async () => {
    for (const url of ['/', '/v1/goals', '/v1/nothing-here', '/metrics']) {
      const reply = await get(url, { Origin: 'https://evil.example' });
      expect(reply.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'referrer-policy': 'no-referrer',
      });
      expect(reply.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('answers configured origins only, preflight included, before authentication', async () => {
    const withCors = await createTestSteward({
      config: {
        cors: { origins: ['https://ops.example'] },
        auth: {
          strategy: 'keystone',
          validateToken: () => Promise.resolve(undefined),
          wwwAuthenticateUri: 'http://127.0.0.1:5000',
        },
      },
    });
    try {
      const preflight = (origin: string) =>
        withCors.app.inject({
          method: 'OPTIONS',
          url: '/v1/goals',
          headers: {
            Origin: origin,
            'Access-Control-Request-Method': 'GET',
            'Access-Control-Request-Headers': 'x-auth-token,openstack-api-version',
          },
        });
      const allowed = await preflight('https://ops.example');
      expect(allowed.statusCode).toBe(204);
      expect(allowed.headers).toMatchObject({
        'access-control-allow-origin': 'https://ops.example',
        'access-control-max-age': '600',
        'x-content-type-options': 'nosniff',
      });
      expect(String(allowed.headers['access-control-allow-methods'])).toContain('PATCH');
      expect(String(allowed.headers['access-control-allow-headers'])).toContain('X-Auth-Token');
      expect(
        (await preflight('https://evil.example')).headers['access-control-allow-origin'],
      ).toBeUndefined();

      // The request itself still needs its token; the refusal carries the CORS headers so the page can read it.
      const refused = await withCors.app.inject({
        method: 'GET',
        url: '/v1/goals',
        headers: { Origin: 'https://ops.example' },
      });
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['access-control-allow-origin']).toBe('https://ops.example');
      expect(String(refused.headers['access-control-expose-headers'])).toContain('OpenStack-API-Version');
      expect(refused.json()).toHaveProperty('error_message');
      const stranger = await withCors.app.inject({
        method: 'GET',
        url: '/v1/goals',
        headers: { Origin: 'https://evil.example' },
      });
      expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });

  it('answers a preflight 405 with Watcher’s error body when no origin is configured', async () => {
    const reply = await steward.app.inject({
      method: 'OPTIONS',
      url: '/v1/goals',
      headers: { Origin: 'https://ops.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(reply.statusCode).toBe(405);
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
    expect(reply.json()).toHaveProperty('error_message');
  });

  it('applies Watcher’s default policy to the X-Roles of a noauth request, and a policy file overrides it', async () => {
    expect((await get('/v1/goals', { 'X-Roles': 'reader' })).statusCode).toBe(403);
    expect((await get('/v1/goals', { 'X-Roles': 'admin' })).statusCode).toBe(200);
    expect((await get('/v1/goals', { 'X-Roles': 'Administrator' })).statusCode).toBe(200);
    expect(
      (await reader.app.inject({ method: 'GET', url: '/v1/goals', headers: { 'X-Roles': 'reader' } }))
        .statusCode,
    ).toBe(200);
    expect(
      (await reader.app.inject({ method: 'GET', url: '/v1/strategies', headers: { 'X-Roles': 'reader' } }))
        .statusCode,
    ).toBe(403);
  });

  it('walks every goal once by following next links', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/v1/goals?limit=3&sort_key=name&sort_dir=desc';
    while (url) {
      const body: { goals: { name: string }[]; next?: string } = (await get(url)).json();
      seen.push(...body.goals.map((goal) => goal.name));
      url = body.next?.replace(/^https?:\/\/[^/]+/, '');
    }
    const all = (await get('/v1/goals')).json<{ goals: { name: string }[] }>().goals.map((goal) => goal.name);
    expect(seen).toEqual([...all].sort().reverse());
  });

  it('serves an OpenAPI document listing every resource', async () => {
    const document = (await get('/openapi.json')).json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(document.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/goals',
      '/v1/strategies/{id}/state',
      '/v1/audit_templates',
      '/v1/audits/{id}',
      '/v1/action_plans/{id}/start',
      '/v1/actions/{id}',
      '/v1/services',
      '/v1/data_model',
      '/v1/webhooks/{id}',
    ]) {
      expect(Object.keys(document.paths)).toContain(path);
    }
  });

  it('exposes its own metrics', async () => {
    const text = (await get('/metrics')).body;
    expect(text).toContain('steward_http_requests_total');
  });
});

describe('state changes through the API, every pair of states', () => {
  let steward: TestSteward;
  let strategyId: number;
  let goalId: number;

  beforeAll(async () => {
    steward = await createTestSteward();
    const dummy = (await steward.store.strategies.find('dummy'))!;
    strategyId = dummy.id;
    goalId = dummy.goalId;
  });
  afterAll(async () => {
    await steward?.close();
  });

  const newAudit = (state: (typeof AUDIT_STATES)[number]) =>
    steward.store.audits.create({
      name: `a-${Math.random()}`,
      auditType: 'CONTINUOUS',
      state,
      parameters: {},
      interval: '3600',
      goalId,
      strategyId,
      scope: [],
      autoTrigger: false,
      nextRunTime: null,
      startTime: null,
      endTime: null,
      force: false,
      forceRefresh: false,
    });
  const patch = (url: string, value: string, path = '/state') =>
    steward.app.inject({
      method: 'PATCH',
      url,
      headers: { 'OpenStack-API-Version': 'infra-optim 1.7' },
      payload: [{ op: 'replace', path, value }],
    });

  const auditPairs = AUDIT_STATES.filter((s) => s !== 'DELETED').flatMap((from) =>
    AUDIT_STATES.filter((to) => to !== from).map((to) => [from, to] as const),
  );
  it.each(auditPairs)('audit %s -> %s', async (from, to) => {
    const audit = await newAudit(from);
    const reply = await patch(`/v1/audits/${audit.uuid}`, to);
    const allowed = to !== 'DELETED' && auditStates.canTransition(from, to);
    expect(reply.statusCode).toBe(allowed ? 200 : 409);
    expect((await steward.store.audits.find(audit.uuid))!.state).toBe(allowed ? to : from);
  });

  const planPairs = ACTION_PLAN_STATES.filter((s) => s !== 'DELETED').flatMap((from) =>
    ACTION_PLAN_STATES.filter((to) => to !== from).map((to) => [from, to] as const),
  );
  it.each(planPairs)('action plan %s -> %s', async (from, to) => {
    const owner = await newAudit('SUCCEEDED');
    const plan = await steward.store.actionPlans.create({
      auditId: owner.id,
      strategyId,
      state: from,
      globalEfficacy: [],
      efficacyIndicators: [],
      actions: [],
    });
    const reply = await patch(`/v1/action_plans/${plan.uuid}`, to);
    const allowed = to !== 'DELETED' && actionPlanOperatorStates.canTransition(from, to);
    expect(reply.statusCode).toBe(allowed ? 200 : 409);
    expect(reply.json<{ state: string }>().state).toBe(allowed ? to : undefined);
    const stored = (await steward.store.actionPlans.find(plan.uuid))!.state;
    // A plan moved to PENDING is launched at once: the applier may already have run it (it has no actions).
    if (allowed && to === 'PENDING') expect(['PENDING', 'ONGOING', 'SUCCEEDED']).toContain(stored);
    else expect(stored).toBe(allowed ? to : from);
  });

  const actionPairs = ACTION_STATES.filter((s) => s !== 'DELETED').flatMap((from) =>
    ACTION_STATES.filter((to) => to !== from).flatMap((to) =>
      (['RECOMMENDED', 'ONGOING'] as const).map((planState) => [from, to, planState] as const),
    ),
  );
  it.each(actionPairs)('action %s -> %s in a %s plan', async (from, to, planState) => {
    const owner = await newAudit('SUCCEEDED');
    const uuid = crypto.randomUUID();
    await steward.store.actionPlans.create({
      auditId: owner.id,
      strategyId,
      state: planState,
      globalEfficacy: [],
      efficacyIndicators: [],
      actions: [{ uuid, actionType: 'nop', inputParameters: { message: 'x' }, parents: [], state: from }],
    });
    const reply = await patch(`/v1/actions/${uuid}`, to);
    const allowed =
      actionOperatorStates.canTransition(from, to) && PLAN_STATES_ALLOWING_SKIP.includes(planState);
    expect(reply.statusCode).toBe(allowed ? 200 : 409);
    expect((await steward.store.actions.find(uuid))!.state).toBe(allowed ? to : from);
  });
});
