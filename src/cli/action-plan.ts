import type { Command } from 'commander';
import { watchActionPlan, WATCH_EXIT } from './action-plan-watch.js';
import { toPatch } from './audit-template.js';
import { action, clientOf, globalsOf } from './context.js';
import { isColourWanted } from '../lib/colour.js';
import { printList, printOne } from './output.js';

export function registerActionPlanCommands(program: Command): void {
  const plan = program.command('actionplan').description('Action plans');
  plan
    .command('list')
    .option('--audit <uuid>')
    .description('List action plans')
    .action(
      action(async (options: { audit?: string }, command: Command) => {
        printList(
          await clientOf(command).list('action_plans', { audit_uuid: options.audit }),
          ['uuid', 'audit_uuid', 'state', 'strategy_name', 'global_efficacy'],
          globalsOf(command).format,
        );
      }),
    );
  plan
    .command('show <plan>')
    .description('Show an action plan')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('action_plans', id), globalsOf(command).format),
      ),
    );
  plan
    .command('start <plan>')
    .description('Start a RECOMMENDED action plan')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).startActionPlan(id), globalsOf(command).format),
      ),
    );
  plan
    .command('watch <plan>')
    .description("Show the plan's actions and their states live until the plan ends")
    .option('-i, --interval <seconds>', 'seconds between polls of the API', '2')
    .addHelpText(
      'after',
      [
        '',
        'On a terminal the table is redrawn in place (colours unless NO_COLOR is set); otherwise one line is',
        'printed per state change. Ctrl-C stops watching; the plan goes on.',
        '',
        'Exit status:',
        `  ${WATCH_EXIT.SUCCEEDED}    the plan SUCCEEDED`,
        `  ${WATCH_EXIT.ERROR}    the API answered an error (no such plan) or could not be reached`,
        `  ${WATCH_EXIT.FAILED}    the plan FAILED`,
        `  ${WATCH_EXIT.CANCELLED}    the plan was CANCELLED`,
        `  ${WATCH_EXIT.SUPERSEDED}    the plan was SUPERSEDED (it never runs)`,
        `  ${WATCH_EXIT.INTERRUPTED}  interrupted (Ctrl-C or SIGTERM)`,
      ].join('\n'),
    )
    .action(
      action(async (id: string, options: { interval: string }, command: Command) => {
        const seconds = Number(options.interval);
        if (!(seconds > 0) || !Number.isFinite(seconds)) {
          process.stderr.write(
            `ERROR: --interval must be a positive number of seconds, got ${options.interval}\n`,
          );
          process.exitCode = WATCH_EXIT.ERROR;
          return;
        }
        const stop = new AbortController();
        const onSignal = (): void => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const out = process.stdout;
        try {
          process.exitCode = await watchActionPlan({
            client: clientOf(command),
            planId: id,
            intervalMs: seconds * 1000,
            out: {
              write: (text) => void out.write(text),
              isTTY: out.isTTY,
              size: () => ({ rows: out.rows, columns: out.columns }),
            },
            color: isColourWanted(out.isTTY, process.env),
            signal: stop.signal,
          });
          if (stop.signal.aborted)
            process.stderr.write(`Stopped watching; the plan goes on (steward actionplan show ${id}).\n`);
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      }),
    );
  plan
    .command('update <plan> <ops...>')
    .description('Update with op path=value pairs')
    .action(
      action(async (id: string, ops: string[], _options: object, command: Command) => {
        printOne(await clientOf(command).update('action_plans', id, toPatch(ops)), globalsOf(command).format);
      }),
    );
  plan
    .command('cancel <plan>')
    .description('Cancel an action plan (CANCELLED, or CANCELLING while it runs)')
    .action(
      action(async (id: string, _options: object, command: Command) => {
        const client = clientOf(command);
        const current = await client.show('action_plans', id);
        const state = current.state === 'ONGOING' ? 'CANCELLING' : 'CANCELLED';
        printOne(
          await client.update('action_plans', id, [{ op: 'replace', path: '/state', value: state }]),
          globalsOf(command).format,
        );
      }),
    );
  plan
    .command('delete <plan...>')
    .description('Delete action plans')
    .action(
      action(async (ids: string[], _options: object, command: Command) => {
        for (const id of ids) await clientOf(command).delete('action_plans', id);
      }),
    );

  const actions = program.command('action').description('Actions of action plans');
  actions
    .command('list')
    .option('--action-plan <uuid>')
    .option('--audit <uuid>')
    .description('List actions')
    .action(
      action(async (options: { actionPlan?: string; audit?: string }, command: Command) => {
        printList(
          await clientOf(command).list('actions', {
            action_plan_uuid: options.actionPlan,
            audit_uuid: options.audit,
          }),
          ['uuid', 'action_type', 'state', 'parents', 'status_message'],
          globalsOf(command).format,
        );
      }),
    );
  actions
    .command('show <action>')
    .description('Show an action')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('actions', id), globalsOf(command).format),
      ),
    );
  actions
    .command('skip <action>')
    .option('-r, --reason <text>', 'why the action is skipped (shown in status_message)')
    .description('Skip a PENDING action of a plan that has not started (API 1.5)')
    .action(
      action(async (id: string, options: { reason?: string }, command: Command) => {
        printOne(await clientOf(command).skipAction(id, options.reason), globalsOf(command).format);
      }),
    );
  actions
    .command('update <action>')
    .requiredOption('--state <state>', 'only SKIPPED is accepted')
    .option('--reason <text>')
    .description('Update an action (API 1.5): --state SKIPPED --reason …')
    .action(
      action(async (id: string, options: { state: string; reason?: string }, command: Command) => {
        const patch = [{ op: 'replace' as const, path: '/state', value: options.state }];
        if (options.reason !== undefined)
          patch.push({ op: 'replace', path: '/status_message', value: options.reason });
        printOne(await clientOf(command).update('actions', id, patch), globalsOf(command).format);
      }),
    );
}
