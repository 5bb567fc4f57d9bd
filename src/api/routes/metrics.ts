import type { ApiInstance, RouteDeps } from '../app.js';

/** Prometheus exposition of Steward's own metrics. */
export function registerMetricsRoute(app: ApiInstance, deps: RouteDeps): void {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('Content-Type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
