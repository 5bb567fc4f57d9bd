/**
 * The composition root: the only place that turns configuration into concrete parts (store, bus, engine,
 * applier, API) and wires them together. Everything else receives its dependencies.
 */
import type { FastifyInstance } from 'fastify';
import type { ApplierClient, DecisionEngineClient } from './api/ports.js';
import { buildApi } from './api/app.js';
import { actionTypes } from './applier/actions/index.js';
import { APPLIER_SERVICE_NAME, createApplier, type Applier } from './applier/applier.js';
import type { Bus } from './bus/bus.js';
import { DESTINATIONS } from './bus/bus.js';
import { AmqpBus } from './bus/amqp-bus.js';
import { InProcessBus } from './bus/in-process-bus.js';
import { ConfigError, runs, type StewardConfig } from './config/config.js';
import { createDecisionEngine, DECISION_ENGINE_SERVICE_NAME, type DecisionEngine } from './decision-engine/decision-engine.js';
import { startHeartbeat, type Heartbeat } from './decision-engine/service-heartbeat.js';
import { syncRegistries } from './decision-engine/sync.js';
import { goals } from './goals/index.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { planners } from './planners/index.js';
import { scoringEngines } from './scoring/index.js';
import { strategies } from './strategies/index.js';
import { createStore, type StoreOptions } from './store/db.js';
import type { Store } from './store/store.js';

export const API_SERVICE_NAME = 'steward-api';

export interface RunningSteward {
  urls: { api?: string; metrics?: string };
  store: Store;
  stop(): Promise<void>;
}

export function storeOptionsFrom(url: string): StoreOptions {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', connectionString: url };
  if (url.startsWith('pglite:')) {
    const location = url.slice('pglite:'.length);
    return location === 'memory' || location === '' ? { dialect: 'pglite' } : { dialect: 'pglite', dataDir: location };
  }
  throw new ConfigError(`database.url must start with pglite: or postgres:// (got ${url})`);
}

async function createBus(url: string, logger: Logger): Promise<Bus> {
  if (url === 'memory://') return new InProcessBus({ logger });
  if (url.startsWith('amqp://') || url.startsWith('amqps://')) return AmqpBus.connect({ url, logger });
  throw new ConfigError(`bus.url must be memory:// or amqp://… (got ${url})`);
}

/** Reaches a decision engine in another process over the bus. */
function remoteDecisionEngine(bus: Bus): DecisionEngineClient {
  return {
    triggerAudit: (auditUuid) => bus.publish(DESTINATIONS.decisionEngine, { audit_uuid: auditUuid }),
    strategyState: (strategyName) =>
      Promise.resolve([
        { type: 'Datasource', state: 'unknown: the decision engine runs in another process', mandatory: true, comment: '' },
        { type: 'Name', state: strategyName, mandatory: '', comment: '' },
      ]),
    dataModel: () => Promise.resolve([]),
  };
}

function remoteApplier(bus: Bus): ApplierClient {
  return { launchActionPlan: (uuid) => bus.publish(DESTINATIONS.applier, { action_plan_uuid: uuid }) };
}

export async function composeSteward(config: StewardConfig, options: { clock?: Clock; logger?: Logger } = {}): Promise<RunningSteward> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  const store = await createStore(storeOptionsFrom(config.database.url));
  const bus = await createBus(config.bus.url, logger).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const heartbeats: Heartbeat[] = [];
  const heartbeat = async (name: string) =>
    heartbeats.push(
      await startHeartbeat({ store, name, host: config.host, clock, logger, intervalMs: config.heartbeatIntervalSeconds * 1000 }),
    );

  let applier: Applier | undefined;
  let engine: DecisionEngine | undefined;
  let app: FastifyInstance | undefined;
  const urls: RunningSteward['urls'] = {};
  try {
    if (runs(config, 'decision-engine')) await syncRegistries(store, { goals, strategies, scoringEngines });
    if (runs(config, 'applier')) {
      applier = createApplier({
        store,
        actionTypes,
        cloud: undefined,
        clock,
        logger,
        metrics,
        bus,
        hostname: config.host,
        concurrency: config.applier.concurrency,
        serviceDownTimeSeconds: config.serviceDownTimeSeconds,
        rollbackOnFailure: config.applier.rollbackOnFailure,
      });
      await heartbeat(APPLIER_SERVICE_NAME);
      await applier.start();
    }
    const applierClient: ApplierClient = applier ?? remoteApplier(bus);
    if (runs(config, 'decision-engine')) {
      engine = createDecisionEngine({
        store,
        goals,
        strategies,
        planners,
        scoringEngines,
        models: undefined,
        availableMetrics: undefined,
        applier: applierClient,
        bus,
        clock,
        logger,
        metrics,
        hostname: config.host,
        workers: config.engine.workers,
        continuousScanIntervalMs: config.engine.continuousScanIntervalSeconds * 1000,
        actionPlanExpiryHours: config.engine.actionPlanExpiryHours,
        expiryCheckIntervalMs: config.engine.expiryCheckIntervalSeconds * 1000,
      });
      await heartbeat(DECISION_ENGINE_SERVICE_NAME);
      await engine.start();
    }
    if (runs(config, 'api')) {
      app = await buildApi({
        store,
        engine: engine ?? remoteDecisionEngine(bus),
        applier: applierClient,
        clock,
        logger,
        metrics,
        config: {
          ...(config.api.publicUrl !== undefined && { publicUrl: config.api.publicUrl }),
          maxLimit: config.api.maxLimit,
          bodyLimitBytes: config.api.bodyLimitBytes,
          auth: { strategy: 'noauth' },
          ...(config.api.policyFile !== undefined && { policyFile: config.api.policyFile }),
          serviceDownTimeSeconds: config.serviceDownTimeSeconds,
          ...(config.api.corsOrigins.length > 0 && { cors: { origins: config.api.corsOrigins } }),
        },
      });
      const address = await app.listen({ host: config.api.host, port: config.api.port });
      await heartbeat(API_SERVICE_NAME);
      urls.api = address;
      urls.metrics = `${address}/metrics`;
    }
  } catch (error) {
    await Promise.allSettled([app?.close(), engine?.stop(), applier?.stop(), ...heartbeats.map((beat) => beat.stop())]);
    await bus.close();
    await store.close();
    throw error;
  }

  return {
    urls,
    store,
    async stop() {
      await app?.close();
      await engine?.stop();
      await applier?.stop();
      for (const beat of heartbeats) await beat.stop();
      await bus.close();
      await store.close();
    },
  };
}
