/** goal, strategy, scoringengine, service, datamodel: read-only nouns. */
import type { Command } from 'commander';
import { action, addListOptions, clientOf, fetchList, type ListOptions } from './context.js';
import { addColumnOption, outputOf, printList, printOne } from './output.js';

export function registerCatalogCommands(program: Command): void {
  const goal = program.command('goal').description('Optimization goals');
  addListOptions(goal.command('list'))
    .description('List goals')
    .action(
      action(async (options: ListOptions, command: Command) => {
        await printList(
          await fetchList(clientOf(command), 'goals', {}, options),
          ['uuid', 'name', 'display_name'],
          outputOf(command),
          options,
        );
      }),
    );
  addColumnOption(goal.command('show <goal>'))
    .description('Show a goal by uuid or name')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('goals', id), outputOf(command)),
      ),
    );

  const strategy = program.command('strategy').description('Strategies');
  addListOptions(strategy.command('list'))
    .option('--goal <goal>', 'only strategies of this goal')
    .description('List strategies')
    .action(
      action(async (options: ListOptions & { goal?: string }, command: Command) => {
        await printList(
          await fetchList(clientOf(command), 'strategies', { goal: options.goal }, options),
          ['uuid', 'name', 'display_name', 'goal_name'],
          outputOf(command),
          options,
        );
      }),
    );
  addColumnOption(strategy.command('show <strategy>'))
    .description('Show a strategy and its parameters')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('strategies', id), outputOf(command)),
      ),
    );
  addColumnOption(strategy.command('state <strategy>'))
    .description('Datasource, metrics and model readiness of a strategy')
    .action(
      action(async (id: string, _options: object, command: Command) => {
        await printList(
          await clientOf(command).strategyState(id),
          ['type', 'state', 'mandatory', 'comment'],
          outputOf(command),
        );
      }),
    );

  const scoring = program.command('scoringengine').description('Scoring engines');
  addListOptions(scoring.command('list'))
    .description('List scoring engines')
    .action(
      action(async (options: ListOptions, command: Command) => {
        await printList(
          await fetchList(clientOf(command), 'scoring_engines', {}, options),
          ['uuid', 'name', 'description'],
          outputOf(command),
          options,
        );
      }),
    );
  addColumnOption(scoring.command('show <engine>'))
    .description('Show a scoring engine')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('scoring_engines', id), outputOf(command)),
      ),
    );

  const service = program.command('service').description('Steward processes and their heartbeats');
  addListOptions(service.command('list'))
    .description('List services')
    .action(
      action(async (options: ListOptions, command: Command) => {
        await printList(
          await fetchList(clientOf(command), 'services', {}, options),
          ['id', 'name', 'host', 'status', 'last_seen_up'],
          outputOf(command),
          options,
        );
      }),
    );
  addColumnOption(service.command('show <service>'))
    .description('Show a service by id or name')
    .action(
      action(async (id: string, _options: object, command: Command) =>
        printOne(await clientOf(command).show('services', id), outputOf(command)),
      ),
    );

  const dataModel = program.command('datamodel').description('The cluster data model');
  addColumnOption(dataModel.command('list'))
    .option('--audit <uuid>', 'only the scope of this audit')
    .option('--type <type>', 'data model type', 'compute')
    .option('--detail', 'show every field, not only the usual columns')
    .description('List the compute data model (hosts and instances)')
    .action(
      action(async (options: { audit?: string; type: string; detail?: boolean }, command: Command) => {
        const rows = await clientOf(command).dataModel({
          type: options.type,
          ...(options.audit && { auditUuid: options.audit }),
        });
        await printList(
          rows,
          ['node_hostname', 'node_state', 'node_status', 'server_uuid', 'server_name', 'server_state'],
          outputOf(command),
          options,
        );
      }),
    );
  addColumnOption(dataModel.command('refresh'))
    .option('--type <type>', 'data model type', 'compute')
    .description('Re-read the cloud into the data model now, and wait until it is done')
    .action(
      action(async (options: { type: string }, command: Command) => {
        await printOne(await clientOf(command).refreshDataModel(options.type), outputOf(command));
      }),
    );
}
