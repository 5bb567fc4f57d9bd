/**
 * `steward keystone register`: puts Steward's API in a Keystone service catalog (service type `infra-optim`, one
 * endpoint per interface), so `openstack optimize …` with a password finds it as it finds Watcher. Credentials come
 * from the usual `OS_*` variables or the matching options; the user needs the admin role.
 */
import { Option, type Command } from 'commander';
import type { EndpointInterface } from '../cloud/keystone.js';
import { isStewardError } from '../errors.js';

interface RegisterOptions {
  url: string;
  region: string;
  interface: EndpointInterface[];
  name: string;
  osAuthUrl?: string;
  osUsername?: string;
  osPassword?: string;
  osProjectName?: string;
  osUserDomainName: string;
  osProjectDomainName: string;
}

const INTERFACES: readonly EndpointInterface[] = ['public', 'internal', 'admin'];

/**
 * The URL python-watcherclient (Horizon's watcher-dashboard) calls for a catalog endpoint: its
 * `_trim_endpoint_api_version` does `url.rstrip('/').rstrip('/v1')`, which strips every trailing '/', 'v' and '1'
 * character, not the suffix `/v1`: `http://host:9321` becomes `http://host:932`.
 */
export function watcherclientEndpoint(url: string): string {
  return url.replace(/\/+$/, '').replace(/[/v1]+$/, '');
}

export function registerKeystoneCommands(program: Command): void {
  const keystone = program.command('keystone').description('Steward in a Keystone service catalog');
  keystone
    .command('register')
    .description(
      'Create (or update) the infra-optim service and its endpoints in Keystone, so clients find Steward through the catalog',
    )
    .requiredOption('--url <url>', 'Steward API base URL as clients reach it, without /v1')
    .option(
      '--region <region>',
      'catalog region (created when missing)',
      process.env.OS_REGION_NAME ?? 'RegionOne',
    )
    .addOption(
      new Option('--interface <interface...>', 'endpoint interfaces')
        .choices(INTERFACES)
        .default([...INTERFACES]),
    )
    .option('--name <name>', 'service name (Watcher registers "watcher")', 'watcher')
    .option('--os-auth-url <url>', 'Keystone v3 URL (OS_AUTH_URL)', process.env.OS_AUTH_URL)
    .option('--os-username <name>', 'admin user (OS_USERNAME)', process.env.OS_USERNAME)
    .option('--os-password <password>', 'its password (OS_PASSWORD)', process.env.OS_PASSWORD)
    .option('--os-project-name <name>', 'project scope (OS_PROJECT_NAME)', process.env.OS_PROJECT_NAME)
    .option(
      '--os-user-domain-name <name>',
      'user domain (OS_USER_DOMAIN_NAME)',
      process.env.OS_USER_DOMAIN_NAME ?? 'Default',
    )
    .option(
      '--os-project-domain-name <name>',
      'project domain (OS_PROJECT_DOMAIN_NAME)',
      process.env.OS_PROJECT_DOMAIN_NAME ?? 'Default',
    )
    .action(async (options: RegisterOptions) => {
      const missing = (
        [
          ['--os-auth-url', options.osAuthUrl],
          ['--os-username', options.osUsername],
          ['--os-password', options.osPassword],
          ['--os-project-name', options.osProjectName],
        ] as const
      )
        .filter(([, value]) => !value)
        .map(([flag]) => flag);
      if (missing.length > 0) {
        process.stderr.write(`ERROR: missing ${missing.join(', ')} (or the matching OS_* variables)\n`);
        process.exitCode = 2;
        return;
      }
      // Loaded when the command runs: the HTTP client brings the logger, which other commands start without.
      const [{ createJsonRequester }, { createKeystoneSession }, { registerInCatalog }] = await Promise.all([
        import('../cloud/http.js'),
        import('../cloud/keystone.js'),
        import('../cloud/keystone-catalog.js'),
      ]);
      const http = createJsonRequester({ timeoutMs: 30_000, retries: 1 });
      const session = createKeystoneSession({
        auth: {
          authUrl: options.osAuthUrl!,
          username: options.osUsername!,
          password: options.osPassword!,
          projectName: options.osProjectName!,
          userDomainName: options.osUserDomainName,
          projectDomainName: options.osProjectDomainName,
        },
        http,
      });
      const reached = watcherclientEndpoint(options.url);
      if (reached !== options.url.replace(/\/+$/, ''))
        process.stderr.write(
          `WARNING: python-watcherclient (Horizon's watcher-dashboard) would call ${reached} for ${options.url}: ` +
            `it strips every trailing '1', 'v' and '/' from catalog URLs. The openstack CLI is not affected; for ` +
            `Horizon, serve Steward on a port (or path) that does not end in 1 or v.\n`,
        );
      try {
        const changes = await registerInCatalog(
          { session, http, identityUrl: options.osAuthUrl! },
          {
            url: options.url,
            region: options.region,
            interfaces: options.interface,
            serviceName: options.name,
          },
        );
        for (const change of changes) {
          const previous = change.outcome === 'updated' ? ` (was ${change.previousUrl})` : '';
          process.stdout.write(`${change.kind} ${change.what}: ${change.outcome}${previous}\n`);
        }
      } catch (error) {
        if (!isStewardError(error)) throw error;
        process.stderr.write(`ERROR: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}
