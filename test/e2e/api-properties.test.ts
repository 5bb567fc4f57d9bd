/**
 * API properties through `inject()` on a PGlite store, with in-test decision engine and applier ports that record
 * what the API asks of them. Complements api-behaviour.test.ts: the expected transitions here are upstream's,
 * written out, not imported from our state tables; pagination is a property over limits, sort keys and directions.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi, type ApiConfig } from '../../src/api/app.js';
import { ROUTE_POLICIES } from '../../src/api/route-policies.js';
import type { ApplierClient, DecisionEngineClient } from '../../src/service-ports.js';
import {
  ACTION_PLAN_STATES,
  ACTION_STATES,
  AUDIT_STATES,
  type ActionPlanState,
  type ActionState,
  type AuditState,
} from '../../src/contract/states.js';
import { readWatcherFault } from '../../src/contract/error-body.js';
import { syncRegistries } from '../../src/decision-engine/sync.js';
import { goals } from '../../src/goals/index.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { scoringEngines } from '../../src/scoring/index.js';
import { strategies } from '../../src/strategies/index.js';
import type { Store } from '../../src/store/store.js';
import { createTestStore, type TestStore } from '../helpers/store.js';

class RecordingEngine implements DecisionEngineClient {
  readonly triggered: string[] = [];
  triggerAudit(auditUuid: string): Promise<void> {
    this.triggered.push(auditUuid);
    return Promise.resolve();
  }
  strategyState(): Promise<[]> {
    return Promise.resolve([]);
  }
  dataModel(): Promise<[]> {
    return Promise.resolve([]);
  }
  refreshDataModel() {
    return Promise.resolve({ syncedAt: null, computeNodes: 0, instances: 0 });
  }
}

class RecordingApplier implements ApplierClient {
  readonly launched: string[] = [];
  launchActionPlan(actionPlanUuid: string): Promise<void> {
    this.launched.push(actionPlanUuid);
    return Promise.resolve();
  }
}

interface Harness {
  app: FastifyInstance;
  store: Store;
  engine: RecordingEngine;
  applier: RecordingApplier;
  close(): Promise<void>;
}

async function createHarness(testStore: TestStore, config: Partial<ApiConfig> = {}): Promise<Harness> {
  const engine = new RecordingEngine();
  const applier = new RecordingApplier();
  const app = await buildApi({
    store: testStore.store,
    engine,
    applier,
    clock: systemClock,
    logger: silentLogger,
    metrics: createMetrics({ defaultMetrics: false }),
    config: {
      maxLimit: 1000,
      bodyLimitBytes: 1024 * 1024,
      auth: { strategy: 'noauth' },
      serviceDownTimeSeconds: 90,
      ...config,
    },
  });
  return { app, store: testStore.store, engine, applier, close: () => app.close() };
}

const LATEST = { 'OpenStack-API-Version': 'infra-optim latest' };

/** Upstream's operator transitions, written out rather than imported so the test checks the code against Watcher. */
const AUDIT_PATCHABLE: Record<AuditState, readonly AuditState[]> = {
  PENDING: ['ONGOING', 'CANCELLED'],
  ONGOING: ['FAILED', 'SUCCEEDED', 'CANCELLED', 'SUSPENDED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
  SUSPENDED: ['ONGOING'],
  DELETED: [],
};
const PLAN_PATCHABLE: Record<ActionPlanState, readonly ActionPlanState[]> = {
  RECOMMENDED: ['PENDING', 'CANCELLED'],
  PENDING: ['CANCELLED'],
  ONGOING: ['CANCELLING'],
  CANCELLING: [],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
  SUPERSEDED: [],
  DELETED: [],
};

function pairs<S extends string>(states: readonly S[]): [S, S][] {
  return states
    .filter((from) => from !== 'DELETED')
    .flatMap((from) => states.filter((to) => to !== from).map((to): [S, S] => [from, to]));
}

describe('API properties', () => {
  let testStore: TestStore;
  let harness: Harness;
  let store: Store;
  let goalId: number;
  let strategyId: number;

  const newAudit = (state: AuditState, name = `audit-${crypto.randomUUID().slice(0, 8)}`) =>
    store.audits.create({
      name,
      auditType: 'ONESHOT',
      state,
      parameters: { para1: 3.2, para2: 'hello' },
      interval: null,
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
  const newPlan = async (state: ActionPlanState, actionState: ActionState = 'PENDING') => {
    const audit = await newAudit('SUCCEEDED');
    return store.actionPlans.create({
      auditId: audit.id,
      strategyId,
      state,
      globalEfficacy: [],
      efficacyIndicators: [],
      actions: [
        {
          uuid: crypto.randomUUID(),
          actionType: 'nop',
          inputParameters: { message: 'x' },
          parents: [],
          state: actionState,
        },
      ],
    });
  };
  const patchState = (url: string, value: string) =>
    harness.app.inject({
      method: 'PATCH',
      url,
      headers: LATEST,
      payload: [{ op: 'replace', path: '/state', value }],
    });

  beforeAll(async () => {
    testStore = await createTestStore('pglite');
    store = testStore.store;
    await syncRegistries(store, { goals, strategies, scoringEngines });
    const dummy = (await store.strategies.find('dummy'))!;
    goalId = dummy.goalId;
    strategyId = dummy.id;
    harness = await createHarness(testStore);
  });
  afterAll(async () => {
    await harness.close();
    await testStore.close();
  });

  describe('state transitions', () => {
    it.each(pairs(AUDIT_STATES))(
      'an audit PATCH from %s to %s is allowed only when upstream allows it (else 409)',
      async (from, to) => {
        const audit = await newAudit(from);
        const response = await patchState(`/v1/audits/${audit.uuid}`, to);
        const allowed = AUDIT_PATCHABLE[from].includes(to);
        expect(response.statusCode).toBe(allowed ? 200 : 409);
        expect((await store.audits.find(audit.uuid))?.state).toBe(allowed ? to : from);
        if (!allowed) expect(readWatcherFault(response.json())).toContain(`(${from} -> ${to})`);
      },
    );

    it.each(pairs(ACTION_PLAN_STATES))(
      'an action plan PATCH from %s to %s is allowed only when upstream allows it (else 409)',
      async (from, to) => {
        const plan = await newPlan(from);
        const response = await patchState(`/v1/action_plans/${plan.uuid}`, to);
        const allowed = PLAN_PATCHABLE[from].includes(to);
        expect(response.statusCode).toBe(allowed ? 200 : 409);
        expect((await store.actionPlans.find(plan.uuid))?.state).toBe(allowed ? to : from);
        expect(harness.applier.launched.includes(plan.uuid)).toBe(allowed && to === 'PENDING');
      },
    );

    it('cancelling a PENDING action plan cancels its pending actions in the same request', async () => {
      const plan = await newPlan('PENDING');
      expect((await patchState(`/v1/action_plans/${plan.uuid}`, 'CANCELLED')).statusCode).toBe(200);
      const actions = await store.actions.list({ limit: 10, filters: { actionPlanId: plan.id } });
      expect(actions.map((action) => action.state)).toEqual(['CANCELLED']);
    });

    it.each(['RECOMMENDED', 'PENDING', 'ONGOING', 'SUCCEEDED'] as const)(
      'starting an action plan in %s succeeds only from RECOMMENDED',
      async (state) => {
        const plan = await newPlan(state);
        const response = await harness.app.inject({
          method: 'POST',
          url: `/v1/action_plans/${plan.uuid}/start`,
          headers: LATEST,
        });
        expect(response.statusCode).toBe(state === 'RECOMMENDED' ? 200 : 409);
        expect(harness.applier.launched.includes(plan.uuid)).toBe(state === 'RECOMMENDED');
      },
    );

    it.each(pairs(ACTION_STATES))(
      'an action PATCH from %s to %s is allowed only for PENDING -> SKIPPED',
      async (from, to) => {
        const plan = await newPlan('RECOMMENDED', from);
        const [action] = await store.actions.list({ limit: 10, filters: { actionPlanId: plan.id } });
        const response = await patchState(`/v1/actions/${action!.uuid}`, to);
        const allowed = from === 'PENDING' && to === 'SKIPPED';
        expect(response.statusCode).toBe(allowed ? 200 : 409);
        const stored = await store.actions.find(action!.uuid);
        expect(stored?.state).toBe(allowed ? 'SKIPPED' : from);
        if (allowed) expect(stored?.statusMessage).toBe('Action skipped by user.');
      },
    );

    it('creating a ONESHOT audit asks the decision engine to run it', async () => {
      const response = await harness.app.inject({
        method: 'POST',
        url: '/v1/audits',
        headers: LATEST,
        payload: { audit_type: 'ONESHOT', goal: 'dummy' },
      });
      expect(response.statusCode).toBe(201);
      expect(harness.engine.triggered).toContain(response.json<{ uuid: string }>().uuid);
    });
  });

  describe('microversions', () => {
    it('takes infra-optim from a header that also names other services', async () => {
      const response = await harness.app.inject({
        method: 'GET',
        url: '/v1/goals',
        headers: { 'OpenStack-API-Version': 'compute 2.60, infra-optim 1.3' },
      });
      expect(response.headers['openstack-api-version']).toBe('infra-optim 1.3');
    });

    it.each([
      ['1.4', false],
      ['1.5', true],
    ])('an action plan at %s shows status_message: %s', async (version, shown) => {
      const plan = await newPlan('RECOMMENDED');
      const response = await harness.app.inject({
        method: 'GET',
        url: `/v1/action_plans/${plan.uuid}`,
        headers: { 'OpenStack-API-Version': `infra-optim ${version}` },
      });
      expect('status_message' in response.json<object>()).toBe(shown);
    });
  });

  describe('policy', () => {
    it.each([
      [undefined, 'GET', '/v1/goals', 200],
      ['admin', 'GET', '/v1/goals', 200],
      ['reader', 'GET', '/v1/goals', 403],
      ['member,admin', 'GET', '/v1/audits', 200],
      ['service', 'GET', '/v1/audits', 403],
    ] as const)('with X-Roles %s, %s %s answers %i', async (roles, method, url, status) => {
      const response = await harness.app.inject({
        method,
        url,
        headers: roles === undefined ? {} : { 'X-Roles': roles },
      });
      expect(response.statusCode).toBe(status);
      if (status === 403)
        expect(readWatcherFault(response.json())).toMatch(
          /^Policy doesn't allow \w+:get_all to be performed\.$/,
        );
    });

    it('a policy file overrides the default rules', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'steward-policy-'));
      const policyFile = join(directory, 'policy.json');
      writeFileSync(
        policyFile,
        JSON.stringify({ 'goal:get_all': 'role:reader or rule:admin_api', 'audit:create': '!' }),
      );
      const overridden = await createHarness(testStore, { policyFile });
      try {
        expect(
          (await overridden.app.inject({ method: 'GET', url: '/v1/goals', headers: { 'X-Roles': 'reader' } }))
            .statusCode,
        ).toBe(200);
        const create = await overridden.app.inject({
          method: 'POST',
          url: '/v1/audits',
          headers: { 'X-Roles': 'admin' },
          payload: { audit_type: 'ONESHOT', goal: 'dummy' },
        });
        expect(create.statusCode).toBe(403);
        expect(readWatcherFault(create.json())).toBe("Policy doesn't allow audit:create to be performed.");
      } finally {
        await overridden.close();
      }
    });

    it('a webhook needs webhook:trigger even in noauth mode', async () => {
      const response = await harness.app.inject({
        method: 'POST',
        url: `/v1/webhooks/${crypto.randomUUID()}`,
        headers: { 'X-Roles': 'reader' },
        payload: {},
      });
      expect(response.statusCode).toBe(403);
      expect(readWatcherFault(response.json())).toContain('webhook:trigger');
    });
  });

  describe('methods', () => {
    it.each([
      ['PUT', '/v1/goals', 'GET'],
      ['DELETE', '/v1/goals/dummy', 'GET'],
      ['PUT', `/v1/audits/${crypto.randomUUID()}`, 'GET, PATCH, DELETE'],
      ['GET', `/v1/webhooks/${crypto.randomUUID()}`, 'POST'],
    ] as const)("%s %s is 405 in Watcher's body with Allow: %s", async (method, url, allow) => {
      const response = await harness.app.inject({ method, url });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe(allow);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(readWatcherFault(response.json())).toContain(`The method ${method} is not allowed`);
    });

    it('an unknown path is still 404', async () => {
      const response = await harness.app.inject({ method: 'PUT', url: '/v1/galaxies' });
      expect(response.statusCode).toBe(404);
    });
  });

  describe('request ids', () => {
    it.each([
      ['GET', '/v1/goals', 200],
      ['GET', '/', 200],
      ['GET', '/v1/galaxies', 404],
      ['GET', `/v1/audits/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, 404],
      ['GET', '/metrics', 200],
    ] as const)('%s %s (%i) carries a fresh X-OpenStack-Request-Id', async (method, url, status) => {
      const first = await harness.app.inject({ method, url });
      const second = await harness.app.inject({ method, url });
      expect(first.statusCode).toBe(status);
      const id = first.headers['x-openstack-request-id'];
      expect(id).toMatch(/^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(second.headers['x-openstack-request-id']).not.toBe(id);
    });
  });

  describe('pagination', () => {
    let seeded: Set<string>;
    let paged: Harness;
    let pagedStore: TestStore;

    beforeAll(async () => {
      // A store of its own, so the audits created by the other tests do not change the expected set.
      pagedStore = await createTestStore('pglite');
      await syncRegistries(pagedStore.store, { goals, strategies, scoringEngines });
      paged = await createHarness(pagedStore, { publicUrl: 'http://steward.test:9322' });
      const dummy = (await pagedStore.store.strategies.find('dummy'))!;
      seeded = new Set();
      for (let i = 0; i < 23; i++) {
        const audit = await pagedStore.store.audits.create({
          // Names are unique among live audits; sorting by state or audit_type (all equal) exercises the tie-break.
          name: `audit-${String(i).padStart(2, '0')}`,
          auditType: 'ONESHOT',
          state: 'SUCCEEDED',
          parameters: {},
          interval: null,
          goalId: dummy.goalId,
          strategyId: dummy.id,
          scope: [],
          autoTrigger: false,
          nextRunTime: null,
          startTime: null,
          endTime: null,
          force: false,
          forceRefresh: false,
        });
        seeded.add(audit.uuid);
      }
    });
    afterAll(async () => {
      await paged.close();
      await pagedStore.close();
    });

    it('walking next links returns every audit exactly once, whatever the limit, sort key and direction', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 30 }),
          fc.constantFrom('created_at', 'name', 'uuid', 'state', 'audit_type'),
          fc.constantFrom('asc', 'desc'),
          fc.boolean(),
          async (limit, sortKey, sortDir, detail) => {
            const seen: string[] = [];
            let url: string | undefined =
              `/v1/audits${detail ? '/detail' : ''}?limit=${limit}&sort_key=${sortKey}&sort_dir=${sortDir}`;
            for (let pages = 0; url !== undefined && pages < 30; pages++) {
              const response: LightMyRequestResponse = await paged.app.inject({ method: 'GET', url });
              expect(response.statusCode).toBe(200);
              const body: { audits: { uuid: string }[]; next?: string } = response.json<{
                audits: { uuid: string }[];
                next?: string;
              }>();
              seen.push(...body.audits.map((audit) => audit.uuid));
              if (body.audits.length < limit) expect(body.next).toBeUndefined();
              if (body.next !== undefined) {
                expect(body.next).toMatch(
                  new RegExp(
                    `^http://steward\\.test:9322/v1/audits${detail ? '/detail' : ''}\\?sort_key=${sortKey}&sort_dir=${sortDir}&limit=${limit}&marker=[0-9a-f-]{36}$`,
                  ),
                );
              }
              url = body.next?.replace('http://steward.test:9322', '');
            }
            expect(seen).toHaveLength(seeded.size);
            expect(new Set(seen)).toEqual(seeded);
          },
        ),
        { numRuns: 25 },
      );
    });
  });

  describe('OpenAPI', () => {
    it('the document is valid JSON listing every route of the policy table with its success answer', async () => {
      const response = await harness.app.inject({ method: 'GET', url: '/openapi.json' });
      expect(response.statusCode).toBe(200);
      const document = JSON.parse(response.body) as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      };
      expect(document.openapi).toMatch(/^3\./);
      // Every route of the policy table, each with the success answer it declares.
      const expected = Object.keys(ROUTE_POLICIES).map((key) => {
        const [method, url] = key.split(' ') as [string, string];
        return [url.replace(/:(\w+)/g, '{$1}'), method.toLowerCase()] as const;
      });
      expected.push(['/v1', 'get'], ['/', 'get']);
      const missing = expected.filter(([path, method]) => document.paths[path]?.[method] === undefined);
      expect(missing, `paths: ${Object.keys(document.paths).join(' ')}`).toEqual([]);
      const withoutSuccess = expected.filter(([path, method]) => {
        const operation = document.paths[path]?.[method] as
          { responses?: Record<string, unknown> } | undefined;
        return !Object.keys(operation?.responses ?? {}).some((status) => status.startsWith('2'));
      });
      expect(withoutSuccess).toEqual([]);
    });
  });
});
