import type { Command } from 'commander';
import { toPatch } from './audit-template.js';
import {
  action,
  addListOptions,
  clientOf,
  collectParameter,
  fetchList,
  type ListOptions,
} from './context.js';
import { addColumnOption, outputOf, printList, printOne } from './output.js';
import { UsageError } from './usage-error.js';
import { END_EXIT, waitUntilEnded } from './wait.js';

const COLUMNS = [
  'uuid',
  'name',
  'audit_type',
  'state',
  'goal_name',
  'strategy_name',
  'interval',
  'auto_trigger',
];

interface CreateOptions {
  type: string;
  goal?: string;
  strategy?: string;
  template?: string;
  name?: string;
  parameter?: Record<string, unknown>;
  interval?: string;
  autoTrigger?: boolean;
  force?: boolean;
  forceRefresh?: boolean;
  startTime?: string;
  endTime?: string;
  wait?: boolean;
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('Audits');
  addListOptions(audit.command('list'))
    .option('--goal <goal>')
    .option('--strategy <strategy>')
    .description('List audits')
    .action(
      action(async (options: ListOptions & { goal?: string; strategy?: string }, command: Command) => {
        await printList(
          await fetchList(
            clientOf(command),
            'audits',
            { goal: options.goal, strategy: options.strategy },
            options,
          ),
          COLUMNS,
          outputOf(command),
          options,
        );
      }),
    );
  addColumnOption(audit.command('show <audit>'))
    .description('Show an audit by uuid or name')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('audits', id), outputOf(command)),
      ),
    );
  addColumnOption(audit.command('create'))
    .option('-t, --type <type>', 'ONESHOT, CONTINUOUS or EVENT', 'ONESHOT')
    .option('-g, --goal <goal>')
    .option('-s, --strategy <strategy>')
    .option('-a, --template <template>', 'audit template uuid or name')
    .option('--name <name>')
    .option('-p, --parameter <key=value>', 'audit parameter, repeatable', collectParameter)
    .option('-i, --interval <interval>', 'seconds or a cron expression (CONTINUOUS)')
    .option('--auto-trigger', 'start the resulting action plan at once')
    .option('--force', 'run even if another action plan is ongoing')
    .option('--force-refresh', 'refresh the cluster model before the strategy runs')
    .option('--start-time <iso>')
    .option('--end-time <iso>')
    .option(
      '--wait',
      'wait until the (ONESHOT) audit ends and print it then; exit 0 SUCCEEDED, 2 FAILED, 3 CANCELLED',
    )
    .description('Create an audit')
    .action(
      action(async (options: CreateOptions, command: Command) => {
        const body = {
          audit_type: options.type,
          ...(options.goal && { goal: options.goal }),
          ...(options.strategy && { strategy: options.strategy }),
          ...(options.template && { audit_template_uuid: options.template }),
          ...(options.name && { name: options.name }),
          ...(options.parameter && { parameters: options.parameter }),
          ...(options.interval && { interval: options.interval }),
          ...(options.autoTrigger && { auto_trigger: true }),
          ...(options.force && { force: true }),
          ...(options.forceRefresh && { force_refresh: true }),
          ...(options.startTime && { start_time: options.startTime }),
          ...(options.endTime && { end_time: options.endTime }),
        };
        if (options.wait && options.type !== 'ONESHOT')
          throw new UsageError(
            `--wait waits for a ONESHOT audit to end; a ${options.type} audit runs until stopped`,
          );
        const client = clientOf(command);
        const created = await client.create('audits', body);
        if (!options.wait) return printOne(created, outputOf(command));
        const ended = await waitUntilEnded(() => client.show('audits', String(created.uuid)));
        await printOne(ended, outputOf(command));
        process.exitCode = END_EXIT[String(ended.state)] ?? 1;
      }),
    );
  addColumnOption(audit.command('update <audit> <ops...>'))
    .description('Update with op path=value pairs, e.g. `replace state=CANCELLED`')
    .action(
      action(async (id: string, ops: string[], _options: object, command: Command) => {
        await printOne(await clientOf(command).update('audits', id, toPatch(ops)), outputOf(command));
      }),
    );
  audit
    .command('delete <audit...>')
    .description('Delete audits')
    .action(
      action(async (ids: string[], _options: object, command: Command) => {
        for (const id of ids) await clientOf(command).delete('audits', id);
      }),
    );

  program
    .command('webhook')
    .description('EVENT audits')
    .command('trigger <audit>')
    .description('Run an EVENT audit now (POST /v1/webhooks/{audit})')
    .action(
      action(async (id: string, _options: object, command: Command) => {
        await clientOf(command).triggerWebhook(id);
        process.stdout.write(`triggered ${id}\n`);
      }),
    );
}
