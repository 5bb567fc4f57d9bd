/**
 * The datasources Steward knows, with how far each is supported. Only Prometheus is implemented: upstream's other
 * backends are listed so configuration naming them fails with a clear message instead of "unknown".
 */
import { createRegistry } from '../lib/registry.js';
import type { Logger } from '../observability/logger.js';
import type { MetricsSource } from './metrics-source.js';
import { createPrometheusSource } from './prometheus.js';

export type SupportLevel = 'core' | 'experimental' | 'unsupported';

export interface DatasourceConfig {
  baseUrl?: string;
  hostLabel?: string;
  instanceLabel?: string;
  domainLabel?: string;
  timeoutMs?: number;
}

export interface DatasourceDefinition {
  readonly name: string;
  readonly support: SupportLevel;
  readonly description: string;
  readonly create?: (config: DatasourceConfig, logger: Logger) => MetricsSource;
}

export const datasources = createRegistry<DatasourceDefinition>('datasource', [
  {
    name: 'prometheus',
    support: 'core',
    description: 'Prometheus HTTP API (node_exporter, libvirt exporter, Ceilometer publisher)',
    create: (config, logger) => {
      if (!config.baseUrl)
        throw new RangeError('datasource prometheus needs a baseUrl (e.g. http://127.0.0.1:9090)');
      return createPrometheusSource({
        baseUrl: config.baseUrl,
        ...(config.hostLabel ? { hostLabel: config.hostLabel } : {}),
        ...(config.instanceLabel ? { instanceLabel: config.instanceLabel } : {}),
        ...(config.domainLabel ? { domainLabel: config.domainLabel } : {}),
        ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
        logger,
      });
    },
  },
  { name: 'gnocchi', support: 'unsupported', description: 'Gnocchi (upstream default); not implemented' },
  {
    name: 'grafana',
    support: 'unsupported',
    description: 'Grafana proxy with per-metric translators; not implemented',
  },
  {
    name: 'monasca',
    support: 'unsupported',
    description: 'Monasca, removed upstream in 2026.1; not implemented',
  },
]);

/** Builds the named datasource, or throws naming what is supported. */
export function createDatasource(name: string, config: DatasourceConfig, logger: Logger): MetricsSource {
  const definition = datasources.require(name);
  if (!definition.create) {
    const supported = datasources.all.filter((entry) => entry.create).map((entry) => entry.name);
    throw new RangeError(
      `datasource ${name} is not supported by Steward; use one of: ${supported.join(', ')}`,
    );
  }
  return definition.create(config, logger);
}

export type { MetricsSource } from './metrics-source.js';
