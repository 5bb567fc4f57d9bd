/**
 * The composition root: the only place that turns configuration into concrete parts (store, bus, engine,
 * applier, API) and wires them together. Everything else receives its dependencies.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { ApplierClient, DecisionEngineClient, ScopeCheck } from './service-ports.js';
import { buildApi, type ApiConfig } from './api/app.js';
import { actionTypes } from './applier/actions/index.js';
import { APPLIER_SERVICE_NAME, createApplier, type Applier } from './applier/applier.js';
import type { Bus } from './bus/bus.js';
import { DESTINATIONS } from './bus/bus.js';
import { AmqpBus } from './bus/amqp-bus.js';
import { createCloudClients, type CloudClients } from './cloud/openstack.js';
import { createJsonRequester } from './cloud/http.js';
import { createKeystoneSession, issueUserToken, type KeystonePasswordAuth } from './cloud/keystone.js';
import { createKeystoneTokenValidator, keystoneBaseUrl } from './cloud/keystone-token-validator.js';
import {
  createComputeModelProvider,
  type LiveComputeModelProvider,
} from './collectors/compute-model-provider.js';
import { toDataModelRows } from './collectors/data-model-rows.js';
import { collectComputeModel, readComputeNodeState } from './collectors/nova-sync.js';
import { collectStorageModel } from './collectors/cinder-sync.js';
import {
  createStorageModelProvider,
  type LiveStorageModelProvider,
} from './collectors/storage-model-provider.js';
import { createDatasource, type MetricsSource } from './datasources/index.js';
import { createRangeCache } from './dashboards/range-cache.js';
import { createSimulatedCloud, type SimulatedCloud } from './simulator/index.js';
import { InProcessBus } from './bus/in-process-bus.js';
import { ConfigError, nearestName, runs, type StewardConfig } from './config/config.js';
import {
  createDecisionEngine,
  DECISION_ENGINE_SERVICE_NAME,
  type DecisionEngine,
} from './decision-engine/decision-engine.js';
import { startHeartbeat, type Heartbeat } from './decision-engine/service-heartbeat.js';
import { syncRegistries } from './decision-engine/sync.js';
import { goals } from './goals/index.js';
import { namesInScope, unknownNamesInScope } from './model/scope.js';
import { systemClock, type Clock } from './lib/clock.js';
import { withoutEntries, type Registry } from './lib/registry.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { planners } from './planners/index.js';
import { scoringEngines } from './scoring/index.js';
import { strategies as registeredStrategies } from './strategies/index.js';
import type { Strategy } from './strategies/strategy.js';
import { createStore, type StoreOptions } from './store/db.js';
import type { Store } from './store/store.js';

/** The dashboard's build (`npm run build:web`), beside `src/` and `dist/` alike. */
const DASHBOARD_ROOT = fileURLToPath(new URL('../web/dist', import.meta.url));

export const API_SERVICE_NAME = 'steward-api';

export interface RunningSteward {
  urls: { api?: string; metrics?: string };
  /** The embedded simulated cloud, when `cloud.kind` is `simulated`. */
  simulator?: {
    urls: SimulatedCloud['urls'];
    credentials: SimulatedCloud['credentials'];
    hosts: number;
    instances: number;
    /** The live simulated cluster, for tests that change what the cloud does (a host's load) while Steward runs. */
    state: SimulatedCloud['state'];
  };
  /** The live compute model, when this process keeps one. */
  models?: LiveComputeModelProvider;
  /** The live storage model, when this process runs the decision engine and the cloud offers Cinder. */
  storageModels?: LiveStorageModelProvider;
  store: Store;
  stop(): Promise<void>;
}

/** What Steward sees of the cloud: clients for the applier, the live model, and the metrics datasource. */
interface CloudSide {
  clients?: CloudClients;
  simulator?: SimulatedCloud;
  models?: LiveComputeModelProvider;
  storageModels?: LiveStorageModelProvider;
  metricsSource?: MetricsSource;
  stop(): Promise<void>;
}

function simulatedCluster(config: StewardConfig['cloud']['simulator']) {
  if (config.scenario !== undefined) return { scenarioFile: config.scenario };
  const pattern = config.planetlabDir !== undefined ? 'planetlab' : config.loadPattern;
  if (pattern !== 'diurnal' && pattern !== 'flat' && pattern !== 'noisy' && pattern !== 'planetlab') {
    throw new ConfigError([
      `cloud.simulator.loadPattern must be diurnal, flat, noisy or planetlab (got ${pattern})`,
    ]);
  }
  if (pattern === 'planetlab' && config.planetlabDir === undefined) {
    throw new ConfigError([
      'cloud.simulator.loadPattern planetlab needs cloud.simulator.planetlabDir (a folder or CSV of PlanetLab traces)',
    ]);
  }
  return {
    hosts: config.hosts,
    instances: config.instances,
    seed: config.seed,
    loadPattern: pattern,
    ...(config.planetlabDir !== undefined && { planetlab: { path: config.planetlabDir } }),
  } as const;
}

function keystoneAuth(config: StewardConfig['cloud']['keystone']): KeystonePasswordAuth {
  if (config.authUrl === undefined)
    throw new ConfigError(['cloud.kind openstack needs cloud.keystone.authUrl (or OS_AUTH_URL)']);
  return {
    authUrl: config.authUrl,
    username: config.username,
    password: config.password,
    projectName: config.projectName,
    userDomainName: config.userDomainName,
    projectDomainName: config.projectDomainName,
    interface: config.interface,
    ...(config.regionName !== undefined && { region: config.regionName }),
  };
}

/**
 * The API's authentication: noauth, or Keystone token validation with Steward's own service user. Without an
 * `api.keystone.authUrl` it validates against the cloud's Keystone (the real one, or the simulated cloud's).
 */
function composeApiAuth(
  config: StewardConfig,
  simulator: SimulatedCloud | undefined,
  parts: { clock: Clock; logger: Logger; metrics: Metrics },
): ApiConfig['auth'] {
  if (config.api.auth === 'noauth') return { strategy: 'noauth' };
  const settings = config.api.keystone;
  const cloud = config.cloud.keystone;
  let service: KeystonePasswordAuth;
  if (settings.authUrl === undefined && simulator) {
    service = { ...simulator.credentials };
  } else {
    const authUrl = settings.authUrl ?? cloud.authUrl;
    if (authUrl === undefined)
      throw new ConfigError([
        'api.auth keystone needs api.keystone.authUrl (or STEWARD_KEYSTONE_AUTH_URL, or cloud.keystone.authUrl)',
      ]);
    service = {
      authUrl,
      username: settings.username ?? cloud.username,
      password: settings.password ?? cloud.password,
      projectName: settings.projectName ?? cloud.projectName,
      userDomainName: settings.userDomainName ?? cloud.userDomainName,
      projectDomainName: settings.projectDomainName ?? cloud.projectDomainName,
    };
  }
  const http = createJsonRequester({
    timeoutMs: settings.timeoutSeconds * 1000,
    retries: 1,
    logger: parts.logger,
    metrics: parts.metrics,
  });
  const validator = createKeystoneTokenValidator({
    authUrl: service.authUrl,
    session: createKeystoneSession({ auth: service, http, clock: parts.clock }),
    http,
    clock: parts.clock,
    cacheSeconds: settings.cacheSeconds,
    cacheSize: settings.cacheSize,
  });
  return {
    strategy: 'keystone',
    validateToken: (token) => validator.validate(token),
    login: (credentials) => issueUserToken({ authUrl: service.authUrl, http }, credentials),
    wwwAuthenticateUri: settings.wwwAuthenticateUri ?? keystoneBaseUrl(service.authUrl),
    failedAuthLimits: {
      maxFailures: settings.maxFailedAuthentications,
      windowSeconds: settings.failedAuthenticationWindowSeconds,
    },
  };
}

async function composeCloud(
  config: StewardConfig,
  parts: {
    clock: Clock;
    logger: Logger;
    metrics: Metrics;
    bus: Bus;
    keepsModel: boolean;
    keepsStorageModel: boolean;
  },
): Promise<CloudSide> {
  const { clock, logger, metrics, bus } = parts;
  if (config.cloud.kind === 'none') return { stop: () => Promise.resolve() };
  let simulator: SimulatedCloud | undefined;
  let auth: KeystonePasswordAuth;
  let prometheusUrl = config.datasource.url;
  if (config.cloud.kind === 'simulated') {
    const sim = config.cloud.simulator;
    simulator = createSimulatedCloud({
      clock,
      bus,
      cluster: simulatedCluster(sim),
      logger,
      hostLabel: config.datasource.hostLabel,
      migrationBandwidthMbPerS: sim.migrationBandwidthMbPerS,
      autoSettle: 'exact',
      // As a cloud set up for Watcher is (Nova's default sends no instance.update on state changes).
      notifyOnStateChange: 'vm_and_task_state',
    });
    await simulator.listen({ host: '127.0.0.1', port: sim.port });
    const credentials = simulator.credentials;
    auth = {
      authUrl: credentials.authUrl,
      username: credentials.username,
      password: credentials.password,
      projectName: credentials.projectName,
      userDomainName: credentials.userDomainName,
      projectDomainName: credentials.projectDomainName,
    };
    prometheusUrl ??= simulator.urls.prometheus;
  } else {
    auth = keystoneAuth(config.cloud.keystone);
  }
  const clients = createCloudClients({
    auth,
    timeoutMs: config.cloud.timeoutSeconds * 1000,
    retries: config.cloud.retries,
    logger,
    metrics,
    clock,
  });
  let metricsSource: MetricsSource | undefined;
  if (config.datasource.name !== 'none') {
    if (prometheusUrl === undefined)
      throw new ConfigError([
        `datasource ${config.datasource.name} needs datasource.url (or STEWARD_PROMETHEUS_URL)`,
      ]);
    try {
      metricsSource = createDatasource(
        config.datasource.name,
        {
          baseUrl: prometheusUrl,
          hostLabel: config.datasource.hostLabel,
          instanceLabel: config.datasource.instanceLabel,
          domainLabel: config.datasource.domainLabel,
          timeoutMs: config.datasource.timeoutSeconds * 1000,
        },
        logger,
      );
    } catch (error) {
      throw new ConfigError([error instanceof Error ? error.message : String(error)]);
    }
  }
  const log = logger.child({ part: 'nova-sync' });
  const models = parts.keepsModel
    ? createComputeModelProvider({
        collect: async (signal) => {
          const result = await collectComputeModel(clients, {
            concurrency: config.collector.concurrency,
            now: clock.now(),
            ...(signal && { signal }),
          });
          if (result.skippedHosts.length > 0)
            log.warn({ skippedHosts: result.skippedHosts }, 'hosts left out of the compute model');
          return result.model;
        },
        readServer: (uuid) => clients.compute.getServer(uuid),
        readNode: (node) => readComputeNodeState(clients, node),
        bus,
        clock,
        logger,
        metrics,
        syncIntervalMs: config.collector.syncIntervalSeconds * 1000,
      })
    : undefined;
  // Only strategies read the storage model (data_model has no storage rows), so only a decision engine keeps it.
  const blockStorage = clients.blockStorage;
  const storageLog = logger.child({ part: 'cinder-sync' });
  let cinderMissingLogged = false;
  const storageModels =
    parts.keepsStorageModel && blockStorage
      ? createStorageModelProvider({
          collect: async (signal) => {
            const result = await collectStorageModel(blockStorage, {
              now: clock.now(),
              ...(signal && { signal }),
            });
            if (result.cinderMissing !== undefined && !cinderMissingLogged) {
              storageLog.info(
                { reason: result.cinderMissing },
                'no Cinder in the catalog; the storage model stays empty',
              );
              cinderMissingLogged = true;
            }
            if (result.skippedPools.length > 0)
              storageLog.warn({ skippedPools: result.skippedPools }, 'pools left out of the storage model');
            return result.model;
          },
          bus,
          clock,
          logger,
          metrics,
          syncIntervalMs: config.collector.syncIntervalSeconds * 1000,
        })
      : undefined;
  return {
    clients,
    ...(simulator && { simulator }),
    ...(models && { models }),
    ...(storageModels && { storageModels }),
    ...(metricsSource && { metricsSource }),
    async stop() {
      await storageModels?.stop();
      await models?.stop();
      await clients.close();
      await simulator?.close();
    },
  };
}

export function storeOptionsFrom(url: string): StoreOptions {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://'))
    return { dialect: 'postgres', connectionString: url };
  if (url.startsWith('pglite:')) {
    const location = url.slice('pglite:'.length);
    return location === 'memory' || location === ''
      ? { dialect: 'pglite' }
      : { dialect: 'pglite', dataDir: location };
  }
  throw new ConfigError([`database.url must start with pglite: or postgres:// (got ${url})`]);
}

async function createBus(config: StewardConfig['bus'], logger: Logger, metrics: Metrics): Promise<Bus> {
  const { url } = config;
  if (url === 'memory://') return new InProcessBus({ logger });
  if (url.startsWith('amqp://') || url.startsWith('amqps://'))
    return AmqpBus.connect({
      url,
      logger,
      metrics,
      publishTimeoutMs: config.publishTimeoutSeconds * 1000,
    });
  throw new ConfigError([`bus.url must be memory:// or amqp://… (got ${url})`]);
}

/** Reaches a decision engine in another process over the bus. */
function remoteDecisionEngine(bus: Bus): DecisionEngineClient {
  return {
    triggerAudit: (auditUuid) => bus.publish(DESTINATIONS.decisionEngine, { audit_uuid: auditUuid }),
    strategyState: (strategyName) =>
      Promise.resolve([
        {
          type: 'Datasource',
          state: 'unknown: the decision engine runs in another process',
          mandatory: true,
          comment: '',
        },
        { type: 'Name', state: strategyName, mandatory: '', comment: '' },
      ]),
    dataModel: () => Promise.resolve([]),
    refreshDataModel: async () => {
      await bus.publish(DESTINATIONS.decisionEngine, { refresh_data_model: true });
      return { syncedAt: null, computeNodes: 0, instances: 0 };
    },
  };
}

function remoteApplier(bus: Bus): ApplierClient {
  return { launchActionPlan: (uuid) => bus.publish(DESTINATIONS.applier, { action_plan_uuid: uuid }) };
}

/** The registered strategies less the ones the operator disabled; a name no strategy has is a configuration error. */
function offeredStrategies(disabled: readonly string[]): Registry<Strategy> {
  const names = registeredStrategies.all.map((strategy) => strategy.name);
  const unknown = disabled.filter((name) => !registeredStrategies.has(name));
  if (unknown.length > 0)
    throw new ConfigError(
      unknown.map((name) => {
        const meant = nearestName(name, names);
        return `engine.disabledStrategies: no strategy is named ${name}${meant ? `; did you mean ${meant}?` : ''}`;
      }),
    );
  return withoutEntries(registeredStrategies, disabled);
}

export async function composeSteward(
  config: StewardConfig,
  options: { clock?: Clock; logger?: Logger } = {},
): Promise<RunningSteward> {
  const strategies = offeredStrategies(config.engine.disabledStrategies);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const metrics = createMetrics();
  const store = await createStore(storeOptionsFrom(config.database.url));
  const bus = await createBus(config.bus, logger, metrics).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  let cloudSide: CloudSide;
  try {
    cloudSide = await composeCloud(config, {
      clock,
      logger,
      metrics,
      bus,
      keepsModel: runs(config, 'decision-engine') || runs(config, 'api'),
      keepsStorageModel: runs(config, 'decision-engine'),
    });
  } catch (error) {
    await bus.close();
    await store.close();
    throw error;
  }
  const { models, storageModels, metricsSource } = cloudSide;
  const dataModelRows = async (request: { scope?: readonly unknown[]; extended: boolean }) =>
    models
      ? toDataModelRows(await models.getComputeModel(request.scope ? { scope: request.scope } : {}), {
          extended: request.extended,
        })
      : [];
  const refreshDataModel = async () => {
    // The storage model is refreshed beside the compute one; its failure does not fail the compute refresh.
    const storageRefreshed = storageModels
      ?.refresh()
      .catch((error: unknown) => logger.warn({ err: error }, 'storage model refresh failed'));
    if (!models) {
      await storageRefreshed;
      return { syncedAt: null, computeNodes: 0, instances: 0 };
    }
    await Promise.all([models.refresh(), storageRefreshed]);
    return {
      syncedAt: models.lastSyncedAt ?? null,
      computeNodes: models.current?.nodeCount ?? 0,
      instances: models.current?.instanceCount ?? 0,
    };
  };
  // The API looks scope names up in the last synced model; it never waits for a sync to answer a create.
  const checkScope = (scope: readonly unknown[]): ScopeCheck => {
    const model = models?.current;
    if (!model) {
      const reason = !models
        ? `this Steward has no cloud (cloud.kind ${config.cloud.kind})`
        : 'the compute model has not synced yet (GET /v1/data_model shows when it has)';
      return { checked: false, names: namesInScope(scope), reason };
    }
    const zones = new Set<string>();
    for (const node of model.nodes()) if (node.availabilityZone !== null) zones.add(node.availabilityZone);
    return {
      checked: true,
      unknown: unknownNamesInScope(model, scope),
      known: { hosts: model.nodeCount, zones: [...zones].sort() },
    };
  };
  const heartbeats: Heartbeat[] = [];
  const heartbeat = async (name: string) =>
    heartbeats.push(
      await startHeartbeat({
        store,
        name,
        host: config.host,
        clock,
        logger,
        intervalMs: config.heartbeatIntervalSeconds * 1000,
      }),
    );

  let applier: Applier | undefined;
  let engine: DecisionEngine | undefined;
  let app: FastifyInstance | undefined;
  const urls: RunningSteward['urls'] = {};
  try {
    await models?.start();
    await storageModels?.start();
    if (runs(config, 'decision-engine')) await syncRegistries(store, { goals, strategies, scoringEngines });
    if (runs(config, 'applier')) {
      applier = createApplier({
        store,
        actionTypes,
        cloud: cloudSide.clients,
        clock,
        logger,
        metrics,
        bus,
        hostname: config.host,
        settings: config.applier,
        ...(cloudSide.models && { model: cloudSide.models }),
        serviceDownTimeSeconds: config.serviceDownTimeSeconds,
        takeoverIntervalMs: config.heartbeatIntervalSeconds * 1000,
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
        models,
        ...(storageModels && { storageModels }),
        availableMetrics: undefined,
        ...(metricsSource && { metricsSource }),
        dataModelRows,
        refreshDataModel,
        applier: applierClient,
        // Every process runs the same registry, so the local one says what any applier of this release runs.
        supportedActionTypes: new Set(actionTypes.all.map((type) => type.name)),
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
        engine: engine ?? {
          ...remoteDecisionEngine(bus),
          dataModel: dataModelRows,
          // This API process keeps its own model for data_model; the decision engines get asked over the bus.
          refreshDataModel: async () => {
            await bus.publish(DESTINATIONS.decisionEngine, { refresh_data_model: true });
            return refreshDataModel();
          },
        },
        applier: applierClient,
        checkScope,
        dashboards: {
          source: metricsSource,
          rangeCache: createRangeCache({
            clock,
            maxPoints: config.datasource.dashboardCachePoints,
            onLookup: (result) => metrics.dashboardCacheLookups.inc({ result }),
          }),
          model: () => models?.current,
          // Suggestions come from the cloud's flavors; without a cloud, from those the model's instances use.
          flavors: async () =>
            cloudSide.clients
              ? cloudSide.clients.compute.listFlavors()
              : [
                  ...new Map(
                    [...(models?.current?.instances() ?? [])].map((i) => [i.flavor.id, i.flavor]),
                  ).values(),
                ],
        },
        clock,
        logger,
        metrics,
        config: {
          ...(config.api.publicUrl !== undefined && { publicUrl: config.api.publicUrl }),
          maxLimit: config.api.maxLimit,
          bodyLimitBytes: config.api.bodyLimitBytes,
          auth: composeApiAuth(config, cloudSide.simulator, { clock, logger, metrics }),
          ...(config.api.policyFile !== undefined && { policyFile: config.api.policyFile }),
          serviceDownTimeSeconds: config.serviceDownTimeSeconds,
          ...(config.api.corsOrigins.length > 0 && { cors: { origins: config.api.corsOrigins } }),
          dashboardRoot: DASHBOARD_ROOT,
        },
      });
      const address = await app.listen({ host: config.api.host, port: config.api.port });
      await heartbeat(API_SERVICE_NAME);
      urls.api = address;
      urls.metrics = `${address}/metrics`;
      // Clients of the embedded cloud find this API through its catalog, as they find Watcher in a real one.
      cloudSide.simulator?.addCatalogService({
        type: 'infra-optim',
        name: 'watcher',
        url: config.api.publicUrl ?? address,
      });
    }
  } catch (error) {
    await Promise.allSettled([
      app?.close(),
      engine?.stop(),
      applier?.stop(),
      ...heartbeats.map((beat) => beat.stop()),
    ]);
    await cloudSide.stop().catch(() => undefined);
    await bus.close();
    await store.close();
    throw error;
  }

  const simulator = cloudSide.simulator;
  return {
    urls,
    ...(simulator && {
      simulator: {
        urls: simulator.urls,
        credentials: simulator.credentials,
        hosts: simulator.state.hosts.length,
        instances: simulator.state.instances.size,
        state: simulator.state,
      },
    }),
    ...(models && { models }),
    ...(storageModels && { storageModels }),
    store,
    async stop() {
      await app?.close();
      await engine?.stop();
      await applier?.stop();
      for (const beat of heartbeats) await beat.stop();
      await cloudSide.stop();
      await bus.close();
      await store.close();
    },
  };
}
