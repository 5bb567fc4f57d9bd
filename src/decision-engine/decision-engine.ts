/**
 * The decision engine service: runs audits in a bounded pool (triggered in-process, over the bus, or by the
 * continuous scheduler), expires stale plans, and answers strategy-state and data-model questions for the API.
 */
import type {
  DataModelRefresh,
  DataModelRow,
  DecisionEngineClient,
  StrategyStateRow,
} from '../service-ports.js';
import type { Bus, Subscription } from '../bus/bus.js';
import { DESTINATIONS } from '../bus/bus.js';
import { isMetricName } from '../datasources/metrics-source.js';
import { datasources } from '../datasources/index.js';
import type { Clock } from '../lib/clock.js';
import { runAudit, type AuditRunnerDeps } from './audit-runner.js';
import { createContinuousScheduler, type ContinuousScheduler } from './continuous-scheduler.js';
import { supersedeExpiredPlans } from './plan-expiry.js';

export const DECISION_ENGINE_SERVICE_NAME = 'steward-decision-engine';

export interface DecisionEngineDeps extends AuditRunnerDeps {
  bus?: Bus;
  clock: Clock;
  /** Audits run at once. */
  workers: number;
  continuousScanIntervalMs: number;
  actionPlanExpiryHours: number;
  expiryCheckIntervalMs: number;
  /** Builds data_model rows from the current model (the collectors provide it). */
  dataModelRows?(request: { scope?: readonly unknown[]; extended: boolean }): Promise<DataModelRow[]>;
  /** Re-reads the cloud into the model now; absent when Steward runs without a cloud. */
  refreshDataModel?(): Promise<DataModelRefresh>;
}

export interface DecisionEngine extends DecisionEngineClient {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when no audit is queued or running. */
  idle(): Promise<void>;
  readonly scheduler: ContinuousScheduler;
}

export function createDecisionEngine(deps: DecisionEngineDeps): DecisionEngine {
  const log = deps.logger.child({ part: 'decision-engine' });
  const stopping = new AbortController();
  const queue: string[] = [];
  const active = new Map<string, Promise<void>>();
  let subscription: Subscription | undefined;
  let expiryLoop: Promise<void> | undefined;

  const pump = () => {
    while (active.size < deps.workers && queue.length > 0) {
      const uuid = queue.shift()!;
      if (active.has(uuid)) continue;
      const task = runAudit(deps, uuid, stopping.signal)
        .then(() => undefined)
        .catch((error: unknown) => log.error({ err: error, audit: uuid }, 'audit run crashed'))
        .finally(() => {
          active.delete(uuid);
          pump();
        });
      active.set(uuid, task);
    }
  };

  const enqueue = (uuid: string): Promise<void> => {
    if (!queue.includes(uuid) && !active.has(uuid)) queue.push(uuid);
    pump();
    return Promise.resolve();
  };

  const scheduler = createContinuousScheduler({
    store: deps.store,
    clock: deps.clock,
    logger: deps.logger,
    scanIntervalMs: deps.continuousScanIntervalMs,
    runAudit: async (uuid) => {
      await enqueue(uuid);
      await active.get(uuid);
    },
  });

  return {
    scheduler,
    async start() {
      if (deps.bus) {
        subscription = await deps.bus.subscribe(
          DESTINATIONS.decisionEngine,
          async (message) => {
            const { audit_uuid: uuid, refresh_data_model: refresh } = message as {
              audit_uuid?: unknown;
              refresh_data_model?: unknown;
            };
            if (typeof uuid === 'string') await enqueue(uuid);
            if (refresh === true && deps.refreshDataModel)
              await deps
                .refreshDataModel()
                .catch((error: unknown) => log.warn({ err: error }, 'requested data model refresh failed'));
          },
          { queue: 'steward.decision-engine' },
        );
      }
      const leftovers = await deps.store.audits.list({
        limit: 1000,
        filters: { states: ['PENDING'], auditTypes: ['ONESHOT'] },
      });
      for (const audit of leftovers) await enqueue(audit.uuid);
      scheduler.start();
      expiryLoop = (async () => {
        while (!stopping.signal.aborted) {
          try {
            await supersedeExpiredPlans(deps.store, deps.clock, deps.actionPlanExpiryHours);
          } catch (error) {
            log.error({ err: error }, 'plan expiry check failed');
          }
          await deps.clock.sleep(deps.expiryCheckIntervalMs, stopping.signal).catch(() => undefined);
        }
      })();
    },
    async stop() {
      stopping.abort(new Error('decision engine stopping'));
      await subscription?.close();
      await scheduler.stop();
      await expiryLoop;
      await Promise.allSettled(active.values());
    },
    async idle() {
      while (queue.length > 0 || active.size > 0) await Promise.allSettled([...active.values()]);
    },
    triggerAudit: enqueue,
    async strategyState(strategyName: string): Promise<StrategyStateRow[]> {
      const strategy = deps.strategies.get(strategyName);
      const metrics = strategy?.metrics ?? [];
      const lastSync = deps.models?.lastSyncedAt;
      const lastStorageSync = deps.storageModels?.lastSyncedAt;
      const source = deps.metricsSource;
      const served = (metric: string) =>
        source
          ? isMetricName(metric) && source.supports(metric)
          : deps.availableMetrics?.has(metric) === true;
      let datasourceState = 'Datasource is not presented for this strategy';
      if (metrics.length > 0 && source) {
        const availability = await source.available();
        datasourceState = availability.ok
          ? `${source.name}: available`
          : `${source.name}: not available (${availability.reason})`;
      } else if (metrics.length > 0) {
        datasourceState = deps.availableMetrics ? 'datasource: available' : 'no datasource configured';
      }
      return [
        {
          type: 'Datasource',
          state: datasourceState,
          mandatory: true,
          comment: datasourceSupportLevels(),
        },
        {
          type: 'Metrics',
          state: metrics.map((metric) => ({ [metric]: served(metric) ? 'available' : 'not available' })),
          mandatory: false,
          comment: '',
        },
        {
          type: 'CDM',
          state: [
            { compute_model: deps.models && lastSync ? 'available' : 'not available' },
            { storage_model: lastStorageSync ? 'available' : 'not available' },
            { baremetal_model: 'not available' },
          ],
          mandatory: true,
          comment: [
            lastSync && `compute model synchronised at ${lastSync.toISOString()}`,
            lastStorageSync && `storage model synchronised at ${lastStorageSync.toISOString()}`,
          ]
            .filter(Boolean)
            .join('; '),
        },
        {
          type: 'Name',
          state: strategyName,
          mandatory: '',
          // Upstream's API has no support level (2025.2 asks that it be shown): it goes where clients show a comment.
          comment: strategy ? `support level: ${strategy.supportLevel}` : '',
        },
      ];
    },
    dataModel(request) {
      return deps.dataModelRows ? deps.dataModelRows(request) : Promise.resolve([]);
    },
    refreshDataModel() {
      return deps.refreshDataModel
        ? deps.refreshDataModel()
        : Promise.resolve({ syncedAt: null, computeNodes: 0, instances: 0 });
    },
  };
}

/**
 * Every datasource Steward knows with its support level (2025.2 PTG: Monasca and Grafana deprecated upstream,
 * unsupported here), e.g. `support levels: prometheus core; gnocchi, grafana, monasca unsupported`.
 */
function datasourceSupportLevels(): string {
  const byLevel = new Map<string, string[]>();
  for (const { name, support } of datasources.all)
    byLevel.set(support, [...(byLevel.get(support) ?? []), name]);
  return `support levels: ${[...byLevel].map(([level, names]) => `${names.join(', ')} ${level}`).join('; ')}`;
}
