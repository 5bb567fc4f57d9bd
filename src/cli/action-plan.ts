import type { Command } from 'commander';
import { watchActionPlan, WATCH_EXIT } from './action-plan-watch.js';
import { toPatch } from './audit-template.js';
import { isColourWanted } from '../lib/colour.js';
import { action, addListOptions, clientOf, fetchList, uuidOf, type ListOptions } from './context.js';
import { addColumnOption, outputOf, printList, printOne } from './output.js';
import { END_EXIT, waitUntilEnded } from './wait.js';

export function registerActionPlanCommands(program: Command): void {
  const plan = program.command('actionplan').description('Action plans');
  addListOptions(plan.command('list'))
    .option('--audit <audit>', 'only the plans of this audit (uuid or name)')
    .description('List action plans')
    .action(
      action(async (options: ListOptions & { audit?: string }, command: Command) => {
        const client = clientOf(command);
        const audit = await uuidOf(client, 'audits', options.audit);
        await printList(
          await fetchList(client, 'action_plans', { audit_uuid: audit }, options),
          ['uuid', 'audit_uuid', 'state', 'strategy_name', 'global_efficacy'],
          outputOf(command),
          options,
        );
      }),
    );
  addColumnOption(plan.command('show <plan>'))
    .description('Show an action plan')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('action_plans', id), outputOf(command)),
      ),
    );
  addColumnOption(plan.command('start <plan>'))
    .option(
      '--wait',
      'wait until the plan ends and print it then; exit 0 SUCCEEDED, 2 FAILED, 3 CANCELLED (watch shows progress)',
    )
    .description('Start a RECOMMENDED action plan')
    .action(
      action(async (id: string, options: { wait?: boolean }, command: Command) => {
        const client = clientOf(command);
        const started = await client.startActionPlan(id);
        if (!options.wait) return printOne(started, outputOf(command));
        const ended = await waitUntilEnded(() => client.show('action_plans', String(started.uuid)));
        await printOne(ended, outputOf(command));
        process.exitCode = END_EXIT[String(ended.state)] ?? 1;
      }),
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
  addColumnOption(plan.command('update <plan> <ops...>'))
    .description('Update with op path=value pairs')
    .action(
      action(async (id: string, ops: string[], _options: object, command: Command) => {
        await printOne(await clientOf(command).update('action_plans', id, toPatch(ops)), outputOf(command));
      }),
    );
  addColumnOption(plan.command('cancel <plan>'))
    .description('Cancel an action plan (CANCELLED, or CANCELLING while it runs)')
    .action(
      action(async (id: string, _options: object, command: Command) => {
        const client = clientOf(command);
        const current = await client.show('action_plans', id);
        const state = current.state === 'ONGOING' ? 'CANCELLING' : 'CANCELLED';
        await printOne(
          await client.update('action_plans', id, [{ op: 'replace', path: '/state', value: state }]),
          outputOf(command),
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
  addListOptions(actions.command('list'))
    .option('--action-plan <uuid>')
    .option('--audit <audit>', 'only the actions of this audit (uuid or name)')
    .description('List actions')
    .action(
      action(async (options: ListOptions & { actionPlan?: string; audit?: string }, command: Command) => {
        const client = clientOf(command);
        const audit = await uuidOf(client, 'audits', options.audit);
        await printList(
          await fetchList(
            client,
            'actions',
            { action_plan_uuid: options.actionPlan, audit_uuid: audit },
            options,
          ),
          ['uuid', 'action_type', 'state', 'parents', 'status_message'],
          outputOf(command),
          options,
        );
      }),
    );
  addColumnOption(actions.command('show <action>'))
    .description('Show an action')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('actions', id), outputOf(command)),
      ),
    );
  addColumnOption(actions.command('skip <action>'))
    .option('-r, --reason <text>', 'why the action is skipped (shown in status_message)')
    .description('Skip a PENDING action of a plan that has not started (API 1.5)')
    .action(
      action(async (id: string, options: { reason?: string }, command: Command) => {
        await printOne(await clientOf(command).skipAction(id, options.reason), outputOf(command));
      }),
    );
  addColumnOption(actions.command('update <action>'))
    .requiredOption('--state <state>', 'only SKIPPED is accepted')
    .option('--reason <text>')
    .description('Update an action (API 1.5): --state SKIPPED --reason …')
    .action(
      action(async (id: string, options: { state: string; reason?: string }, command: Command) => {
        const patch = [{ op: 'replace' as const, path: '/state', value: options.state }];
        if (options.reason !== undefined)
          patch.push({ op: 'replace', path: '/status_message', value: options.reason });
        await printOne(await clientOf(command).update('actions', id, patch), outputOf(command));
      }),
    );
}
