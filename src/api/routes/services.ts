import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { notFound } from '../../errors.js';
import type { ServiceRecord } from '../../store/records.js';
import { requestContext, type RouteDeps } from '../app.js';
import { toServiceResource, type View } from '../mappers.js';
import { nextLink, toPageQuery } from '../pagination.js';
import { withNext } from './catalog.js';
import { IdParams, PageQuerystring } from './schemas.js';

const Paging = Type.Object(PageQuerystring, { additionalProperties: false });

export function registerServiceRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { store, config, clock } = deps;
  const statusOf = (service: ServiceRecord): 'ACTIVE' | 'FAILED' => {
    const seen = service.lastSeenUp ?? service.updatedAt ?? service.createdAt;
    return clock.now().getTime() - seen.getTime() <= config.serviceDownTimeSeconds * 1000
      ? 'ACTIVE'
      : 'FAILED';
  };

  for (const view of ['list', 'detail'] as View[]) {
    const suffix = view === 'detail' ? '/detail' : '';
    app.get(`/v1/services${suffix}`, { schema: { querystring: Paging } }, async (request) => {
      const ctx = { ...requestContext(request, deps), view };
      const page = toPageQuery(request.query as Static<typeof Paging>, config.maxLimit);
      const services = await store.services.list(page);
      return withNext(
        { services: services.map((service) => toServiceResource(service, ctx, statusOf(service))) },
        nextLink(ctx.baseUrl, `services${suffix}`, page, services, {}, (row) => String(row.id)),
      );
    });
  }

  app.get('/v1/services/:id', { schema: { params: IdParams } }, async (request) => {
    const { id } = request.params as Static<typeof IdParams>;
    const service = await store.services.find(id);
    if (!service) throw notFound('Service', id);
    return toServiceResource(
      service,
      { ...requestContext(request, deps), view: 'detail' },
      statusOf(service),
    );
  });
}
