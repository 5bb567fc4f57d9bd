import { Type } from 'typebox';
import {
  AUDIT_STATES,
  AUDIT_TYPES,
  MICROVERSION,
  type AuditState,
  type AuditType,
} from '../../contract/states.js';
import { auditStates } from '../../decision-engine/audit-states.js';
import { validateInterval } from '../../decision-engine/schedule.js';
import { conflict, invalid, notFound } from '../../errors.js';
import type { AuditRecord } from '../../store/records.js';
import type { AuditChanges } from '../../store/store.js';
import { requestContext, type ApiInstance, type RouteDeps } from '../app.js';
import { formatTimestamp } from '../links.js';
import { toAuditResource, type View } from '../mappers.js';
import { requireMicroversion } from '../microversion.js';
import { nextLink, toPageQuery } from '../pagination.js';
import { applyPatch, type PatchOperation } from '../patch.js';
import { judgeScopeNames } from '../scope.js';
import { requireNoParametersOf, validateStrategyParameters } from '../strategy-parameters.js';
import { resolveGoalAndStrategy } from './audit-templates.js';
import { withNext } from './catalog.js';
import { IdParams, NoBody, PageQuerystring, ParameterMap, PatchBody, Ref, responds } from './schemas.js';
import { Audit, AuditPage } from '../../contract/resources.js';

const ListQuery = Type.Object(
  { ...PageQuerystring, goal: Type.Optional(Ref()), strategy: Type.Optional(Ref()) },
  { additionalProperties: false },
);

const CreateBody = Type.Object(
  {
    audit_type: Type.String({ maxLength: 20 }),
    audit_template_uuid: Type.Optional(Ref({ minLength: 1 })),
    goal: Type.Optional(Ref({ minLength: 1 })),
    strategy: Type.Optional(Type.Union([Ref({ minLength: 1 }), Type.Null()])),
    name: Type.Optional(Type.Union([Ref({ minLength: 1 }), Type.Null()])),
    parameters: Type.Optional(ParameterMap()),
    // Upstream's interval column is String(36): seconds or a cron expression.
    interval: Type.Optional(Type.Union([Type.String({ maxLength: 36 }), Type.Integer(), Type.Null()])),
    auto_trigger: Type.Optional(Type.Boolean()),
    start_time: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    end_time: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    force: Type.Optional(Type.Boolean()),
    force_refresh: Type.Optional(Type.Boolean()),
    // Accepted and ignored as upstream, which documents scope/state/hostname as read-only on create.
    scope: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

function parseTime(field: string, value: string | null | undefined): Date | null {
  if (value === undefined || value === null || value === '') return null;
  const normalised = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`;
  const date = new Date(normalised);
  if (Number.isNaN(date.getTime()))
    throw invalid(`Invalid ${field}: ${value} is not an ISO 8601 date and time`, { [field]: value });
  return date;
}

function normaliseInterval(value: string | number | null | undefined): string | null {
  if (value === undefined || value === null || value === '') return null;
  const interval = String(value).trim();
  try {
    validateInterval(interval);
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error), { interval }, 'INVALID_INTERVAL');
  }
  return interval;
}

export function registerAuditRoutes(app: ApiInstance, deps: RouteDeps): void {
  const { store, config, clock } = deps;

  for (const view of ['list', 'detail'] as View[]) {
    const suffix = view === 'detail' ? '/detail' : '';
    app.get(
      `/v1/audits${suffix}`,
      { schema: { querystring: ListQuery, response: responds(200, AuditPage) } },
      async (request) => {
        const ctx = { ...requestContext(request, deps), view };
        const query = request.query;
        const filters: { goalId?: number; strategyId?: number } = {};
        if (query.goal !== undefined) filters.goalId = (await store.goals.find(query.goal))?.id ?? -1;
        if (query.strategy !== undefined)
          filters.strategyId = (await store.strategies.find(query.strategy))?.id ?? -1;
        const page = toPageQuery(query, config.maxLimit, filters);
        // The list view reads only the columns it shows; /detail reads whole audits.
        const [audits, resources] =
          view === 'list'
            ? await store.audits
                .listSummaries(page)
                .then(
                  (rows) => [rows, rows.map((audit) => toAuditResource(audit, { ...ctx, view }))] as const,
                )
            : await store.audits
                .list(page)
                .then((rows) => [rows, rows.map((audit) => toAuditResource(audit, ctx))] as const);
        return withNext(
          { audits: resources },
          nextLink(ctx.baseUrl, `audits${suffix}`, page, audits, {
            goal: query.goal,
            strategy: query.strategy,
          }),
        );
      },
    );
  }

  app.get(
    '/v1/audits/:id',
    { schema: { params: IdParams, response: responds(200, Audit) } },
    async (request) => {
      const { id } = request.params;
      const audit = await store.audits.find(id);
      if (!audit) throw notFound('Audit', id);
      return toAuditResource(audit, { ...requestContext(request, deps), view: 'detail' });
    },
  );

  app.post(
    '/v1/audits',
    { schema: { body: CreateBody, response: responds(201, Audit) } },
    async (request, reply) => {
      const body = request.body;
      const ctx = requestContext(request, deps);
      if (body.start_time != null || body.end_time != null)
        requireMicroversion(ctx.version, MICROVERSION.START_END_TIMING, 'start_time and end_time');
      if (body.force !== undefined) requireMicroversion(ctx.version, MICROVERSION.FORCE, 'force');
      if (!(AUDIT_TYPES as readonly string[]).includes(body.audit_type)) {
        throw invalid(`Audit type ${body.audit_type} could not be found`, { audit_type: body.audit_type });
      }
      const auditType = body.audit_type as AuditType;
      if (body.audit_template_uuid === undefined && body.goal === undefined) {
        throw invalid('A valid goal or audit_template_id must be provided', {});
      }
      if (body.audit_template_uuid !== undefined && body.goal !== undefined) {
        throw invalid('Either audit_template_uuid or goal should be provided.', {});
      }
      const interval = normaliseInterval(body.interval);
      if (auditType === 'ONESHOT' && interval !== null)
        throw invalid('Interval of audit must not be set for ONESHOT.', {});
      if (auditType === 'CONTINUOUS' && interval === null)
        throw invalid('Interval of audit must be specified for CONTINUOUS.', {});
      const startTime = parseTime('start_time', body.start_time);
      const endTime = parseTime('end_time', body.end_time);
      if (auditType === 'ONESHOT' && (startTime || endTime))
        throw invalid('Start or End time of audit must not be set for ONESHOT.', {});
      if (startTime && endTime && endTime <= startTime)
        throw invalid('end_time must be later than start_time', {});

      let goalRef = body.goal;
      let strategyRef = body.strategy ?? undefined;
      let scope: unknown[] = [];
      let defaults: Record<string, unknown> = {};
      let templateName: string | undefined;
      if (body.audit_template_uuid !== undefined) {
        const template = await store.auditTemplates.find(body.audit_template_uuid);
        if (!template)
          throw invalid('The audit template UUID or name specified is invalid', {
            audit_template_uuid: body.audit_template_uuid,
          });
        goalRef = template.goalUuid;
        strategyRef ??= template.strategyUuid ?? undefined;
        scope = template.scope;
        defaults = template.defaultParameters ?? {};
        templateName = template.name;
      }
      const { goal, strategy, chosen } = await resolveGoalAndStrategy(store, goalRef!, strategyRef);
      requireNoParametersOf(goal.name, chosen);
      // The template's scope was checked when it was stored; its hosts may have gone since.
      const scopeNote = judgeScopeNames(scope.length > 0 ? deps.checkScope?.(scope) : undefined);
      const given = { ...defaults, ...(body.parameters ?? {}) };
      let parameters: Record<string, unknown> = {};
      if (strategy) {
        parameters = validateStrategyParameters(strategy.name, strategy.parametersSpec, given);
      } else if (Object.keys(given).length > 0) {
        throw invalid(
          'Specify parameters but no predefined strategy for audit, or no parameter spec in predefined strategy',
          {},
          'INVALID_PARAMETERS',
        );
      }
      const name = (
        body.name ?? `${strategy?.name ?? templateName ?? goal.name}-${clock.now().toISOString()}`
      ).slice(0, 63);

      // One statement (insert + names), so no transaction around it: BEGIN and COMMIT would double the round trips.
      const audit = await store.audits.create({
        name,
        auditType,
        state: 'PENDING',
        parameters,
        interval,
        goalId: goal.id,
        strategyId: strategy?.id ?? null,
        scope,
        autoTrigger: body.auto_trigger ?? false,
        nextRunTime: null,
        startTime,
        endTime,
        force: body.force ?? false,
        forceRefresh: body.force_refresh ?? false,
        ...(scopeNote !== undefined && { statusMessage: scopeNote }),
      });
      if (auditType === 'ONESHOT') await deps.engine.triggerAudit(audit.uuid);
      reply.code(201).header('Location', `${ctx.baseUrl}/v1/audits/${audit.uuid}`);
      return toAuditResource(audit, { ...ctx, view: 'detail' });
    },
  );

  app.patch(
    '/v1/audits/:id',
    { schema: { params: IdParams, body: PatchBody, response: responds(200, Audit) } },
    async (request) => {
      const { id } = request.params;
      const operations = request.body as PatchOperation[];
      const ctx = requestContext(request, deps);
      let resumed: AuditRecord | undefined;
      const updated = await store.transaction(async (tx) => {
        // Locked until commit: concurrent PATCHes of one audit are judged one after the other.
        const audit = await tx.audits.findForUpdate(id);
        if (!audit) throw notFound('Audit', id);
        const document = {
          name: audit.name,
          state: audit.state as string,
          parameters: audit.parameters,
          interval: audit.interval,
          auto_trigger: audit.autoTrigger,
          start_time: formatTimestamp(audit.startTime),
          end_time: formatTimestamp(audit.endTime),
          force: audit.force,
          force_refresh: audit.forceRefresh,
        };
        const patched = applyPatch(document, operations, {
          readOnly: [
            '/audit_template_uuid',
            '/audit_type',
            '/status_message',
            '/hostname',
            '/goal_uuid',
            '/goal_name',
            '/strategy_uuid',
            '/strategy_name',
            '/scope',
            '/next_run_time',
          ],
          patchable: [
            '/name',
            '/state',
            '/parameters',
            '/interval',
            '/auto_trigger',
            '/start_time',
            '/end_time',
            '/force',
            '/force_refresh',
          ],
        });
        const changes: AuditChanges = {};
        if (patched.state !== audit.state) {
          if (
            typeof patched.state !== 'string' ||
            !(AUDIT_STATES as readonly string[]).includes(patched.state)
          ) {
            throw invalid(`Invalid state: ${String(patched.state)}`, { state: patched.state });
          }
          const target = patched.state as AuditState;
          if (target === 'DELETED' || !auditStates.canTransition(audit.state, target)) {
            throw conflict(
              `Couldn't apply patch '${JSON.stringify(operations)}'. Reason: State transition not allowed: (${audit.state} -> ${target})`,
              'INVALID_STATE_TRANSITION',
              { from: audit.state, to: target },
            );
          }
          changes.state = target;
        }
        if (patched.name !== audit.name) {
          if (typeof patched.name !== 'string' || patched.name === '' || patched.name.length > 63) {
            throw invalid(
              'Invalid input for field/attribute name: a non-empty string of at most 63 characters is required',
              {},
              'INVALID_PATCH',
            );
          }
          changes.name = patched.name;
        }
        if (JSON.stringify(patched.parameters) !== JSON.stringify(audit.parameters)) {
          if (
            typeof patched.parameters !== 'object' ||
            patched.parameters === null ||
            Array.isArray(patched.parameters)
          ) {
            throw invalid(
              'Invalid input for field/attribute parameters: an object is required',
              {},
              'INVALID_PATCH',
            );
          }
          const strategy = audit.strategyName ? await tx.strategies.find(audit.strategyName) : undefined;
          if (!strategy && Object.keys(patched.parameters).length > 0) {
            throw invalid(
              'Specify parameters but no predefined strategy for audit, or no parameter spec in predefined strategy',
              {},
              'INVALID_PARAMETERS',
            );
          }
          changes.parameters = strategy
            ? validateStrategyParameters(strategy.name, strategy.parametersSpec, patched.parameters)
            : {};
        }
        if (patched.interval !== audit.interval) {
          const interval = normaliseInterval(patched.interval);
          if (audit.auditType === 'ONESHOT' && interval !== null)
            throw invalid('Interval of audit must not be set for ONESHOT.', {});
          if (audit.auditType === 'CONTINUOUS' && interval === null)
            throw invalid('Interval of audit must be specified for CONTINUOUS.', {});
          changes.interval = interval;
          changes.nextRunTime = null;
        }
        for (const [field, key] of [
          ['auto_trigger', 'autoTrigger'],
          ['force', 'force'],
          ['force_refresh', 'forceRefresh'],
        ] as const) {
          if (patched[field] !== document[field]) {
            if (typeof patched[field] !== 'boolean')
              throw invalid(
                `Invalid input for field/attribute ${field}: a boolean is required`,
                {},
                'INVALID_PATCH',
              );
            changes[key] = patched[field];
          }
        }
        for (const [field, key] of [
          ['start_time', 'startTime'],
          ['end_time', 'endTime'],
        ] as const) {
          if (patched[field] !== document[field]) {
            requireMicroversion(ctx.version, MICROVERSION.START_END_TIMING, field);
            changes[key] = parseTime(field, patched[field]);
          }
        }
        const result = await tx.audits.update(audit.uuid, changes);
        if (changes.state === 'ONGOING' && audit.state === 'SUSPENDED') resumed = result;
        return result;
      });
      if (resumed && resumed.auditType !== 'CONTINUOUS') await deps.engine.triggerAudit(resumed.uuid);
      return toAuditResource(updated, { ...ctx, view: 'detail' });
    },
  );

  app.delete(
    '/v1/audits/:id',
    { schema: { params: IdParams, response: responds(204, NoBody) } },
    async (request, reply) => {
      const { id } = request.params;
      await store.transaction(async (tx) => {
        const audit = await tx.audits.findForUpdate(id);
        if (!audit) throw notFound('Audit', id);
        if (!auditStates.canTransition(audit.state, 'DELETED')) {
          throw conflict(`Couldn't delete when state is '${audit.state}'.`, 'INVALID_STATE_TRANSITION', {
            state: audit.state,
          });
        }
        await tx.audits.softDelete(audit.uuid);
      });
      return reply.code(204).send(null);
    },
  );
}
