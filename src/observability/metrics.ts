/**
 * Steward's own Prometheus metrics (`GET /metrics`). One registry per process; parts receive the `Metrics`
 * object from the composition root instead of touching a global.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly auditsTotal: Counter<'audit_type' | 'state'>;
  readonly auditDuration: Histogram<'strategy'>;
  readonly actionPlansTotal: Counter<'state'>;
  readonly actionsTotal: Counter<'action_type' | 'state'>;
  readonly actionDuration: Histogram<'action_type'>;
  readonly notificationsTotal: Counter<'event_type' | 'outcome'>;
  readonly modelSyncDuration: Histogram<'model'>;
  readonly modelElements: Gauge<'kind'>;
  readonly upstreamRequests: Counter<'service' | 'outcome'>;
  readonly modelResyncs: Counter<'model' | 'cause'>;
  readonly busReconnects: Counter;
  readonly dashboardCacheLookups: Counter<'result'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'steward_' });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'steward_http_requests_total',
      help: 'API requests by method, route and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'steward_http_request_duration_seconds',
      help: 'API request latency',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    auditsTotal: new Counter({
      name: 'steward_audits_total',
      help: 'Audit runs by type and final state',
      labelNames: ['audit_type', 'state'],
      registers,
    }),
    auditDuration: new Histogram({
      name: 'steward_audit_duration_seconds',
      help: 'Time from audit start to stored action plan, per strategy',
      labelNames: ['strategy'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    actionPlansTotal: new Counter({
      name: 'steward_action_plans_total',
      help: 'Action plans reaching a state',
      labelNames: ['state'],
      registers,
    }),
    actionsTotal: new Counter({
      name: 'steward_actions_total',
      help: 'Actions reaching a final state, by type',
      labelNames: ['action_type', 'state'],
      registers,
    }),
    actionDuration: new Histogram({
      name: 'steward_action_duration_seconds',
      help: 'Action execution time by type',
      labelNames: ['action_type'],
      buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
      registers,
    }),
    notificationsTotal: new Counter({
      name: 'steward_notifications_total',
      help: 'Nova and Cinder notifications received, by event type and outcome (applied, no_change, stale, duplicate, dropped_malformed, dropped_unknown, needs_resync, undecodable)',
      labelNames: ['event_type', 'outcome'],
      registers,
    }),
    modelSyncDuration: new Histogram({
      name: 'steward_model_sync_duration_seconds',
      help: 'Full cluster data model synchronisation time',
      labelNames: ['model'],
      buckets: [0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    modelElements: new Gauge({
      name: 'steward_model_elements',
      help: 'Elements in the cluster data model',
      labelNames: ['kind'],
      registers,
    }),
    dashboardCacheLookups: new Counter({
      name: 'steward_dashboard_cache_lookups_total',
      help: 'Range queries of the utilisation dashboards answered from memory (hit) or by the datasource (miss)',
      labelNames: ['result'],
      registers,
    }),
    upstreamRequests: new Counter({
      name: 'steward_upstream_requests_total',
      help: 'Calls to OpenStack services and Prometheus, by service and outcome',
      labelNames: ['service', 'outcome'],
      registers,
    }),
    modelResyncs: new Counter({
      name: 'steward_model_resyncs_total',
      help: 'On-demand full syncs of a live model, by model and cause (bus_reconnect: notifications may have been lost while the bus was down; needs_resync: a notification named an element the model lacks)',
      labelNames: ['model', 'cause'],
      registers,
    }),
    busReconnects: new Counter({
      name: 'steward_bus_reconnects_total',
      help: 'Times the RabbitMQ connection was re-established after it was lost (subscriptions re-attached)',
      registers,
    }),
  };
}
