/** The `steward` command: `serve`, and resource commands that speak HTTP to a running Steward. */
import { Command, Option } from 'commander';
import { registerActionPlanCommands } from './action-plan.js';
import { registerAuditCommands } from './audit.js';
import { registerAuditTemplateCommands } from './audit-template.js';
import { registerCatalogCommands } from './catalog.js';
import { registerKeystoneCommands } from './keystone.js';
import { registerServeCommand } from './serve.js';
import { registerSimulatorCommand } from './simulator.js';

export function createProgram(): Command {
  const program = new Command('steward')
    .description('Steward: cloud resource optimization for OpenStack (Watcher-compatible)')
    .option(
      '--endpoint <url>',
      'Steward API endpoint',
      process.env.STEWARD_ENDPOINT ?? 'http://127.0.0.1:9322',
    )
    .option(
      '--api-version <version>',
      'infra-optim microversion to request',
      process.env.STEWARD_API_VERSION ?? 'latest',
    )
    .option('--os-infra-optim-api-version <version>', 'same as --api-version (the openstack client spelling)')
    .option('--token <token>', 'Keystone token (X-Auth-Token)', process.env.OS_TOKEN)
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'),
    );
  registerServeCommand(program);
  registerSimulatorCommand(program);
  registerCatalogCommands(program);
  registerAuditTemplateCommands(program);
  registerAuditCommands(program);
  registerActionPlanCommands(program);
  registerKeystoneCommands(program);
  return program;
}
