import type { Command } from 'commander';
import type { PatchOp } from '../contract/client.js';
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

const COLUMNS = ['uuid', 'name', 'goal_name', 'strategy_name'];

export function registerAuditTemplateCommands(program: Command): void {
  const template = program.command('audittemplate').description('Audit templates');
  addListOptions(template.command('list'))
    .option('--goal <goal>')
    .option('--strategy <strategy>')
    .description('List audit templates')
    .action(
      action(async (options: ListOptions & { goal?: string; strategy?: string }, command: Command) => {
        await printList(
          await fetchList(
            clientOf(command),
            'audit_templates',
            { goal: options.goal, strategy: options.strategy },
            options,
          ),
          COLUMNS,
          outputOf(command),
          options,
        );
      }),
    );
  addColumnOption(template.command('show <template>'))
    .description('Show an audit template by uuid or name')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('audit_templates', id), outputOf(command)),
      ),
    );
  addColumnOption(template.command('create <name> <goal>'))
    .option('-s, --strategy <strategy>')
    .option('-d, --description <text>')
    .option('--scope <json>', 'audit scope as JSON')
    .option(
      '-p, --default-parameter <key=value>',
      'default audit parameter (API 1.7), repeatable',
      collectParameter,
    )
    .description('Create an audit template')
    .action(
      action(
        async (
          name: string,
          goal: string,
          options: {
            strategy?: string;
            description?: string;
            scope?: string;
            defaultParameter?: Record<string, unknown>;
          },
          command: Command,
        ) => {
          const body = {
            name,
            goal,
            ...(options.strategy && { strategy: options.strategy }),
            ...(options.description && { description: options.description }),
            ...(options.scope && { scope: parseScope(options.scope) }),
            ...(options.defaultParameter && { default_parameters: options.defaultParameter }),
          };
          await printOne(await clientOf(command).create('audit_templates', body), outputOf(command));
        },
      ),
    );
  addColumnOption(template.command('update <template> <ops...>'))
    .description('Update with op path=value pairs, e.g. `replace name=new-name` or `remove strategy`')
    .action(
      action(async (id: string, ops: string[], _options: object, command: Command) => {
        await printOne(
          await clientOf(command).update('audit_templates', id, toPatch(ops)),
          outputOf(command),
        );
      }),
    );
  template
    .command('delete <template...>')
    .description('Delete audit templates')
    .action(
      action(async (ids: string[], _options: object, command: Command) => {
        for (const id of ids) await clientOf(command).delete('audit_templates', id);
      }),
    );
}

/** `replace name=x state=CANCELLED` / `remove strategy` → RFC 6902 operations (watcherclient's syntax). */
export function toPatch(words: readonly string[]): PatchOp[] {
  const [op, ...pairs] = words;
  if (op !== 'add' && op !== 'replace' && op !== 'remove')
    throw new UsageError(`the first word must be add, replace or remove, got ${op ?? 'nothing'}`);
  return pairs.map((pair) => {
    if (op === 'remove') return { op, path: `/${pair.replace(/^\//, '')}` };
    const index = pair.indexOf('=');
    if (index <= 0) throw new UsageError(`expected path=value, got ${pair}`);
    const raw = pair.slice(index + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    return { op, path: `/${pair.slice(0, index).replace(/^\//, '')}`, value };
  });
}

function parseScope(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--scope must be JSON: ${(error as Error).message}`);
  }
}
