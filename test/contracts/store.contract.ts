/**
 * The store contract, run by test/contracts/store.test.ts over every backend (PGlite and PostgreSQL): what the API
 * and the engine rely on, including pagination that never repeats or skips rows and writes that are all-or-nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord, AuditSummary } from '../../src/store/records.js';
import type { NewAudit, Store } from '../../src/store/store.js';

const summaryOf = (audit: AuditRecord): AuditSummary => ({
  id: audit.id,
  uuid: audit.uuid,
  name: audit.name,
  auditType: audit.auditType,
  state: audit.state,
  goalUuid: audit.goalUuid,
  goalName: audit.goalName,
  strategyUuid: audit.strategyUuid,
  strategyName: audit.strategyName,
  interval: audit.interval,
  scope: audit.scope,
  autoTrigger: audit.autoTrigger,
  nextRunTime: audit.nextRunTime,
  force: audit.force,
});

export function describeStoreContract(
  name: string,
  open: () => Promise<{ store: Store; close(): Promise<void> }>,
): void {
  describe(`the ${name} store`, () => {
    let store: Store;
    let opened: { store: Store; close(): Promise<void> };
    let goalId: number;
    let strategyId: number;

    const audit = (overrides: Partial<NewAudit> = {}): NewAudit => ({
      name: `audit-${Math.random().toString(36).slice(2)}`,
      auditType: 'ONESHOT',
      state: 'PENDING',
      parameters: { para1: 3.2 },
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
      ...overrides,
    });

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
      const [goal] = await store.goals.sync([
        { name: 'dummy', displayName: 'Dummy goal', efficacySpecification: [] },
        {
          name: 'other',
          displayName: 'Other goal',
          efficacySpecification: [{ name: 'x', description: 'd', unit: null, schema: { type: 'integer' } }],
        },
      ]);
      const [strategy] = await store.strategies.sync([
        {
          name: 'dummy',
          displayName: 'Dummy strategy',
          goalName: 'dummy',
          parametersSpec: { properties: {} },
          supportLevel: 'core',
        },
        {
          name: 'zeta',
          displayName: 'Zeta',
          goalName: 'other',
          parametersSpec: { properties: {} },
          supportLevel: 'core',
        },
      ]);
      goalId = goal!.id;
      strategyId = strategy!.id;
    });
    afterAll(async () => {
      await opened.close();
    });

    it('changes a strategy’s support level in place, keeping its uuid', async () => {
      const before = (await store.strategies.find('zeta'))!;
      expect(before.supportLevel).toBe('core');
      const zeta = {
        name: 'zeta',
        displayName: 'Zeta',
        goalName: 'other',
        parametersSpec: { properties: {} },
      };
      const dummy = {
        name: 'dummy',
        displayName: 'Dummy strategy',
        goalName: 'dummy',
        parametersSpec: { properties: {} },
        supportLevel: 'core',
      };
      await store.strategies.sync([dummy, { ...zeta, supportLevel: 'deprecated' }]);
      const after = (await store.strategies.find('zeta'))!;
      expect([after.uuid, after.supportLevel]).toEqual([before.uuid, 'deprecated']);
      await store.strategies.sync([dummy, { ...zeta, supportLevel: 'core' }]);
      expect((await store.strategies.find('zeta'))!.supportLevel).toBe('core');
    });

    it('keeps uuids stable across an unchanged sync and replaces a changed definition', async () => {
      const before = (await store.goals.find('dummy'))!;
      await store.goals.sync([
        { name: 'dummy', displayName: 'Dummy goal', efficacySpecification: [] },
        {
          name: 'other',
          displayName: 'Other goal',
          efficacySpecification: [{ name: 'x', description: 'd', unit: null, schema: { type: 'integer' } }],
        },
      ]);
      expect((await store.goals.find('dummy'))!.uuid).toBe(before.uuid);
      expect((await store.goals.find(before.uuid))!.name).toBe('dummy');
      await store.scoringEngines.sync([{ name: 's', description: 'one', metainfo: '' }]);
      const first = (await store.scoringEngines.find('s'))!;
      await store.scoringEngines.sync([{ name: 's', description: 'two', metainfo: '' }]);
      const second = (await store.scoringEngines.find('s'))!;
      expect(second.uuid).not.toBe(first.uuid);
      expect(second.description).toBe('two');
      expect(await store.scoringEngines.find(first.uuid)).toBeUndefined();
    });

    it('finds audits by uuid and by name, with their goal and strategy joined', async () => {
      const created = await store.audits.create(audit({ name: 'by-name' }));
      for (const key of [created.uuid, 'by-name']) {
        expect(await store.audits.find(key)).toMatchObject({
          uuid: created.uuid,
          goalName: 'dummy',
          strategyName: 'dummy',
          parameters: { para1: 3.2 },
        });
      }
      expect(created.createdAt).toBeInstanceOf(Date);
    });

    it('refuses a second live audit template or audit with the same name, and frees the name on delete', async () => {
      const template = {
        name: 'tmpl',
        description: null,
        goalId,
        strategyId: null,
        scope: [],
        defaultParameters: null,
      };
      const first = await store.auditTemplates.create(template);
      await expect(store.auditTemplates.create(template)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      await store.auditTemplates.softDelete(first.uuid);
      expect(await store.auditTemplates.find('tmpl')).toBeUndefined();
      const again = await store.auditTemplates.create(template);
      expect(again.uuid).not.toBe(first.uuid);
      await store.audits.create(audit({ name: 'unique-audit' }));
      await expect(store.audits.create(audit({ name: 'unique-audit' }))).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      });
    });

    it('pages through audits in any sort order without repeating or skipping a row, summaries page as whole audits do', async () => {
      for (let n = 0; n < 23; n++)
        await store.audits.create(
          audit({ name: `page-${String(n % 7)}-${n}`, state: n % 2 ? 'PENDING' : 'SUCCEEDED' }),
        );
      const all = await store.audits.list({ limit: 1000 });
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            'id',
            'name',
            'state',
            'created_at',
            'goal_name',
            'strategy_name',
            'interval',
            'hostname',
          ),
          fc.constantFrom('asc' as const, 'desc' as const),
          fc.integer({ min: 4, max: 12 }),
          async (sortKey, sortDir, limit) => {
            const seen: string[] = [];
            let marker: string | undefined;
            for (;;) {
              const query = { limit, sortKey, sortDir, ...(marker && { marker }) };
              const page = await store.audits.list(query);
              expect(await store.audits.listSummaries(query)).toEqual(page.map(summaryOf));
              seen.push(...page.map((row) => row.uuid));
              if (page.length < limit) break;
              marker = page.at(-1)!.uuid;
            }
            expect(seen.length).toBe(all.length);
            expect(new Set(seen).size).toBe(all.length);
          },
        ),
        { numRuns: 10 },
      );
    }, 180_000);

    it('rejects an unknown sort key and a marker that is not there', async () => {
      await expect(store.audits.list({ limit: 5, sortKey: 'nope' })).rejects.toMatchObject({
        code: 'INVALID_SORT',
        message: 'Invalid sort key: nope',
      });
      await expect(
        store.audits.list({ limit: 5, marker: '0b2c6c0e-3f1e-4a52-9a0b-6d2f8d7e9a11' }),
      ).rejects.toMatchObject({ kind: 'invalid' });
    });

    it('writes nothing of a transaction that fails', async () => {
      const before = await store.audits.list({ limit: 1000 });
      await expect(
        store.transaction(async (tx) => {
          await tx.audits.create(audit({ name: 'rolled-back' }));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.audits.find('rolled-back')).toBeUndefined();
      expect((await store.audits.list({ limit: 1000 })).length).toBe(before.length);
    });

    it('stores a plan, its indicators and its actions together, and deletes them together', async () => {
      const owner = await store.audits.create(audit());
      const uuids = [crypto.randomUUID(), crypto.randomUUID()];
      const plan = await store.actionPlans.create({
        auditId: owner.id,
        strategyId,
        state: 'RECOMMENDED',
        globalEfficacy: [{ name: 'ratio', description: 'd', unit: '%', value: 12.5 }],
        efficacyIndicators: [{ name: 'count', description: 'c', unit: null, value: 3 }],
        actions: uuids.map((uuid, n) => ({
          uuid,
          actionType: 'nop',
          inputParameters: { message: `m${n}` },
          parents: n ? [uuids[0]!] : [],
          state: 'PENDING',
        })),
      });
      expect(plan).toMatchObject({
        auditUuid: owner.uuid,
        strategyName: 'dummy',
        efficacyIndicators: [{ name: 'count', value: 3 }],
        globalEfficacy: [{ value: 12.5 }],
      });
      const actions = await store.actions.listByPlan(plan.id);
      expect(actions.map((a) => a.parents)).toEqual([[], [uuids[0]]]);
      expect(actions[0]!.actionPlanUuid).toBe(plan.uuid);
      await store.actionPlans.softDelete(plan.uuid);
      expect(await store.actionPlans.find(plan.uuid)).toBeUndefined();
      expect(await store.actions.listByPlan(plan.id)).toEqual([]);
    });

    it('changes a state only from the expected states (compare-and-set)', async () => {
      const target = await store.audits.create(audit());
      const [a, b] = await Promise.all([
        store.audits.updateIfState(target.uuid, ['PENDING'], { state: 'ONGOING', hostname: 'a' }),
        store.audits.updateIfState(target.uuid, ['PENDING'], { state: 'ONGOING', hostname: 'b' }),
      ]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      expect((await store.audits.find(target.uuid))!.state).toBe('ONGOING');
    });

    it("changes an action's state only from the expected states and while the guard's applier owns the plan, answering the row as a read shows it and the plan's state of that instant", async () => {
      const owner = await store.audits.create(audit());
      const uuid = crypto.randomUUID();
      await store.actions.syncDescriptions(new Map([['nop', 'Logs a message']]));
      const plan = await store.actionPlans.create({
        auditId: owner.id,
        strategyId,
        state: 'ONGOING',
        globalEfficacy: [],
        efficacyIndicators: [],
        actions: [
          { uuid, actionType: 'nop', inputParameters: { message: 'm' }, parents: [], state: 'PENDING' },
        ],
      });
      await store.actionPlans.update(plan.uuid, { hostname: 'applier-a' });
      const guard = { planHostname: 'applier-a' };

      const [first, second] = await Promise.all([
        store.actions.updateIfState(uuid, ['PENDING'], { state: 'ONGOING' }, guard),
        store.actions.updateIfState(uuid, ['PENDING'], { state: 'ONGOING' }, guard),
      ]);
      const started = first ?? second;
      expect([first, second].filter(Boolean)).toHaveLength(1);
      expect(started).toEqual({ ...(await store.actions.find(uuid)), actionPlanState: 'ONGOING' });
      expect(started).toMatchObject({
        state: 'ONGOING',
        actionPlanUuid: plan.uuid,
        description: 'Logs a message',
      });

      expect(
        await store.actions.updateIfState(
          uuid,
          ['ONGOING'],
          { state: 'SUCCEEDED' },
          { planHostname: 'applier-b' },
        ),
      ).toBeUndefined();
      await store.actionPlans.updateIfState(plan.uuid, ['ONGOING'], { state: 'CANCELLING' });
      const ended = await store.actions.updateIfState(
        uuid,
        ['ONGOING'],
        { state: 'SUCCEEDED', statusMessage: 'done' },
        guard,
      );
      expect(ended).toMatchObject({
        state: 'SUCCEEDED',
        statusMessage: 'done',
        actionPlanState: 'CANCELLING',
      });
      const noted = await store.actions.update(uuid, { statusMessage: 'reverted' });
      expect(noted).toEqual({ ...(await store.actions.find(uuid)), actionPlanState: 'CANCELLING' });
      expect(noted.statusMessage).toBe('reverted');
    });

    it('records heartbeats per service name and host', async () => {
      const at = new Date('2026-01-01T00:00:00Z');
      await store.services.heartbeat('steward-applier', 'h1', at);
      const later = await store.services.heartbeat('steward-applier', 'h1', new Date('2026-01-01T00:01:00Z'));
      await store.services.heartbeat('steward-applier', 'h2', at);
      expect(later.lastSeenUp?.toISOString()).toBe('2026-01-01T00:01:00.000Z');
      const rows = await store.services.list({ limit: 10 });
      expect(
        rows
          .filter((row) => row.name === 'steward-applier')
          .map((row) => row.host)
          .sort(),
      ).toEqual(['h1', 'h2']);
      expect((await store.services.find(String(later.id)))!.host).toBe('h1');
    });
  });
}
