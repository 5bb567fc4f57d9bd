/**
 * Strategies run in unit tests as the audit runner runs them, with the clock, the seed and the log fixed, so that a
 * test states only its cluster, its readings and its parameters: `executeStrategy(outletTemperature, model,
 * metricsSource('readings', valueOf), { threshold: 30 })`. The contract suite's `runStrategy`
 * (test/contracts/strategy.contract.ts) builds its context here too.
 */
import { expect } from 'vitest';
import {
  resourceKey,
  type MetricName,
  type MetricResource,
  type MetricsSource,
  type StatisticOptions,
} from '../../src/datasources/metrics-source.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createRandom } from '../../src/lib/rng.js';
import type { ClusterModel } from '../../src/model/cluster-model.js';
import type { StorageModel } from '../../src/model/storage-model.js';
import type { PlannedAction, Planner } from '../../src/planners/planner.js';
import { weightPlanner } from '../../src/planners/weight.js';
import { validatePlan } from '../../src/strategies/plan-validator.js';
import { SolutionBuilder, type SolutionAction } from '../../src/strategies/solution-builder.js';
import type { Strategy, StrategyContext, StrategyLog } from '../../src/strategies/strategy.js';

export const quietLog: StrategyLog = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/**
 * An audit's context at 2026-01-01T00:00:00Z with seed 1, no metrics, a quiet log and no scoring engine (asking for
 * one throws); `overrides` replace any of these.
 */
export function strategyContext(
  model: ClusterModel,
  solution: SolutionBuilder,
  overrides: Partial<StrategyContext> = {},
): StrategyContext {
  return {
    model,
    metrics: undefined,
    solution,
    clock: new ManualClock('2026-01-01T00:00:00Z'),
    random: createRandom(1),
    log: quietLog,
    signal: new AbortController().signal,
    scoringEngine: () => {
      throw new Error('no scoring engine');
    },
    ...overrides,
  };
}

/**
 * Runs `strategy` once on `model` with `metrics` and `parameters` as given (no defaults filled in, nothing
 * validated), in `strategyContext`. The strategy's moves stay in `model`, as in an audit's working copy.
 */
export async function executeStrategy(
  strategy: Strategy,
  model: ClusterModel,
  metrics: MetricsSource | undefined,
  parameters: Record<string, unknown> = {},
  overrides: Partial<StrategyContext> = {},
): Promise<SolutionBuilder> {
  const solution = new SolutionBuilder(model);
  await strategy.execute(strategyContext(model, solution, { metrics, ...overrides }), parameters);
  return solution;
}

/**
 * Plans `actions` with `planner` (ids `a-1`, `a-2`…) and expects the plan validator to accept the plan on `initial`
 * (and `storage`), the models as they were before the run; returns the plan.
 */
export function expectValidPlan(
  initial: ClusterModel,
  actions: readonly SolutionAction[],
  { planner = weightPlanner, storage }: { planner?: Planner; storage?: StorageModel | undefined } = {},
): PlannedAction[] {
  let n = 0;
  const planned = planner.plan(actions, () => `a-${(n += 1)}`);
  expect(validatePlan(initial, planned, storage ? { storage } : {})).toEqual([]);
  return planned;
}

/**
 * A datasource named `name` that reads every value from `valueOf` (undefined: no reading), one resource at a time or
 * many at once alike, and supports the metrics `supports` accepts (all by default).
 */
export function metricsSource(
  name: string,
  valueOf: (resource: MetricResource, metric: MetricName, options: StatisticOptions) => number | undefined,
  supports: (metric: MetricName) => boolean = () => true,
): MetricsSource {
  return {
    name,
    supports,
    available: () => Promise.resolve({ ok: true }),
    statistic: (resource, metric, options) => Promise.resolve(valueOf(resource, metric, options)),
    statistics(resources, metric, options) {
      const answer = new Map<string, number>();
      for (const resource of resources) {
        const value = valueOf(resource, metric, options);
        if (value !== undefined) answer.set(resourceKey(resource), value);
      }
      return Promise.resolve(answer);
    },
    range: () => Promise.resolve([]),
  };
}
