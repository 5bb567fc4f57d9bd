/**
 * A typed client of Steward's (and Watcher's) v1 API over `fetch`. Isomorphic: the CLI and the web dashboard
 * use it. Errors decode Watcher's double-encoded body into one readable message.
 */
import { readWatcherFault } from './error-body.js';
import type {
  ActionPlanResource,
  ActionResource,
  AdminDashboardResource,
  Collection,
  DataModelRefreshResource,
  DataModelRowResource,
  ResourceOf,
  StrategyStateResource,
  TenantDashboardResource,
} from './resources.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  endpoint: string;
  /** e.g. '1.7' or 'latest'. */
  microversion?: string;
  token?: string;
  fetch?: typeof fetch;
}

export type Json = Record<string, unknown>;
export type PatchOp = { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown };

export class StewardClient {
  readonly #endpoint: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    this.#endpoint = options.endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.#headers = {
      Accept: 'application/json',
      'OpenStack-API-Version': `infra-optim ${options.microversion ?? 'latest'}`,
      ...(options.token !== undefined && { 'X-Auth-Token': options.token }),
    };
    this.#fetch = options.fetch ?? fetch;
  }

  async request<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const response = await this.#fetch(`${this.#endpoint}${path}`, {
      method,
      headers: {
        ...this.#headers,
        ...headers,
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : safeJson(text);
    if (!response.ok) {
      const fault = readWatcherFault(parsed) ?? (text || response.statusText);
      throw new ApiError(response.status, fault, response.headers.get('x-openstack-request-id'));
    }
    return parsed as T;
  }

  list<C extends Collection>(
    resource: C,
    query: Record<string, string | number | undefined> = {},
    detail = true,
  ): Promise<ResourceOf[C][]> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const suffix = detail ? '/detail' : '';
    const search = params.size > 0 ? `?${params.toString()}` : '';
    return this.request<Page<C>>('GET', `/v1/${resource}${suffix}${search}`).then(
      (body) => body[resource] ?? [],
    );
  }

  /** Every page of a list: pages stop at the server's max_limit and name the next one by its marker. */
  async listAll<C extends Collection>(
    resource: C,
    query: Record<string, string | number | undefined> = {},
    detail = true,
  ): Promise<ResourceOf[C][]> {
    const rows: ResourceOf[C][] = [];
    let marker: string | undefined;
    for (;;) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query))
        if (value !== undefined) params.set(key, String(value));
      if (marker !== undefined) params.set('marker', marker);
      const search = params.size > 0 ? `?${params.toString()}` : '';
      const body = await this.request<Page<C>>('GET', `/v1/${resource}${detail ? '/detail' : ''}${search}`);
      const page = body[resource] ?? [];
      rows.push(...page);
      const next = body.next === undefined ? null : new URL(body.next).searchParams.get('marker');
      if (next === null || page.length === 0) return rows;
      marker = next;
    }
  }

  show<C extends Collection>(resource: C, id: string): Promise<ResourceOf[C]> {
    return this.request('GET', `/v1/${resource}/${encodeURIComponent(id)}`);
  }

  create<C extends 'audits' | 'audit_templates'>(resource: C, body: Json): Promise<ResourceOf[C]> {
    return this.request('POST', `/v1/${resource}`, body);
  }

  update<C extends Collection>(resource: C, id: string, patch: PatchOp[]): Promise<ResourceOf[C]> {
    return this.request('PATCH', `/v1/${resource}/${encodeURIComponent(id)}`, patch);
  }

  delete(resource: Collection, id: string): Promise<void> {
    return this.request<void>('DELETE', `/v1/${resource}/${encodeURIComponent(id)}`);
  }

  startActionPlan(id: string): Promise<ActionPlanResource> {
    return this.request('POST', `/v1/action_plans/${encodeURIComponent(id)}/start`);
  }

  skipAction(id: string, reason?: string): Promise<ActionResource> {
    const patch: PatchOp[] = [{ op: 'replace', path: '/state', value: 'SKIPPED' }];
    if (reason !== undefined) patch.push({ op: 'replace', path: '/status_message', value: reason });
    return this.update('actions', id, patch);
  }

  strategyState(id: string): Promise<StrategyStateResource[]> {
    return this.request('GET', `/v1/strategies/${encodeURIComponent(id)}/state`);
  }

  dataModel(query: { auditUuid?: string; type?: string } = {}): Promise<DataModelRowResource[]> {
    const params = new URLSearchParams({ data_model_type: query.type ?? 'compute' });
    if (query.auditUuid) params.set('audit_uuid', query.auditUuid);
    return this.request<{ context: DataModelRowResource[] }>(
      'GET',
      `/v1/data_model?${params.toString()}`,
    ).then((body) => body.context);
  }

  refreshDataModel(type = 'compute'): Promise<DataModelRefreshResource> {
    return this.request(
      'POST',
      `/v1/data_model/refresh?${new URLSearchParams({ data_model_type: type }).toString()}`,
      {},
    );
  }

  /** The admin utilisation dashboard (docs/dashboards.md): the cluster, or one `host`; `actionPlan` adds the hosts it would empty. */
  adminDashboard(
    query: { range?: string; host?: string; actionPlan?: string } = {},
  ): Promise<AdminDashboardResource> {
    return this.request(
      'GET',
      `/v1/dashboards/admin${search({ range: query.range, host: query.host, action_plan: query.actionPlan })}`,
    );
  }

  /**
   * The caller's project's utilisation dashboard, or one of its instances. `projectId` is upstream noauth's
   * `X-Project-Id` header, for a Steward without Keystone; with a token the token's project decides.
   */
  tenantDashboard(
    query: { range?: string; instance?: string; projectId?: string } = {},
  ): Promise<TenantDashboardResource> {
    return this.request(
      'GET',
      `/v1/dashboards/tenant${search({ range: query.range, instance: query.instance })}`,
      undefined,
      query.projectId === undefined ? {} : { 'X-Project-Id': query.projectId },
    );
  }

  triggerWebhook(auditId: string): Promise<void> {
    return this.request<void>('POST', `/v1/webhooks/${encodeURIComponent(auditId)}`, {});
  }
}

/** A list page as the API sends it: the rows under the collection's name, `next` when there are more. */
type Page<C extends Collection> = { [K in C]?: ResourceOf[C][] } & { next?: string };

/** `?a=1&b=2` of the parameters that are set, or nothing. */
function search(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  return params.size > 0 ? `?${params.toString()}` : '';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
