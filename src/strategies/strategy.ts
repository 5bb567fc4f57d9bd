/**
 * The strategy contract. A strategy is a frozen definition: its Watcher name, its goal (an object), a parameter
 * schema (validation, defaults, the API's parameters_spec and the docs table all come from it), the metrics it
 * needs, and `execute`, which reads the model and metrics and writes the solution. Strategies get no cloud
 * clients: they decide, the applier acts.
 */
import type { Static, TObject } from 'typebox';
import type { MetricName, MetricsSource } from '../datasources/metrics-source.js';
import type { SupportLevel } from '../contract/states.js';
import type { Goal, IndicatorName } from '../goals/goal.js';
import type { Clock } from '../lib/clock.js';
import type { Random } from '../lib/rng.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { StorageModel } from '../model/storage-model.js';
import type { SolutionBuilder } from './solution-builder.js';

/** What a strategy may log: structured, and nothing else of the logger. */
export interface StrategyLog {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface ScoringEngineHandle {
  readonly metainfo: string;
  calculateScore(featuresJson: string): string;
}

/** `I`: the indicators of the strategy's goal, the only ones its solution takes. */
export interface StrategyContext<I extends IndicatorName = IndicatorName> {
  /** A private working copy of the scoped model: mutate freely. */
  readonly model: ClusterModel;
  /**
   * The audit's storage model (Cinder backends `host@backend`, pools `host@backend#pool` with capacities in GB, the
   * volumes in them), filtered by the scope's `storage` rules: read from the live model on the first call, then the
   * same private copy (mutate freely). Absent when the cloud has no Cinder. Rejects with UPSTREAM_UNAVAILABLE when
   * no storage sync has succeeded yet (upstream's ClusterStateNotDefined). A strategy that never calls it pays
   * nothing for it.
   */
  readonly storage?: () => Promise<StorageModel>;
  /** The configured datasource; undefined when none is configured (only strategies needing no metrics run then). */
  readonly metrics: MetricsSource | undefined;
  readonly solution: SolutionBuilder<I>;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: StrategyLog;
  readonly signal: AbortSignal;
  scoringEngine(name: string): ScoringEngineHandle;
}

export type PlannerName = 'weight' | 'workload_stabilization' | 'node_resource_consolidation' | 'dependency';

export interface StrategyDocs {
  description: string;
  requirements: string;
  limitations: string;
}

export interface Strategy<P extends TObject = TObject, I extends IndicatorName = IndicatorName> {
  readonly name: string;
  readonly goal: Goal<I>;
  readonly displayName: string;
  readonly parameters: P;
  /** Abstract metric names the datasource must serve; checked before the run. */
  readonly metrics: readonly MetricName[];
  readonly supportLevel: SupportLevel;
  readonly planner: PlannerName;
  readonly docs: StrategyDocs;
  execute(ctx: StrategyContext<I>, params: Static<P>): Promise<void>;
}

export function defineStrategy<P extends TObject, I extends IndicatorName>(
  strategy: Strategy<P, I>,
): Strategy<P, I> {
  return Object.freeze(strategy);
}

/**
 * The JSON schema the API shows as `parameters_spec`: upstream's `{"properties": …}` shape, with `required` when
 * the strategy has required parameters (as upstream's actuator and host_maintenance have), so the API refuses an
 * audit without them at create time instead of the strategy failing at run time.
 */
export function parametersSpec(strategy: Strategy): Record<string, unknown> {
  const required = strategy.parameters.required ?? [];
  return JSON.parse(
    JSON.stringify({ properties: strategy.parameters.properties, ...(required.length > 0 && { required }) }),
  ) as Record<string, unknown>;
}
