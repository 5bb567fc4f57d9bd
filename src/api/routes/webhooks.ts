import { Type } from 'typebox';
import { invalid, notFound } from '../../errors.js';
import type { ApiInstance, RouteDeps } from '../app.js';
import { IdParams, NoBody, responds } from './schemas.js';

/**
 * `POST /v1/webhooks/{audit}` runs an EVENT audit (202). Unlike upstream's optional check
 * (`enable_webhooks_auth`), the policy `webhook:trigger` (route-policies.ts) is always enforced, in Keystone mode on a
 * validated token: an unauthenticated trigger would let anyone start audits.
 */
export function registerWebhookRoutes(app: ApiInstance, deps: RouteDeps): void {
  app.post(
    '/v1/webhooks/:id',
    { schema: { params: IdParams, body: Type.Optional(Type.Unknown()), response: responds(202, NoBody) } },
    async (request, reply) => {
      const { id } = request.params;
      const audit = await deps.store.audits.find(id);
      if (!audit) throw notFound('Audit', id);
      if (audit.auditType !== 'EVENT')
        throw invalid(`Audit type ${audit.auditType} is disallowed.`, { audit_type: audit.auditType });
      if (audit.state !== 'PENDING' && audit.state !== 'SUCCEEDED')
        throw invalid(`Audit state ${audit.state} is disallowed.`, { state: audit.state });
      await deps.engine.triggerAudit(audit.uuid);
      return reply.code(202).send(null);
    },
  );
}
