/**
 * Runs one audit: claim it (compare-and-set, so several engines can share audits), get the scoped model, run the
 * strategy on a private copy with a seeded random, plan, and store the plan with its indicators and actions in
 * one transaction. Failures end the audit FAILED with the reason in status_message, never silently.
 */
import { randomUUID } from 'node:crypto';
import type { ApplierClient } from '../service-ports.js';
import type { MetricsSource } from '../datasources/metrics-source.js';
import { isMetricName } from '../datasources/metrics-source.js';
import { isStewardError, StewardError } from '../errors.js';
import type { Goal } from '../goals/goal.js';
import type { Clock } from '../lib/clock.js';
import type { Registry } from '../lib/registry.js';
import { createRandom } from '../lib/rng.js';
import { ClusterModel } from '../model/cluster-model.js';
import type { ComputeModelProvider, StorageModelProvider } from '../model/model-provider.js';
import type { StorageModel } from '../model/storage-model.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Planner } from '../planners/planner.js';
import type { ScoringEngine } from '../scoring/scoring-engine.js';
import { SolutionBuilder } from '../strategies/solution-builder.js';
import type { Strategy } from '../strategies/strategy.js';
import type { AuditRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export interface AuditRunnerDeps {
  store: Store;
  goals: Registry<Goal>;
  strategies: Registry<Strategy>;
  planners: Registry<Planner>;
  scoringEngines: Registry<ScoringEngine>;
  models: ComputeModelProvider | undefined;
  /** The storage model (when the cloud has Cinder): strategies read it through `ctx.storage`, only if they need it. */
  storageModels?: StorageModelProvider;
  /** Metric names the configured datasource can serve; undefined = no datasource. */
  availableMetrics: ReadonlySet<string> | undefined;
  /** The datasource handed to strategies; when given, it also decides which metrics are available. */
  metricsSource?: MetricsSource;
  applier: ApplierClient;
  /**
   * Action types the applier can run (the names of its registry). A plan with any other is not stored: the audit
   * fails naming them, rather than the plan failing when an operator starts it. Undefined = not checked here.
   */
  supportedActionTypes?: ReadonlySet<string>;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  hostname: string;
}

export type AuditRunOutcome = 'planned' | 'skipped' | 'failed';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function runAudit(
  deps: AuditRunnerDeps,
  auditUuid: string,
  signal: AbortSignal,
): Promise<AuditRunOutcome> {
  const { store, clock } = deps;
  const log = deps.logger.child({ audit: auditUuid });
  const audit = await store.audits.find(auditUuid);
  if (!audit) return 'skipped';
  const fromStates =
    audit.auditType === 'ONESHOT' ? (['PENDING'] as const) : (['PENDING', 'ONGOING', 'SUCCEEDED'] as const);
  if (!audit.force) {
    const ongoing = await store.actionPlans.list({ limit: 1, filters: { states: ['ONGOING'] } });
    if (ongoing.length > 0) {
      const message = `Action plan ${ongoing[0]!.uuid} is currently running; the audit was not run (use force to run anyway).`;
      if (audit.auditType === 'ONESHOT')
        await store.audits.updateIfState(auditUuid, ['PENDING'], {
          state: 'CANCELLED',
          statusMessage: message,
        });
      log.info({ actionPlan: ongoing[0]!.uuid }, 'audit not run: another action plan is ongoing');
      return 'skipped';
    }
  }
  const claimed = await store.audits.updateIfState(auditUuid, [...fromStates], {
    state: 'ONGOING',
    hostname: deps.hostname,
  });
  if (!claimed) return 'skipped';
  const started = clock.now().getTime();
  try {
    const strategy = selectStrategy(deps, claimed);
    const source = deps.metricsSource;
    const served = (metric: string) =>
      source ? isMetricName(metric) && source.supports(metric) : deps.availableMetrics?.has(metric) === true;
    const missing = strategy.metrics.filter((metric) => !served(metric));
    if (missing.length > 0) {
      throw new StewardError(
        'unavailable',
        'METRIC_UNAVAILABLE',
        `strategy ${strategy.name} needs metrics the datasource cannot serve: ${missing.join(', ')}`,
        { details: { metrics: missing } },
      );
    }
    if (source && strategy.metrics.length > 0) {
      const availability = await source.available();
      if (!availability.ok)
        throw new StewardError(
          'unavailable',
          'METRIC_UNAVAILABLE',
          `datasource ${source.name} is not available: ${availability.reason}`,
        );
    }
    const storageModels = deps.storageModels;
    // force_refresh re-reads Cinder too, beside Nova; a strategy that reads no storage does not fail with it.
    const storageRefreshed =
      storageModels && claimed.forceRefresh
        ? storageModels
            .refresh(signal)
            .catch((error: unknown) => log.warn({ err: error }, 'storage model refresh failed'))
        : undefined;
    const model = deps.models
      ? await deps.models.getComputeModel({
          scope: claimed.scope,
          forceRefresh: claimed.forceRefresh,
          signal,
        })
      : new ClusterModel();
    await storageRefreshed;
    let storage: Promise<StorageModel> | undefined;
    const seed = hashSeed(`${claimed.uuid}:${started}`);
    const solution = new SolutionBuilder(model);
    await runStrategy(
      strategy,
      {
        model,
        ...(storageModels && {
          storage: () =>
            (storage ??= storageModels.getStorageModel({ scope: claimed.scope, signal }).then((loaded) => {
              solution.useStorage(loaded);
              return loaded;
            })),
        }),
        metrics: deps.metricsSource,
        solution,
        clock,
        random: createRandom(seed),
        log,
        signal,
        scoringEngine: (name) => deps.scoringEngines.require(name),
      },
      claimed.parameters,
      signal,
    );
    const supported = deps.supportedActionTypes;
    const unsupported = supported
      ? [...new Set(solution.actions.map((action) => action.actionType))].filter(
          (type) => !supported.has(type),
        )
      : [];
    if (unsupported.length > 0)
      throw new StewardError(
        'internal',
        'UNSUPPORTED_ACTION_TYPE',
        `strategy ${strategy.name} planned action types the applier cannot run: ${unsupported.join(', ')} (it runs ${[...supported!].join(', ')}); no action plan was stored`,
        { details: { actionTypes: unsupported } },
      );
    const planner = deps.planners.require(strategy.planner);
    const planned = planner.plan(solution.actions, randomUUID);
    const indicators = [...solution.indicators].map(([name, value]) => {
      const spec = strategy.goal.indicators.find((indicator) => indicator.name === name);
      return { name, description: spec?.description ?? name, unit: spec?.unit ?? null, value };
    });
    const strategyRecord = await store.strategies.find(strategy.name);
    if (!strategyRecord)
      throw new Error(`strategy ${strategy.name} is not in the database; was the registry synced?`);
    const continuous = claimed.auditType === 'CONTINUOUS';
    const plan = await store
      .transaction(async (tx) => {
        if (continuous) {
          const previous = await tx.actionPlans.list({
            limit: 1000,
            filters: { auditId: claimed.id, states: ['RECOMMENDED'] },
          });
          // Compare-and-set: a plan an operator started in the meantime is left running.
          for (const old of previous) {
            await tx.actionPlans.updateIfState(old.uuid, ['RECOMMENDED'], {
              state: 'CANCELLED',
              statusMessage: 'Superseded by a newer run of its continuous audit.',
            });
          }
        }
        const created = await tx.actionPlans.create({
          auditId: claimed.id,
          strategyId: strategyRecord.id,
          state: planned.length === 0 ? 'SUCCEEDED' : 'RECOMMENDED',
          globalEfficacy: strategy.goal.globalEfficacy(Object.fromEntries(solution.indicators)),
          efficacyIndicators: indicators,
          statusMessage: planned.length === 0 ? 'The strategy found nothing to do.' : null,
          actions: planned.map((action) => ({
            uuid: action.uuid,
            actionType: action.actionType,
            inputParameters: action.inputParameters,
            parents: action.parents,
            state: 'PENDING',
          })),
        });
        const finished = await tx.audits.updateIfState(claimed.uuid, ['ONGOING'], {
          ...(continuous ? {} : { state: 'SUCCEEDED' }),
          statusMessage: null,
        });
        // An operator cancelled or suspended the audit while it ran: its plan is not stored.
        if (!finished) throw new AuditLeftOngoing();
        return created;
      })
      .catch((error: unknown) => {
        if (error instanceof AuditLeftOngoing) return undefined;
        throw error;
      });
    if (!plan) {
      log.info('the audit left ONGOING while its strategy ran; its plan was dropped');
      return 'skipped';
    }
    deps.metrics?.auditsTotal.inc({
      audit_type: claimed.auditType,
      state: continuous ? 'ONGOING' : 'SUCCEEDED',
    });
    deps.metrics?.auditDuration.observe(
      { strategy: strategy.name },
      (clock.now().getTime() - started) / 1000,
    );
    log.info({ actionPlan: plan.uuid, actions: planned.length, seed }, 'audit planned');
    if (claimed.autoTrigger && plan.state === 'RECOMMENDED') {
      const pending = await store.actionPlans.updateIfState(plan.uuid, ['RECOMMENDED'], { state: 'PENDING' });
      if (pending) await deps.applier.launchActionPlan(plan.uuid);
    }
    return 'planned';
  } catch (error) {
    const reason = isStewardError(error) ? error.message : messageOf(error);
    log.warn({ err: error }, 'audit failed');
    await store.audits.updateIfState(auditUuid, ['ONGOING'], {
      state: 'FAILED',
      statusMessage: `The audit failed: ${reason}`,
    });
    deps.metrics?.auditsTotal.inc({ audit_type: claimed.auditType, state: 'FAILED' });
    return 'failed';
  }
}

/** A strategy's own failure becomes STRATEGY_FAILED naming the strategy; Steward's coded errors keep their code. */
async function runStrategy(
  strategy: Strategy,
  context: Parameters<Strategy['execute']>[0],
  parameters: Parameters<Strategy['execute']>[1],
  signal: AbortSignal,
): Promise<void> {
  try {
    await strategy.execute(context, parameters);
  } catch (error) {
    if (isStewardError(error) || signal.aborted) throw error;
    throw new StewardError(
      'internal',
      'STRATEGY_FAILED',
      `strategy ${strategy.name} failed: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** Rolls back the plan's transaction when the audit is no longer ONGOING at its end. */
class AuditLeftOngoing extends Error {}

function selectStrategy(deps: AuditRunnerDeps, audit: AuditRecord): Strategy {
  if (audit.strategyName) {
    const strategy = deps.strategies.get(audit.strategyName);
    if (!strategy) throw new Error(`strategy ${audit.strategyName} is not available in this decision engine`);
    return strategy;
  }
  const candidate = deps.strategies.all.find((strategy) => strategy.goal.name === audit.goalName);
  if (!candidate) throw new Error(`no strategy is available for goal ${audit.goalName}`);
  return candidate;
}

function hashSeed(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}
