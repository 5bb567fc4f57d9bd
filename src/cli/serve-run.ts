/** What `steward serve` does: the whole service (or the roles asked for) in this process, until SIGINT/SIGTERM. */
import { rmSync } from 'node:fs';
import { composeSteward, storeOptionsFrom, type RunningSteward } from '../compose.js';
import { ConfigError, loadConfig, type StewardConfig } from '../config/config.js';
import { isStewardError } from '../errors.js';
import { firstMissingDirectory, preflight, StartupError } from '../preflight.js';
import { createLogger } from '../observability/logger.js';
import { stopOnSignals } from './signals.js';

export interface ServeOptions {
  config?: string;
  roles?: string;
  role?: string;
  port?: string;
  database?: string;
  logFormat?: string;
}

/** Loads the configuration, starts the service and prints the banner; stops on SIGINT/SIGTERM. */
export async function runServe(options: ServeOptions): Promise<void> {
  let config;
  try {
    config = loadConfig({
      ...(options.config !== undefined && { file: options.config }),
      overrides: {
        roles: options.roles ?? options.role,
        'api.port': options.port,
        'database.url': options.database,
        logFormat: options.logFormat,
      },
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const started = await start(config);
  if (!started) return;
  const { steward, logger } = started;
  // Show the model in the banner when the first sync is quick (it is, on the simulated cloud); never hold the
  // banner back for long on a slow or unreachable cloud.
  const model = steward.models
    ? await Promise.race([
        steward.models.getComputeModel().then(
          () => steward.models?.current,
          () => undefined,
        ),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000).unref()),
      ])
    : undefined;
  process.stdout.write(startBanner(config, steward, model));
  stopOnSignals(logger, 'Steward', () => steward.stop());
}

/**
 * Starts the service, or prints one line saying why it cannot and sets exit status 1. Nothing is created before
 * the preflight passes, and a PGlite directory made by a start that failed afterwards is removed again.
 */
async function start(
  config: StewardConfig,
): Promise<{ steward: RunningSteward; logger: ReturnType<typeof createLogger> } | undefined> {
  const fail = (message: string) => {
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
    return undefined;
  };
  try {
    await preflight(config);
  } catch (error) {
    if (error instanceof StartupError) return fail(error.message);
    throw error;
  }
  const store = storeOptionsFrom(config.database.url);
  const created =
    store.dialect === 'pglite' && store.dataDir ? firstMissingDirectory(store.dataDir) : undefined;
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  try {
    return { steward: await composeSteward(config, { logger }), logger };
  } catch (error) {
    if (created) rmSync(created, { recursive: true, force: true });
    // A problem only the composition root can see (a name no registry holds) is still a configuration problem.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
      return undefined;
    }
    const known = error instanceof StartupError || error instanceof ConfigError || isStewardError(error);
    if (!known) logger.error({ err: error }, 'start failed');
    return fail(`Steward could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * What `steward serve` prints once the API listens: where everything is, and the `OS_*` lines that point the
 * openstack client at the embedded cloud's Keystone, whose catalog lists its Nova and Placement and this API.
 */
export function startBanner(
  config: Pick<StewardConfig, 'roles' | 'database' | 'bus' | 'cloud'> & {
    api?: Pick<StewardConfig['api'], 'auth'>;
  },
  steward: Pick<RunningSteward, 'urls' | 'simulator' | 'models'>,
  model: { nodeCount: number; instanceCount: number } | undefined,
): string {
  const api = steward.urls.api;
  const sim = steward.simulator;
  const credentials = sim?.credentials;
  return [
    '',
    `Steward is running (roles: ${config.roles.join(', ')}; database: ${config.database.url}; bus: ${config.bus.url}; cloud: ${config.cloud.kind}).`,
    ...(sim
      ? [
          `  Simulated cloud:   ${sim.hosts} hosts, ${sim.instances} instances (Keystone ${sim.urls.identity}, user ${sim.credentials.username}/${sim.credentials.password})`,
          `  Simulated Nova:    ${sim.urls.compute}   Placement: ${sim.urls.placement}`,
          `  Its Prometheus:    ${sim.urls.prometheus}`,
        ]
      : []),
    ...(model
      ? [`  Compute model:     ${model.nodeCount} hosts, ${model.instanceCount} instances synced`]
      : steward.models
        ? ['  Compute model:     not synced yet (the decision engine log says why; GET /v1/data_model)']
        : []),
    ...(api
      ? [
          `  API (Watcher v1):  ${api}/            try: curl ${api}/`,
          `  Dashboard:         ${api}/dashboard/`,
          `  OpenAPI document:  ${api}/openapi.json`,
          `  Own metrics:       ${api}/metrics`,
          ...(config.api?.auth === 'keystone'
            ? [`  Authentication:    Keystone tokens in X-Auth-Token (docs/security.md)`]
            : [
                `  Watcher client:    openstack --os-auth-type none --os-endpoint ${api} optimize goal list`,
                `  Data model:        openstack --os-auth-type none --os-endpoint ${api} optimize datamodel list`,
              ]),
          `  Steward CLI:       npx steward --endpoint ${api} audit create --goal dummy --strategy dummy`,
        ]
      : []),
    ...(credentials
      ? [
          `The openstack client through the simulated Keystone (its catalog lists Nova, Placement${api ? ' and this API as infra-optim' : ''}):`,
          `export OS_AUTH_URL=${credentials.authUrl}`,
          `export OS_USERNAME=${credentials.username}`,
          `export OS_PASSWORD=${credentials.password}`,
          `export OS_PROJECT_NAME=${credentials.projectName}`,
          `export OS_USER_DOMAIN_NAME=${credentials.userDomainName}`,
          `export OS_PROJECT_DOMAIN_NAME=${credentials.projectDomainName}`,
          'export OS_IDENTITY_API_VERSION=3',
          `  then: ${api ? 'openstack optimize goal list; ' : ''}openstack hypervisor list; openstack compute service list`,
        ]
      : []),
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}
