import { Type } from 'typebox';
import { notFound } from '../../errors.js';
import type { ServiceRecord } from '../../store/records.js';
import { requestContext, type ApiInstance, type RouteDeps } from '../app.js';
import { toServiceResource, type View } from '../mappers.js';
import { nextLink, toPageQuery } from '../pagination.js';
import { withNext } from './catalog.js';
import { IdParams, PageQuerystring, responds } from './schemas.js';
import { Service, ServicePage } from '../../contract/resources.js';

const Paging = Type.Object(PageQuerystring, { additionalProperties: false });

export function registerServiceRoutes(app: ApiInstance, deps: RouteDeps): void {
  const { store, config, clock } = deps;
  const statusOf = (service: ServiceRecord): 'ACTIVE' | 'FAILED' => {
    const seen = service.lastSeenUp ?? service.updatedAt ?? service.createdAt;
    return clock.now().getTime() - seen.getTime() <= config.serviceDownTimeSeconds * 1000
      ? 'ACTIVE'
      : 'FAILED';
  };

  for (const view of ['list', 'detail'] as View[]) {
    const suffix = view === 'detail' ? '/detail' : '';
    app.get(
      `/v1/services${suffix}`,
      { schema: { querystring: Paging, response: responds(200, ServicePage) } },
      async (request) => {
        const ctx = { ...requestContext(request, deps), view };
        const page = toPageQuery(request.query, config.maxLimit);
        const services = await store.services.list(page);
        return withNext(
          { services: services.map((service) => toServiceResource(service, ctx, statusOf(service))) },
          nextLink(ctx.baseUrl, `services${suffix}`, page, services, {}, (row) => String(row.id)),
        );
      },
    );
  }

  app.get(
    '/v1/services/:id',
    { schema: { params: IdParams, response: responds(200, Service) } },
    async (request) => {
      const { id } = request.params;
      const service = await store.services.find(id);
      if (!service) throw notFound('Service', id);
      return toServiceResource(
        service,
        { ...requestContext(request, deps), view: 'detail' },
        statusOf(service),
      );
    },
  );
}
