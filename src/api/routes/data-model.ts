import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { MICROVERSION } from '../../contract/states.js';
import { invalid, StewardError } from '../../errors.js';
import { requestContext, type ApiInstance, type RouteDeps } from '../app.js';
import { requireMicroversion } from '../microversion.js';
import { Ref, responds } from './schemas.js';
import { DataModel, DataModelRefresh } from '../../contract/resources.js';

const Query = Type.Object(
  { data_model_type: Type.Optional(Ref()), audit_uuid: Type.Optional(Ref()) },
  { additionalProperties: false },
);

const RefreshQuery = Type.Object({ data_model_type: Type.Optional(Ref()) }, { additionalProperties: false });

/** The checks both data-model routes share (their policy rules are in route-policies.ts): microversion ≥ 1.3, and the only model type there is. */
function dataModelRequest(request: FastifyRequest, deps: RouteDeps) {
  const { version } = requestContext(request, deps);
  requireMicroversion(version, MICROVERSION.DATA_MODEL, 'the data model API');
  const type = (request.query as { data_model_type?: string }).data_model_type ?? 'compute';
  if (type !== 'compute') {
    throw new StewardError('not_found', 'RESOURCE_NOT_FOUND', `The ${type} data model could not be found`, {
      details: { data_model_type: type },
    });
  }
  return { version, type };
}

/** `GET /v1/data_model` (≥ 1.3): flat rows of the compute model, scoped by an audit when given. */
export function registerDataModelRoutes(app: ApiInstance, deps: RouteDeps): void {
  app.get(
    '/v1/data_model',
    { schema: { querystring: Query, response: responds(200, DataModel) } },
    async (request) => {
      const { version } = dataModelRequest(request, deps);
      const query = request.query;
      let scope: readonly unknown[] | undefined;
      if (query.audit_uuid !== undefined) {
        const audit = await deps.store.audits.find(query.audit_uuid);
        if (!audit)
          throw invalid(`Audit ${query.audit_uuid} could not be found`, { audit_uuid: query.audit_uuid });
        scope = audit.scope;
      }
      const rows = await deps.engine.dataModel({
        ...(scope && { scope }),
        extended: version.minor >= MICROVERSION.EXT_COMPUTE_MODEL,
      });
      return { context: rows };
    },
  );

  // Steward's extension (the 2025.2 operators' "refresh on its own"): re-read the cloud now, answer when done.
  app.post(
    '/v1/data_model/refresh',
    { schema: { querystring: RefreshQuery, response: responds(200, DataModelRefresh) } },
    async (request) => {
      const { type } = dataModelRequest(request, deps);
      const refreshed = await deps.engine.refreshDataModel();
      return {
        data_model_type: type,
        synced_at: refreshed.syncedAt?.toISOString() ?? null,
        compute_nodes: refreshed.computeNodes,
        instances: refreshed.instances,
      };
    },
  );
}
