import type { Command } from 'commander';
import { toPatch } from './audit-template.js';
import { action, clientOf, collectParameter, globalsOf } from './context.js';
import { printList, printOne } from './output.js';

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
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('Audits');
  audit
    .command('list')
    .option('--goal <goal>')
    .option('--strategy <strategy>')
    .description('List audits')
    .action(
      action(async (options: { goal?: string; strategy?: string }, command: Command) => {
        printList(
          await clientOf(command).list('audits', { goal: options.goal, strategy: options.strategy }),
          COLUMNS,
          globalsOf(command).format,
        );
      }),
    );
  audit
    .command('show <audit>')
    .description('Show an audit by uuid or name')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('audits', id), globalsOf(command).format),
      ),
    );
  audit
    .command('create')
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
        printOne(await clientOf(command).create('audits', body), globalsOf(command).format);
      }),
    );
  audit
    .command('update <audit> <ops...>')
    .description('Update with op path=value pairs, e.g. `replace state=CANCELLED`')
    .action(
      action(async (id: string, ops: string[], _options: object, command: Command) => {
        printOne(await clientOf(command).update('audits', id, toPatch(ops)), globalsOf(command).format);
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
