/**
 * 10,000 requests generated from Steward's own OpenAPI document plus hostile mutations (test/helpers/
 * openapi-requests.ts, ADR 0005), sent over HTTP to a running Steward on the machine's PostgreSQL: no answer is a
 * 5xx, every error is Watcher's body with a JSON Content-Type, and a rejected request leaves every table as it
 * was (row counts, soft deletes and the latest update). Audits and plans that generated requests create are
 * recorded, not run, so that nothing but the request under test writes to the database.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWatcherFault } from '../../src/contract/error-body.js';
import type { ApplierClient, DecisionEngineClient } from '../../src/service-ports.js';
import {
  requestArbitrary,
  type GeneratedRequest,
  type KnownValues,
  type OpenApiDocument,
} from '../helpers/openapi-requests.js';
import { createTestSteward, type TestSteward } from '../helpers/steward.js';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const TABLES = [
  'goals',
  'strategies',
  'scoring_engines',
  'audit_templates',
  'audits',
  'action_plans',
  'actions',
  'services',
];

interface Reply {
  status: number;
  contentType: string | undefined;
  body: string;
}

describe('the API under generated hostile requests, on PostgreSQL', () => {
  let steward: TestSteward;
  let database: pg.Client;
  let port: number;
  let document: OpenApiDocument;
  let known: KnownValues;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const triggered: string[] = [];
  const launched: string[] = [];

  beforeAll(async () => {
    const recordingApplier: ApplierClient = {
      launchActionPlan: (uuid) => Promise.resolve(void launched.push(uuid)),
    };
    // Reads go to the real (cloudless) engine; audits are recorded, not run.
    const real: { engine?: DecisionEngineClient } = {};
    const recordingEngine: DecisionEngineClient = {
      triggerAudit: (uuid) => Promise.resolve(void triggered.push(uuid)),
      strategyState: (name) => real.engine!.strategyState(name),
      dataModel: (request) => real.engine!.dataModel(request),
      refreshDataModel: () => real.engine!.refreshDataModel(),
    };
    steward = await createTestSteward({
      dialect: 'postgres',
      launcher: recordingApplier,
      engineClient: recordingEngine,
    });
    real.engine = steward.engine;
    database = new pg.Client({ connectionString: steward.connectionString });
    await database.connect();
    await steward.app.listen({ port: 0, host: '127.0.0.1' });
    port = (steward.app.server.address() as AddressInfo).port;
    document = (await steward.app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiDocument>();
    known = await seed(steward);
  });

  afterAll(async () => {
    agent.destroy();
    await database?.end();
    await steward?.close();
  });

  async function fingerprint(): Promise<string> {
    const columns = TABLES.map(
      (table) =>
        `(select count(*) || '/' || count(deleted_at) || '/' || coalesce(max(updated_at)::text, '-') from ${table}) as ${table}`,
    );
    const { rows } = await database.query(`select ${columns.join(', ')}`);
    return JSON.stringify(rows[0]);
  }

  function send(request: GeneratedRequest): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const outgoing = http.request(
        {
          host: '127.0.0.1',
          port,
          method: request.method,
          path: request.url,
          agent,
          headers: {
            ...request.headers,
            ...(request.body !== undefined && { 'content-length': String(request.body.length) }),
          },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              contentType: incoming.headers['content-type'],
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          incoming.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
  }

  it(`answers ${REQUESTS.toLocaleString('en')} requests without a 5xx, errors in Watcher's body, rejected ones writing nothing`, async () => {
    const statuses = new Map<number, number>();
    const mutations = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(requestArbitrary(document, known), async (request) => {
        const writes = request.method !== 'GET';
        const before = writes ? await fingerprint() : undefined;
        const reply = await send(request);
        const what = `${request.method} ${request.url.slice(0, 200)} [${request.mutation}] -> ${reply.status} ${reply.body.slice(0, 300)}`;
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        for (const kind of request.mutation.split(';')) mutations.set(kind, (mutations.get(kind) ?? 0) + 1);
        expect(reply.status, what).toBeLessThan(500);
        if (reply.status >= 400) {
          expect(reply.contentType, what).toMatch(/^application\/json/);
          expect(readWatcherFault(JSON.parse(reply.body)), what).toEqual(expect.any(String));
          if (writes) expect(await fingerprint(), what).toBe(before);
        }
      }),
      { numRuns: REQUESTS, endOnFailure: true },
    );
    const seen = JSON.stringify(Object.fromEntries(statuses));
    // The property means something only if the generator reached the routes and their every kind of refusal.
    const count = (predicate: (status: number) => boolean) =>
      [...statuses].filter(([status]) => predicate(status)).reduce((sum, [, n]) => sum + n, 0);
    expect(
      count((status) => status >= 200 && status < 300),
      seen,
    ).toBeGreaterThan(REQUESTS * 0.05);
    expect(
      count((status) => status > 200 && status < 300),
      `writes that succeeded: ${seen}`,
    ).toBeGreaterThan(REQUESTS / 1000);
    for (const status of [400, 403, 404, 406, 409, 415])
      expect(statuses.get(status) ?? 0, `answers ${status}: ${seen}`).toBeGreaterThan(REQUESTS / 1000);
    for (const kind of ['body:nul-string', 'body:deep-nesting', 'body:invalid-utf8', 'body:wrong-type-array'])
      expect(mutations.get(kind) ?? 0, kind).toBeGreaterThan(REQUESTS / 200);
    expect(triggered.length + launched.length).toBeGreaterThan(0);
  }, 900_000);
});

/** Objects in every state the routes distinguish, so generated ids reach their transitions. */
async function seed(steward: TestSteward): Promise<KnownValues> {
  const { store } = steward;
  const dummy = (await store.strategies.find('dummy'))!;
  const template = await store.auditTemplates.create({
    name: 'fuzz-template',
    description: null,
    goalId: dummy.goalId,
    strategyId: dummy.id,
    scope: [],
    defaultParameters: null,
  });
  const base = {
    parameters: { para1: 3.2, para2: 'hello' },
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
  };
  const audits = [
    await store.audits.create({ ...base, name: 'fuzz-pending', auditType: 'ONESHOT', state: 'PENDING' }),
    await store.audits.create({ ...base, name: 'fuzz-done', auditType: 'ONESHOT', state: 'SUCCEEDED' }),
    await store.audits.create({ ...base, name: 'fuzz-event', auditType: 'EVENT', state: 'PENDING' }),
    await store.audits.create({
      ...base,
      name: 'fuzz-continuous',
      auditType: 'CONTINUOUS',
      state: 'ONGOING',
      interval: '3600',
    }),
  ];
  const plans = [];
  for (const state of ['RECOMMENDED', 'ONGOING', 'SUCCEEDED', 'RECOMMENDED'] as const) {
    plans.push(
      await store.actionPlans.create({
        auditId: audits[1]!.id,
        strategyId: dummy.id,
        state,
        globalEfficacy: [],
        efficacyIndicators: [],
        actions: [1, 2].map(() => ({
          uuid: crypto.randomUUID(),
          actionType: 'nop',
          inputParameters: { message: 'fuzz' },
          parents: [],
          state: 'PENDING' as const,
        })),
      }),
    );
  }
  const actions = (await Promise.all(plans.map((plan) => store.actions.listByPlan(plan.id)))).flat();
  const goals = await store.goals.list({ limit: 100 });
  const strategies = await store.strategies.list({ limit: 100 });
  return {
    ids: [
      template.uuid,
      ...audits.map((audit) => audit.uuid),
      ...plans.map((plan) => plan.uuid),
      ...actions.map((action) => action.uuid),
      ...goals.map((goal) => goal.uuid),
      crypto.randomUUID(),
      '1',
    ],
    fields: {
      audit_type: ['ONESHOT', 'ONESHOT', 'EVENT', 'CONTINUOUS'],
      goal: ['dummy', 'unclassified'],
      strategy: ['dummy', 'dummy', null],
      audit_template_uuid: [template.uuid, template.name],
      name: ['fuzz-a', 'fuzz-b', 'fuzz-c', null],
      description: ['made by the fuzz test', null],
      interval: ['3600', '*/5 * * * *', null],
      auto_trigger: [false],
      force: [false, true],
      start_time: [null],
      end_time: [null],
      scope: [[]],
      parameters: [{}, { para1: 2 }],
      default_parameters: [null, { para1: 2 }],
      op: ['replace'],
      value: ['CANCELLED', 'SUSPENDED', 'ONGOING', 'PENDING', 'SKIPPED', 'new description', 7200],
    },
    names: [
      template.name,
      ...audits.map((audit) => audit.name),
      ...goals.map((goal) => goal.name),
      ...strategies.map((strategy) => strategy.name),
      'compute',
      'storage',
      'baremetal',
      'ONESHOT',
      'CONTINUOUS',
      'EVENT',
      'CANCELLED',
      'SUSPENDED',
      'SKIPPED',
      'PENDING',
    ],
  };
}
