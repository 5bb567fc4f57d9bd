import { MAX_MICROVERSION, MICROVERSION, MIN_MICROVERSION } from '../../contract/states.js';
import { RootDocument, VersionDocument } from '../../contract/resources.js';
import { requestContext, type ApiInstance, type RouteDeps } from '../app.js';
import { responds } from './schemas.js';

const LINKED_RESOURCES = [
  'audit_templates',
  'audits',
  'actions',
  'action_plans',
  'scoring_engines',
  'services',
] as const;

/** The version documents: `/` (public) and `/v1`. */
export function registerRootRoutes(app: ApiInstance, deps: RouteDeps): void {
  app.get('/', { schema: { response: responds(200, RootDocument) } }, (request) => {
    const { baseUrl } = requestContext(request, deps);
    const version = {
      id: 'v1',
      status: 'CURRENT',
      max_version: MAX_MICROVERSION,
      min_version: MIN_MICROVERSION,
      links: [{ href: `${baseUrl}/v1/`, rel: 'self' }],
    };
    return {
      name: 'OpenStack Watcher API',
      description:
        'Watcher is an OpenStack project which aims to improve physical resources usage through better VM placement.',
      versions: [version],
      default_version: version,
    };
  });

  app.get('/v1', { schema: { response: responds(200, VersionDocument) } }, (request) => {
    const { baseUrl, version } = requestContext(request, deps);
    const pair = (resource: string) => [
      { href: `${baseUrl}/v1/${resource}/`, rel: 'self' },
      { href: `${baseUrl}/${resource}/`, rel: 'bookmark' },
    ];
    const resources: string[] = [...LINKED_RESOURCES];
    if (version.minor >= MICROVERSION.DATA_MODEL) resources.splice(2, 0, 'data_model');
    if (version.minor >= MICROVERSION.WEBHOOK_API) resources.push('webhooks');
    return {
      id: 'v1',
      media_types: [{ base: 'application/json', type: 'application/vnd.openstack.watcher.v1+json' }],
      links: [
        { href: `${baseUrl}/v1/`, rel: 'self' },
        {
          href: 'http://docs.openstack.org/developer/watcher/dev/api-spec-v1.html',
          rel: 'describedby',
          type: 'text/html',
        },
      ],
      ...Object.fromEntries(resources.map((resource) => [resource, pair(resource)])),
    };
  });
}
