/** The `steward` command: `serve`, and resource commands that speak HTTP to a running Steward. */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { registerActionPlanCommands } from './action-plan.js';
import { registerAuditCommands } from './audit.js';
import { registerAuditTemplateCommands } from './audit-template.js';
import { registerCatalogCommands } from './catalog.js';
import { registerCompletionCommand } from './completion.js';
import { registerKeystoneCommands } from './keystone.js';
import { FORMATS } from './output.js';
import { registerServeCommand } from './serve.js';
import { registerSimulatorCommand } from './simulator.js';

/** The package's version; src/cli/ and dist/cli/ are both two levels below package.json. */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

const ENVIRONMENT_HELP = `
Environment:
  STEWARD_ENDPOINT     the API endpoint (--endpoint)
  STEWARD_API_VERSION  the microversion to request (--api-version)
  OS_TOKEN             a Keystone token sent as X-Auth-Token (--token)
  NO_COLOR             no colours, even on a terminal (colours are only ever used on one)
  TERM=dumb            the same
  STEWARD_FROM_SOURCE  1: run the TypeScript sources even when dist/ is built and current
  steward serve --help lists what the service reads (STEWARD_CONFIG, STEWARD_LOG_FORMAT, …).

Output: -f table|json|yaml|value|csv and -c COLUMN (repeatable) as the openstack client takes them;
lists take --limit, --marker, --sort-key, --sort-dir and --detail.`;

export function createProgram(): Command {
  const program = new Command('steward')
    .description('Steward: cloud resource optimization for OpenStack (Watcher-compatible)')
    .version(version(), '-V, --version', 'print the version')
    .option(
      '--endpoint <url>',
      'Steward API endpoint (also STEWARD_ENDPOINT)',
      process.env.STEWARD_ENDPOINT ?? 'http://127.0.0.1:9322',
    )
    .option(
      '--api-version <version>',
      'infra-optim microversion to request (also STEWARD_API_VERSION)',
      process.env.STEWARD_API_VERSION ?? 'latest',
    )
    .option('--os-infra-optim-api-version <version>', 'same as --api-version (the openstack client spelling)')
    .option('--token <token>', 'Keystone token (X-Auth-Token; also OS_TOKEN)', process.env.OS_TOKEN)
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table'))
    .addHelpText('after', ENVIRONMENT_HELP);
  registerServeCommand(program);
  registerSimulatorCommand(program);
  registerCatalogCommands(program);
  registerAuditTemplateCommands(program);
  registerAuditCommands(program);
  registerActionPlanCommands(program);
  registerKeystoneCommands(program);
  registerCompletionCommand(program);
  return program;
}
