/** goal, strategy, scoringengine: read-only nouns. */
import type { Command } from 'commander';
import { action, clientOf, globalsOf } from './context.js';
import { printList, printOne } from './output.js';

export function registerCatalogCommands(program: Command): void {
  const goal = program.command('goal').description('Optimization goals');
  goal
    .command('list')
    .description('List goals')
    .action(
      action(async (_options: object, command: Command) => {
        printList(
          await clientOf(command).list('goals'),
          ['uuid', 'name', 'display_name'],
          globalsOf(command).format,
        );
      }),
    );
  goal
    .command('show <goal>')
    .description('Show a goal by uuid or name')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('goals', id), globalsOf(command).format),
      ),
    );

  const strategy = program.command('strategy').description('Strategies');
  strategy
    .command('list')
    .option('--goal <goal>', 'only strategies of this goal')
    .description('List strategies')
    .action(
      action(async (options: { goal?: string }, command: Command) => {
        printList(
          await clientOf(command).list('strategies', { goal: options.goal }),
          ['uuid', 'name', 'display_name', 'goal_name'],
          globalsOf(command).format,
        );
      }),
    );
  strategy
    .command('show <strategy>')
    .description('Show a strategy and its parameters')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('strategies', id), globalsOf(command).format),
      ),
    );
  strategy
    .command('state <strategy>')
    .description('Datasource, metrics and model readiness of a strategy')
    .action(
      action(async (id: string, _options: object, command: Command) => {
        printList(
          await clientOf(command).strategyState(id),
          ['type', 'state', 'mandatory', 'comment'],
          globalsOf(command).format,
        );
      }),
    );

  const scoring = program.command('scoringengine').description('Scoring engines');
  scoring
    .command('list')
    .description('List scoring engines')
    .action(
      action(async (_options: object, command: Command) => {
        printList(
          await clientOf(command).list('scoring_engines'),
          ['uuid', 'name', 'description'],
          globalsOf(command).format,
        );
      }),
    );
  scoring
    .command('show <engine>')
    .description('Show a scoring engine')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('scoring_engines', id), globalsOf(command).format),
      ),
    );

  const service = program.command('service').description('Steward processes and their heartbeats');
  service
    .command('list')
    .description('List services')
    .action(
      action(async (_options: object, command: Command) => {
        printList(
          await clientOf(command).list('services'),
          ['id', 'name', 'host', 'status', 'last_seen_up'],
          globalsOf(command).format,
        );
      }),
    );
  service
    .command('show <service>')
    .description('Show a service by id or name')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('services', id), globalsOf(command).format),
      ),
    );

  const dataModel = program.command('datamodel').description('The cluster data model');
  dataModel
    .command('list')
    .option('--audit <uuid>', 'only the scope of this audit')
    .option('--type <type>', 'data model type', 'compute')
    .description('List the compute data model (hosts and instances)')
    .action(
      action(async (options: { audit?: string; type: string }, command: Command) => {
        const rows = await clientOf(command).dataModel({
          type: options.type,
          ...(options.audit && { auditUuid: options.audit }),
        });
        printList(
          rows,
          ['node_hostname', 'node_state', 'node_status', 'server_uuid', 'server_name', 'server_state'],
          globalsOf(command).format,
        );
      }),
    );
  dataModel
    .command('refresh')
    .option('--type <type>', 'data model type', 'compute')
    .description('Re-read the cloud into the data model now, and wait until it is done')
    .action(
      action(async (options: { type: string }, command: Command) => {
        printOne(await clientOf(command).refreshDataModel(options.type), globalsOf(command).format);
      }),
    );
}
