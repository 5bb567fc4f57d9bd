/**
 * What every registered action type must do (house-style 4.6), run over the whole registry by
 * test/contracts/actions.test.ts. Cloud-backed clauses need a `CloudPorts`; without one (no simulator yet) an
 * action that needs the cloud must fail its pre-condition with a clear message, never hang or succeed.
 */
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import type { ActionContext, ActionType } from '../../src/applier/action-type.js';
import type { CloudPorts } from '../../src/cloud/ports.js';
import { ACTION_PARAMETERS, isActionTypeName } from '../../src/contract/actions.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/observability/logger.js';

export interface ActionContractFixture {
  /** Parameters valid for the type's schema. */
  parameters: Record<string, unknown>;
  /** True when the action reaches the cloud (then a missing cloud fails its pre-condition). */
  needsCloud: boolean;
  /** True when executing takes time on the clock (then an abort must interrupt it). */
  waits: boolean;
  cloud?: CloudPorts;
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
