/**
 * Steward's core assembled in-process for API tests: a real store, the real registries, decision engine and
 * applier (no cloud), and the API answering through `inject()`. Time can be a ManualClock.
 */
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { buildApi, type ApiConfig } from '../../src/api/app.js';
import { actionTypes } from '../../src/applier/actions/index.js';
import { createApplier, type Applier } from '../../src/applier/applier.js';
import { loadConfig } from '../../src/config/config.js';
import { createDecisionEngine, type DecisionEngine } from '../../src/decision-engine/decision-engine.js';
import { syncRegistries } from '../../src/decision-engine/sync.js';
import { goals } from '../../src/goals/index.js';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { planners } from '../../src/planners/index.js';
import { scoringEngines } from '../../src/scoring/index.js';
import { strategies } from '../../src/strategies/index.js';
import type { Store } from '../../src/store/store.js';
import { createTestStore, type StoreDialect } from './store.js';

export interface TestSteward {
  app: FastifyInstance;
  store: Store;
  /** The PostgreSQL database's URL (postgres dialect only). */
  connectionString?: string;
  readonly engine: DecisionEngine;
  applier: Applier;
  metrics: Metrics;
  /** Waits until the engine and applier have nothing left to do. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function createTestSteward(
  options: {
    dialect?: StoreDialect;
    clock?: Clock;
    config?: Partial<ApiConfig>;
    startServices?: boolean;
    /** Where the API and the engine send plans to run (default: the in-process applier). */
    launcher?: Parameters<typeof buildApi>[0]['applier'];
    /** Where the API sends audits to run (default: the in-process decision engine). */
    engineClient?: Parameters<typeof buildApi>[0]['engine'];
  } = {},
): Promise<TestSteward> {
  const testStore = await createTestStore(options.dialect ?? 'pglite');
  const { store } = testStore;
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics({ defaultMetrics: false });
  await syncRegistries(store, { goals, strategies, scoringEngines });
  const host = hostname();
  const applier = createApplier({
    store,
    actionTypes,
    cloud: undefined,
    clock,
    logger: silentLogger,
    metrics,
    hostname: host,
    settings: { ...loadConfig({ env: {} }).applier, concurrency: 4 },
    serviceDownTimeSeconds: 90,
  });
  const engine = createDecisionEngine({
    store,
    goals,
    strategies,
    planners,
    scoringEngines,
    models: undefined,
    availableMetrics: undefined,
    applier: options.launcher ?? applier,
    clock,
    logger: silentLogger,
    metrics,
    hostname: host,
    workers: 2,
    continuousScanIntervalMs: 10_000,
    actionPlanExpiryHours: 24,
    expiryCheckIntervalMs: 1_800_000,
  });
  if (options.startServices) {
    for (const name of ['steward-applier', 'steward-decision-engine', 'steward-api'])
      await store.services.heartbeat(name, host, clock.now());
    await engine.start();
    await applier.start();
  }
  const app = await buildApi({
    store,
    engine: options.engineClient ?? engine,
    applier: options.launcher ?? applier,
    clock,
    logger: silentLogger,
    metrics,
    config: {
      maxLimit: 1000,
      bodyLimitBytes: 1024 * 1024,
      auth: { strategy: 'noauth' },
      serviceDownTimeSeconds: 90,
      ...options.config,
    },
  });
  return {
    app,
    store,
    ...(testStore.connectionString !== undefined && { connectionString: testStore.connectionString }),
    engine,
    applier,
    metrics,
    async settle() {
      for (let i = 0; i < 5; i++) {
        await engine.idle();
        await applier.idle();
      }
    },
    async close() {
      await app.close();
      if (options.startServices) {
        await engine.stop();
        await applier.stop();
      }
      await testStore.close();
    },
  };
}
