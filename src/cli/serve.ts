/** `steward serve`: its options and help; what it runs lives in serve-run.ts, loaded only when it runs. */
import type { Command } from 'commander';
import { ENVIRONMENT } from '../config/environment.js';
import type { ServeOptions } from './serve-run.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Run Steward: API, decision engine and applier (embedded defaults: PGlite under ./data, in-process bus)',
    )
    .option('-c, --config <file>', 'JSON config file (also STEWARD_CONFIG)')
    .option('--roles <roles>', 'comma-separated: all, api, decision-engine, applier (also STEWARD_ROLES)')
    .option('--role <roles>', 'the same as --roles')
    .option('--port <port>', 'API port')
    .option('--database <url>', 'pglite:<dir> or postgres://…')
    .option(
      '--log-format <format>',
      'auto (readable on a terminal, JSON otherwise), pretty or json (also STEWARD_LOG_FORMAT)',
    )
    .addHelpText('after', () => environmentHelp())
    .action(async (options: ServeOptions) => {
      // Loaded when the command runs: the service is most of the code, and the API commands start faster without it.
      const { runServe } = await import('./serve-run.js');
      await runServe(options);
    });
}

/** Every variable `steward serve` reads, with the setting it stands for (docs/configuration.md has them all). */
function environmentHelp(): string {
  const width = Math.max(...Object.keys(ENVIRONMENT).map((name) => name.length));
  return [
    '',
    'Environment (a config file, then these, then the options above; docs/configuration.md):',
    '  STEWARD_CONFIG'.padEnd(width + 4) + 'the config file (--config)',
    ...Object.entries(ENVIRONMENT).map(([name, path]) => `  ${name.padEnd(width + 2)}${path}`),
    '  NO_COLOR'.padEnd(width + 4) + 'no colours in readable logs',
  ].join('\n');
}
