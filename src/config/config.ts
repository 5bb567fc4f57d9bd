/**
 * Steward's configuration: one schema with documented defaults (the embedded mode), loaded from an optional JSON
 * file, then environment variables, then command-line overrides; every problem is reported at once.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { ENVIRONMENT } from './environment.js';

export const ROLES = ['all', 'api', 'decision-engine', 'applier'] as const;
export type Role = (typeof ROLES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;

export const ConfigSchema = Type.Object(
  {
    host: Type.String({
      default: hostname(),
      description: 'Name this process reports in `services` and owns audits/plans under.',
    }),
    roles: Type.Array(
      Type.Union([
        Type.Literal('all'),
        Type.Literal('api'),
        Type.Literal('decision-engine'),
        Type.Literal('applier'),
      ]),
      {
        default: ['all'],
        description: 'Parts run by this process: all, or any of api, decision-engine, applier.',
      },
    ),
    api: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1', description: 'Address the API listens on.' }),
        port: Type.Integer({
          default: 9322,
          minimum: 0,
          maximum: 65535,
          description: 'API port (Watcher’s is 9322). 0 picks a free one.',
        }),
        publicUrl: Type.Optional(
          Type.String({ description: 'Base URL used in links; default: from the request Host header.' }),
        ),
        maxLimit: Type.Integer({
          default: 1000,
          minimum: 1,
          description: 'Largest page a list returns (`[api] max_limit`).',
        }),
        bodyLimitBytes: Type.Integer({
          default: 1048576,
          minimum: 1024,
          description: 'Largest accepted request body.',
        }),
        policyFile: Type.Optional(
          Type.String({
            description:
              'Policy rule overrides, a YAML or JSON file as oslo.policy reads (`"audit:create": "role:admin"`); see docs/security.md.',
          }),
        ),
        auth: Type.Union([Type.Literal('noauth'), Type.Literal('keystone')], {
          default: 'noauth',
          description:
            '`noauth`: roles from `X-Roles`, none means the local admin (one machine only); `keystone`: every request but the version documents needs a token that Keystone validates.',
        }),
        keystone: Type.Object(
          {
            authUrl: Type.Optional(
              Type.String({
                description:
                  'Keystone v3 URL that validates tokens; default `cloud.keystone.authUrl`, or the simulated cloud’s Keystone.',
              }),
            ),
            wwwAuthenticateUri: Type.Optional(
              Type.String({
                description:
                  'Keystone URL clients are sent to by `WWW-Authenticate` on a 401; default `authUrl` without `/v3`.',
              }),
            ),
            username: Type.Optional(
              Type.String({
                description:
                  'Steward’s service user, whose token validates the callers’ (needs the `service` or `admin` role); default `cloud.keystone.username`.',
              }),
            ),
            password: Type.Optional(
              Type.String({ description: 'Its password (prefer STEWARD_KEYSTONE_PASSWORD).' }),
            ),
            projectName: Type.Optional(Type.String({ description: 'Project scope of the service token.' })),
            userDomainName: Type.Optional(Type.String({ description: 'Domain of the service user.' })),
            projectDomainName: Type.Optional(Type.String({ description: 'Domain of its project.' })),
            cacheSeconds: Type.Number({
              default: 300,
              minimum: 0,
              description:
                'How long a validation is trusted: a revoked token is refused at most this long after its revocation (keystonemiddleware’s `token_cache_time`).',
            }),
            cacheSize: Type.Integer({
              default: 10000,
              minimum: 1,
              description: 'Most tokens remembered; the least recently used is forgotten first.',
            }),
            timeoutSeconds: Type.Number({
              default: 10,
              exclusiveMinimum: 0,
              description: 'Timeout of one validation call to Keystone.',
            }),
            maxFailedAuthentications: Type.Integer({
              default: 20,
              minimum: 0,
              description:
                'Refused tokens one client address may send within `failedAuthenticationWindowSeconds` before it gets 429 without Keystone being asked; 0 = no limit.',
            }),
            failedAuthenticationWindowSeconds: Type.Number({
              default: 60,
              exclusiveMinimum: 0,
              description: 'The window of `maxFailedAuthentications`.',
            }),
          },
          { default: {} },
        ),
        corsOrigins: Type.Array(Type.String(), {
          default: [],
          description:
            'Origins allowed by CORS ("*" for any), preflight included; empty disables CORS headers.',
        }),
      },
      { default: {} },
    ),
    database: Type.Object(
      {
        url: Type.String({
          default: 'pglite:./data/db',
          description:
            '`pglite:<dir>` (embedded, `pglite:memory` for none on disk) or `postgres://…` (shared by many processes).',
        }),
      },
      { default: {} },
    ),
    bus: Type.Object(
      {
        url: Type.String({
          default: 'memory://',
          description: '`memory://` (one process) or `amqp://user:pass@host:5672/vhost`.',
        }),
        publishTimeoutSeconds: Type.Number({
          default: 30,
          exclusiveMinimum: 0,
          description:
            'While the RabbitMQ connection is down (a broker restart), how long a message waits for it to come back before the publish fails with BUS_UNAVAILABLE.',
        }),
      },
      { default: {} },
    ),
    engine: Type.Object(
      {
        workers: Type.Integer({
          default: 2,
          minimum: 1,
          description: 'Audits run at once (`max_audit_workers`).',
        }),
        continuousScanIntervalSeconds: Type.Number({
          default: 10,
          exclusiveMinimum: 0,
          description: 'How often continuous audits are checked.',
        }),
        actionPlanExpiryHours: Type.Number({
          default: 24,
          exclusiveMinimum: 0,
          description: 'RECOMMENDED plans older than this become SUPERSEDED.',
        }),
        expiryCheckIntervalSeconds: Type.Number({
          default: 1800,
          exclusiveMinimum: 0,
          description: 'How often plan expiry is checked.',
        }),
        disabledStrategies: Type.Array(Type.String(), {
          default: [],
          description:
            'Strategies this cloud does not offer (names, e.g. `["noisy_neighbor"]`): not listed, not chosen for a goal, and refused by name; a goal left with none is refused at audit create time.',
        }),
      },
      { default: {} },
    ),
    applier: Type.Object(
      {
        concurrency: Type.Integer({
          default: 4,
          minimum: 1,
          description: 'Actions of one plan run at once.',
        }),
        rollbackOnFailure: Type.Boolean({
          default: false,
          description:
            'When a plan fails, revert its succeeded actions (those whose type can be reverted), latest first.',
        }),
        maxAttempts: Type.Integer({
          default: 3,
          minimum: 1,
          description:
            'Attempts of an action whose error is marked retryable (a cloud connection error or 5xx); any other error fails it at once.',
        }),
        retryDelaySeconds: Type.Number({
          default: 2,
          minimum: 0,
          description: 'Wait before the second attempt; the n-th retry waits n times as long.',
        }),
        modelWaitSeconds: Type.Number({
          default: 10,
          minimum: 0,
          description:
            'After an action succeeds, how long the data model may take to show it through the cloud’s notifications before the applier re-reads the instances or compute nodes it touched (a targeted refresh).',
        }),
        cancelCheckSeconds: Type.Number({
          default: 1,
          exclusiveMinimum: 0,
          description:
            'How often a running plan asks whether an operator cancelled it, while none of its actions changed state (every action state change also reads the plan’s state).',
        }),
        timeouts: Type.Object(
          {
            defaultSeconds: Type.Number({
              default: 300,
              exclusiveMinimum: 0,
              description: 'Longest wait for the cloud operation of an action type not listed here.',
            }),
            migrate: Type.Number({
              default: 300,
              exclusiveMinimum: 0,
              description:
                'Longest wait for a migration, before `perMemoryGibSeconds` is added for each GiB of the instance’s memory (upstream’s fixed 120 s failed whole plans).',
            }),
            resize: Type.Number({
              default: 600,
              exclusiveMinimum: 0,
              description:
                'Longest wait for a resize and its confirmation, before `perMemoryGibSeconds` per GiB.',
            }),
            perMemoryGibSeconds: Type.Number({
              default: 60,
              minimum: 0,
              description: 'Added to the migrate and resize timeouts for each GiB of the instance’s memory.',
            }),
            perActionType: Type.Record(
              Type.String({ pattern: '^[a-z_]+$' }),
              Type.Number({ exclusiveMinimum: 0 }),
              {
                default: {},
                description:
                  'Longest wait in seconds by action type for the other types, e.g. `{"volume_migrate": 3600, "change_node_power_state": 900}`.',
              },
            ),
          },
          { default: {} },
        ),
      },
      { default: {} },
    ),
    cloud: Type.Object(
      {
        kind: Type.Union([Type.Literal('simulated'), Type.Literal('openstack'), Type.Literal('none')], {
          default: 'simulated',
          description:
            '`simulated`: start the embedded simulated cloud and talk to it over HTTP; `openstack`: a real cloud through Keystone; `none`: no cloud (dummy strategies only).',
        }),
        simulator: Type.Object(
          {
            port: Type.Integer({
              default: 0,
              minimum: 0,
              maximum: 65535,
              description: 'Port of the embedded simulated cloud on 127.0.0.1 (0 picks a free one).',
            }),
            hosts: Type.Integer({ default: 16, minimum: 0, description: 'Simulated compute hosts.' }),
            instances: Type.Integer({
              default: 120,
              minimum: 0,
              description: 'Simulated instances, placed by the simulated scheduler.',
            }),
            seed: Type.Integer({ default: 42, description: 'Seed of the simulated cluster and its load.' }),
            loadPattern: Type.String({
              default: 'diurnal',
              description: 'Instance load: diurnal, flat, noisy (or planetlab with `planetlabDir`).',
            }),
            scenario: Type.Optional(
              Type.String({
                description:
                  'A scenario JSON file (`../shared/data/scenarios` format) instead of a generated cluster.',
              }),
            ),
            planetlabDir: Type.Optional(
              Type.String({ description: 'Folder of PlanetLab CPU traces for `loadPattern: planetlab`.' }),
            ),
            migrationBandwidthMbPerS: Type.Number({
              default: 1024,
              exclusiveMinimum: 0,
              description: 'Guest memory a live migration moves per second.',
            }),
          },
          { default: {} },
        ),
        keystone: Type.Object(
          {
            authUrl: Type.Optional(
              Type.String({
                description: 'Keystone v3 URL, e.g. http://controller/identity/v3 (cloud.kind openstack).',
              }),
            ),
            username: Type.String({
              default: 'admin',
              description: 'User Steward authenticates as (needs the admin role).',
            }),
            password: Type.String({
              default: '',
              description: 'Its password (prefer the STEWARD_OS_PASSWORD variable).',
            }),
            projectName: Type.String({ default: 'admin', description: 'Project scope of the token.' }),
            userDomainName: Type.String({ default: 'Default', description: 'Domain of the user.' }),
            projectDomainName: Type.String({ default: 'Default', description: 'Domain of the project.' }),
            regionName: Type.Optional(
              Type.String({
                description: 'Catalog region to use; default: the first endpoint of each service.',
              }),
            ),
            interface: Type.Union([Type.Literal('public'), Type.Literal('internal'), Type.Literal('admin')], {
              default: 'public',
              description: 'Catalog endpoint interface.',
            }),
          },
          { default: {} },
        ),
        timeoutSeconds: Type.Number({
          default: 30,
          exclusiveMinimum: 0,
          description: 'Timeout of one call to an OpenStack API.',
        }),
        retries: Type.Integer({
          default: 3,
          minimum: 0,
          description: 'Retries of a call that failed to connect or got a 5xx.',
        }),
      },
      { default: {} },
    ),
    collector: Type.Object(
      {
        syncIntervalSeconds: Type.Number({
          default: 3600,
          exclusiveMinimum: 0,
          description:
            'Full resync of the compute and storage models (upstream `period`); Nova notifications keep the compute model fresh in between.',
        }),
        concurrency: Type.Integer({
          default: 32,
          minimum: 1,
          description: 'Placement calls in flight during a sync.',
        }),
      },
      { default: {} },
    ),
    datasource: Type.Object(
      {
        name: Type.String({
          default: 'prometheus',
          description: 'Metrics backend (`prometheus`; `none` for no metrics).',
        }),
        url: Type.Optional(
          Type.String({
            description: 'Prometheus base URL; default with the simulated cloud: its own Prometheus API.',
          }),
        ),
        hostLabel: Type.String({
          default: 'fqdn',
          description: 'Label naming the compute host in node_exporter series.',
        }),
        instanceLabel: Type.String({
          default: 'resource',
          description: 'Label carrying the instance uuid in instance series.',
        }),
        domainLabel: Type.String({
          default: 'domain',
          description:
            'Label carrying the instance uuid in libvirt-exporter series (some exporters put the domain name there: point this at the uuid label).',
        }),
        timeoutSeconds: Type.Number({
          default: 30,
          exclusiveMinimum: 0,
          description: 'Timeout of one Prometheus query.',
        }),
        dashboardCachePoints: Type.Integer({
          default: 4_000_000,
          minimum: 0,
          description:
            "Points of the utilisation dashboards' range answers kept in memory until their grid moves (about 16 bytes each; a 7-day view of 1,000 hosts holds 2.7 M); 0 asks the datasource at every view.",
        }),
      },
      { default: {} },
    ),
    serviceDownTimeSeconds: Type.Integer({
      default: 90,
      minimum: 1,
      description: 'A process silent this long is shown FAILED and its work is taken over.',
    }),
    heartbeatIntervalSeconds: Type.Integer({
      default: 10,
      minimum: 1,
      description: 'How often each process heartbeats.',
    }),
    logLevel: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      {
        default: 'info',
        description: 'pino log level.',
      },
    ),
    logFormat: Type.Union(
      LOG_FORMATS.map((format) => Type.Literal(format)),
      {
        default: 'auto',
        description:
          'auto: readable lines (pino-pretty) when stdout is a terminal, one JSON object per line otherwise; pretty or json force one.',
      },
    ),
  },
  { additionalProperties: false },
);

export type StewardConfig = Static<typeof ConfigSchema>;

/**
 * Every problem of a configuration, found before anything starts; `steward serve` prints the message (one block)
 * and exits with status 2.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(
      [
        `Steward cannot start: ${problems.length === 1 ? 'a problem' : `${problems.length} problems`} in its configuration (docs/configuration.md lists every key):`,
        ...problems.map((problem) => `  - ${problem}`),
      ].join('\n'),
    );
  }
}

function setPath(
  target: Record<string, unknown>,
  path: string,
  value: unknown,
  origins: Map<string, string>,
  origin: string,
): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
  origins.set(path, origin);
}

function coerce(path: string, raw: string): unknown {
  if (path === 'roles' || path === 'api.corsOrigins' || path === 'engine.disabledStrategies')
    return raw
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  if (
    /^-?\d+(\.\d+)?$/.test(raw) &&
    /port|workers|concurrency|Seconds|Hours|Limit|Bytes|Size|hosts|instances/.test(path)
  )
    return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  const?: unknown;
}

/** Every key path the schema knows (`api.port`, `cloud.keystone.authUrl`…), for "did you mean". */
function knownPaths(node: SchemaNode, prefix = ''): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...knownPaths(child, path)];
  });
}

function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, j) => j);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (left[i - 1] === right[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[right.length]!;
}

/** The candidate a mistyped name most likely meant, if one is near enough to suggest. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  return candidates
    .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
    .filter(({ distance }) => distance <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.distance - b.distance)[0]?.candidate;
}

/**
 * The valid key an unknown one most likely meant: the same name elsewhere in the tree (`port` → `api.port`), a near
 * sibling (`prot` → `api.port`), or the same letters without separators (`auth_url` → `authUrl`).
 */
function nearestKey(path: string, siblings: readonly string[], prefix: string): string | undefined {
  const key = path.split('.').at(-1)!;
  const known = knownPaths(ConfigSchema as SchemaNode);
  const elsewhere = known.find((candidate) => candidate.split('.').at(-1) === key);
  if (elsewhere) return elsewhere;
  const flat = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');
  const sameLetters = siblings.find((sibling) => flat(sibling) === flat(key));
  const near = nearestName(key, siblings);
  const meant = sameLetters ?? near;
  return meant === undefined ? undefined : prefix ? `${prefix}.${meant}` : meant;
}

/** Removes keys the schema does not have (free-form maps aside) and says, for each, what was probably meant. */
function takeUnknownKeys(
  raw: Record<string, unknown>,
  node: SchemaNode,
  prefix: string,
  where: (path: string) => string,
): string[] {
  const properties = node.properties;
  if (!properties) return [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const child = properties[key];
    if (!child) {
      const meant = nearestKey(path, Object.keys(properties), prefix);
      problems.push(`${path}${where(path)}: unknown key${meant ? `; did you mean ${meant}?` : ''}`);
      delete raw[key];
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      problems.push(...takeUnknownKeys(value as Record<string, unknown>, child, path, where));
    }
  }
  return problems;
}

function leafPaths(value: unknown, prefix: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return prefix ? [prefix] : [];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

/** What the schema cannot say: values that fit their types but cannot work together. */
function incoherences(config: StewardConfig, where: (path: string) => string): string[] {
  const problems: string[] = [];
  const url = String(config.database.url);
  if (!/^(pglite:|postgres:\/\/|postgresql:\/\/)/.test(url))
    problems.push(
      `database.url${where('database.url')}: ${url.split(':')[0]} is not supported; use pglite:<dir> (embedded), pglite:memory, or postgres://user@host:5432/db`,
    );
  if (config.bus.url !== 'memory://' && !/^amqps?:\/\//.test(String(config.bus.url)))
    problems.push(
      `bus.url${where('bus.url')}: ${config.bus.url} is not supported; use memory:// (one process) or amqp://user:pass@host:5672/vhost`,
    );
  if (config.datasource.name !== 'prometheus' && config.datasource.name !== 'none')
    problems.push(
      `datasource.name${where('datasource.name')}: ${config.datasource.name} is not supported; use prometheus or none`,
    );
  if (config.cloud.kind === 'openstack') {
    if (config.cloud.keystone.authUrl === undefined)
      problems.push(
        'cloud.keystone.authUrl: required with cloud.kind openstack; set OS_AUTH_URL to the Keystone v3 URL (e.g. http://controller/identity/v3)',
      );
    if (config.datasource.name === 'prometheus' && config.datasource.url === undefined)
      problems.push(
        'datasource.url: required with cloud.kind openstack (only the simulated cloud brings its own Prometheus); set STEWARD_PROMETHEUS_URL, or datasource.name none to run without metrics',
      );
  }
  if (
    config.api.auth === 'keystone' &&
    config.cloud.kind !== 'simulated' &&
    config.api.keystone.authUrl === undefined &&
    config.cloud.keystone.authUrl === undefined
  )
    problems.push(
      'api.keystone.authUrl: required with api.auth keystone outside the simulated cloud; set STEWARD_KEYSTONE_AUTH_URL (or cloud.keystone.authUrl)',
    );
  const simulator = config.cloud.simulator;
  if (config.cloud.kind === 'simulated' && simulator.scenario === undefined) {
    if (!['diurnal', 'flat', 'noisy', 'planetlab'].includes(String(simulator.loadPattern)))
      problems.push(
        `cloud.simulator.loadPattern${where('cloud.simulator.loadPattern')}: must be diurnal, flat, noisy or planetlab`,
      );
    if (simulator.loadPattern === 'planetlab' && simulator.planetlabDir === undefined)
      problems.push(
        'cloud.simulator.planetlabDir: required with loadPattern planetlab (a folder or CSV of PlanetLab traces)',
      );
  }
  return problems;
}

/** The schema node at a JSON pointer, to name the allowed values of a union of literals. */
function schemaAt(pointer: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = ConfigSchema as SchemaNode;
  for (const part of pointer.split('/').filter(Boolean))
    node = /^\d+$/.test(part) ? node?.items : node?.properties?.[part];
  return node;
}

/** defaults ← file ← environment ← overrides; throws ConfigError listing every problem. */
export function loadConfig(
  options: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {},
): StewardConfig {
  const env = options.env ?? process.env;
  const raw: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  const file = options.file ?? env.STEWARD_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError([
        `cannot read config file ${file}: ${error instanceof Error ? error.message : String(error)}`,
      ]);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ConfigError([`config file ${file}: must hold a JSON object`]);
    Object.assign(raw, parsed);
    for (const path of leafPaths(parsed, '')) origins.set(path, `in ${file}`);
  }
  for (const [variable, path] of Object.entries(ENVIRONMENT)) {
    const value = env[variable];
    if (value !== undefined && value !== '')
      setPath(raw, path, coerce(path, value), origins, `from ${variable}`);
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined)
      setPath(
        raw,
        path,
        typeof value === 'string' ? coerce(path, value) : value,
        origins,
        'from the command line',
      );
  }
  // An unknown section (`databse: {…}`) has no origin of its own; its leaves do.
  const where = (path: string) => {
    const origin = origins.get(path) ?? [...origins].find(([known]) => known.startsWith(`${path}.`))?.[1];
    return origin ? ` (${origin})` : '';
  };
  const problems = takeUnknownKeys(raw, ConfigSchema as SchemaNode, '', where);
  const withDefaults = Value.Default(ConfigSchema, raw);
  // A union reports one error per branch; one line per field is what an operator needs.
  const byPath = new Map<string, string>();
  for (const error of Value.Errors(ConfigSchema, withDefaults)) {
    const pointer = error.instancePath || '/';
    if (byPath.has(pointer)) continue;
    // A bad list item (`roles: ["web"]`) is named by its list, where its origin is recorded.
    const field = pointer
      .split('/')
      .filter((part) => part !== '' && !/^\d+$/.test(part))
      .join('.');
    let value: unknown = withDefaults;
    for (const part of pointer.split('/').filter(Boolean)) value = (value as Record<string, unknown>)[part];
    const allowed = schemaAt(pointer)
      ?.anyOf?.map((branch) => branch.const)
      .filter((option) => option !== undefined);
    const message =
      error.keyword === 'const' || error.keyword === 'anyOf'
        ? `must be one of ${(allowed ?? []).map(String).join(', ')}`
        : error.message;
    byPath.set(pointer, `${field} = ${JSON.stringify(value)}${where(field)}: ${message}`);
  }
  problems.push(...byPath.values());
  // Defaults fill every object, so the coherence checks can read a config whose leaves are still wrong.
  const config = withDefaults as StewardConfig;
  problems.push(...incoherences(config, where));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export function runs(config: StewardConfig, role: Exclude<Role, 'all'>): boolean {
  return config.roles.includes('all') || config.roles.includes(role);
}
