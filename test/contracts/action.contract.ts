/**
 * What every registered action type must do (house-style 4.6), run over the whole registry by
 * test/contracts/actions.test.ts. Without a cloud an action that needs one must fail its pre-condition with a
 * clear message, never hang or succeed. Against the simulated cloud (over HTTP, with Steward's clients, on a manual
 * clock) an action whose goal already holds is skipped, one carried out reaches its goal and a second execute
 * changes nothing, and an abortable one stops when aborted mid-operation.
 */
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionContext, ActionType } from '../../src/applier/action-type.js';
import type { CloudPorts } from '../../src/cloud/ports.js';
import { ACTION_PARAMETERS, isActionTypeName } from '../../src/contract/actions.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import { createSimulatedCloud, type SimulatedCloud } from '../../src/simulator/index.js';

/** Parameters for the simulated cloud of the contract (4 hosts, 3 instances, volumes), which a fixture may arrange. */
export interface SimulatedCase {
  /** Parameters the action can carry out in the cloud as it is now. */
  todo: Record<string, unknown>;
  /** Parameters whose goal already holds (the pre-condition must skip them). */
  done: Record<string, unknown>;
  /** For abortable types: what the cloud must show after an abort mid-operation of `todo`. */
  afterAbort?: (cloud: SimulatedCloud) => void;
}

export interface ActionContractFixture {
  /** Parameters valid for the type's schema. */
  parameters: Record<string, unknown>;
  /** True when the action reaches the cloud (then a missing cloud fails its pre-condition). */
  needsCloud: boolean;
  /** True when executing takes time on the clock (then an abort must interrupt it). */
  waits: boolean;
  cloud?: CloudPorts;
  /** Cases against the simulated cloud; every type that needs a cloud has them. */
  simulated?: (cloud: SimulatedCloud) => SimulatedCase;
}

/** What the actions can change, to compare the cloud before and after a second execute. */
function snapshot(cloud: SimulatedCloud): unknown {
  const { state } = cloud;
  return {
    migrations: state.migrations.map((m) => [m.id, m.status]),
    instances: [...state.instances.values()].map((i) => [i.id, i.host, i.vmState, i.taskState, i.flavor.id]),
    hosts: state.hosts.map((h) => [
      h.hostname,
      h.status,
      h.disabledReason,
      h.powerState,
      h.powerTarget,
      [...h.traits].sort(),
    ]),
    volumes: state.volumes.map((v) => [v.id, v.pool, v.type, v.status, v.move?.toPool ?? null]),
  };
}

/** Runs `operation` to its end, letting simulated time pass whenever it waits on the clock. */
async function drive<T>(clock: ManualClock, cloud: SimulatedCloud, operation: Promise<T>): Promise<T> {
  let finished = false;
  const tracked = operation.finally(() => {
    finished = true;
  });
  tracked.catch(() => undefined);
  while (!finished) {
    if (clock.pendingSleepers > 0) {
      await clock.advance(1000);
      await cloud.settle();
    } else await new Promise((resolve) => setImmediate(resolve));
  }
  return tracked;
}

export function contextFor(
  clock: ManualClock,
  options: { cloud?: CloudPorts; signal?: AbortSignal } = {},
): ActionContext {
  return {
    cloud: options.cloud,
    clock,
    log: silentLogger,
    signal: options.signal ?? new AbortController().signal,
    progress: () => undefined,
    timeoutMs: () => 600_000,
  };
}

export function actionContract(type: ActionType, fixture: ActionContractFixture): void {
  describe(`action type ${type.name}`, () => {
    it('is an upstream action type whose parameter schema is the contract one and closed to unknown fields', () => {
      expect(isActionTypeName(type.name)).toBe(true);
      if (!isActionTypeName(type.name)) return;
      expect(type.parameters).toBe(ACTION_PARAMETERS[type.name]);
      expect(Value.Check(type.parameters, fixture.parameters)).toBe(true);
      expect(Value.Check(type.parameters, { ...fixture.parameters, not_a_field: true })).toBe(false);
    });

    it('describes itself in one non-empty sentence', () => {
      expect(type.describe(fixture.parameters).trim()).not.toBe('');
    });

    it('declares whether it can be aborted', () => {
      expect(typeof type.abortable).toBe('boolean');
    });

    if (fixture.needsCloud) {
      it('fails its pre-condition with a clear message when no cloud is configured', async () => {
        await expect(type.check(contextFor(new ManualClock()), fixture.parameters)).rejects.toThrow(
          'no cloud is configured',
        );
      });
    } else {
      it('passes its pre-condition and executes without a cloud', async () => {
        const clock = new ManualClock();
        const ctx = contextFor(clock);
        expect(await type.check(ctx, fixture.parameters)).toEqual({ ok: true });
        const run = type.execute(ctx, fixture.parameters);
        while (clock.pendingSleepers > 0) await clock.advance(1000);
        await expect(run).resolves.toBeUndefined();
      });
    }

    if (fixture.needsCloud) {
      it('has cases against the simulated cloud', () => {
        expect(fixture.simulated).toBeTypeOf('function');
      });
    }

    const arrange = fixture.simulated;
    if (arrange) {
      describe('against the simulated cloud', () => {
        let clock: ManualClock;
        let cloud: SimulatedCloud;
        let clients: CloudClients;
        let ctx: ActionContext;
        let cases: SimulatedCase;

        beforeAll(async () => {
          clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
          cloud = createSimulatedCloud({ clock, cluster: { hosts: 4, instances: 3, seed: 7 } });
          await cloud.listen({ host: '127.0.0.1', port: 0 });
          const c = cloud.credentials;
          clients = createCloudClients({
            auth: {
              authUrl: c.authUrl,
              username: c.username,
              password: c.password,
              projectName: c.projectName,
              userDomainName: c.userDomainName,
              projectDomainName: c.projectDomainName,
            },
            clock,
          });
          ctx = contextFor(clock, { cloud: clients });
          cases = arrange(cloud);
        });
        afterAll(async () => {
          await clients?.close();
          await cloud?.close();
        });

        it('skips, naming why, when its goal already holds', async () => {
          expect(Value.Check(type.parameters, cases.done)).toBe(true);
          const outcome = await type.check(ctx, cases.done);
          expect(outcome.ok).toBe(false);
          if (!outcome.ok) expect(outcome.reason.trim()).not.toBe('');
        });

        it('reaches its goal, passes its post-condition, and a second execute changes nothing', async () => {
          expect(Value.Check(type.parameters, cases.todo)).toBe(true);
          expect(await type.check(ctx, cases.todo)).toEqual({ ok: true });
          await drive(clock, cloud, type.execute(ctx, cases.todo));
          await type.verify?.(ctx, cases.todo);
          const after = snapshot(cloud);
          await drive(clock, cloud, type.execute(ctx, cases.todo));
          expect(snapshot(cloud)).toEqual(after);
          expect((await type.check(ctx, cases.todo)).ok).toBe(false);
        });

        if (type.abortable) {
          it('stops when aborted mid-operation, leaving no waiter and the cloud as it says', async () => {
            const fresh = arrange(cloud);
            const controller = new AbortController();
            const run = type.execute({ ...ctx, signal: controller.signal }, fresh.todo);
            run.catch(() => undefined);
            while (clock.pendingSleepers === 0) await new Promise((resolve) => setImmediate(resolve));
            controller.abort(new Error('action plan cancelled'));
            await expect(run).rejects.toThrow();
            expect(clock.pendingSleepers).toBe(0);
            fresh.afterAbort?.(cloud);
          });
        }
      });
    }

    if (fixture.waits && !fixture.needsCloud) {
      it('stops waiting when its signal is aborted', async () => {
        expect(type.abortable).toBe(true);
        const clock = new ManualClock();
        const controller = new AbortController();
        const run = type.execute(contextFor(clock, { signal: controller.signal }), fixture.parameters);
        controller.abort(new Error('action plan cancelled'));
        await expect(run).rejects.toThrow();
        expect(clock.pendingSleepers).toBe(0);
      });
    }
  });
}
