import { ACTION_PARAMETERS } from '../../contract/actions.js';
import { StewardError } from '../../errors.js';
import { defineActionType, ok, skip } from '../action-type.js';
import { requireCloud, waitForServer } from './wait-for.js';

export const MIGRATION_TIMEOUT_MS = 15 * 60 * 1000;

/**
 * Live or cold migration of an instance, to a destination or wherever the scheduler puts it. Skipped when the
 * instance is gone or no longer on the source node (someone already moved it).
 */
export const migrate = defineActionType({
  name: 'migrate',
  parameters: ACTION_PARAMETERS.migrate,
  abortable: true,
  describe: (p) =>
    `${p.migration_type} migrate ${p.resource_id} from ${p.source_node} to ${p.destination_node ?? 'a host the scheduler picks'}`,
  async check(ctx, p) {
    const { compute } = requireCloud(ctx);
    const server = await compute.getServer(p.resource_id);
    if (!server) return skip(`instance ${p.resource_id} was not found`);
    if (server.hostname !== p.source_node)
      return skip(`instance ${p.resource_id} is on ${server.hostname ?? 'no host'}, not on ${p.source_node}`);
    if (p.migration_type === 'live' && server.status !== 'ACTIVE') {
      throw new StewardError(
        'conflict',
        'CONFLICT',
        `instance ${p.resource_id} is ${server.status}: live migration needs ACTIVE`,
      );
    }
    if (p.destination_node) {
      const services = await compute.listServices({ binary: 'nova-compute', host: p.destination_node });
      const service = services[0];
      if (!service)
        throw new StewardError(
          'not_found',
          'RESOURCE_NOT_FOUND',
          `destination host ${p.destination_node} was not found`,
        );
      if (service.status !== 'enabled') {
        throw new StewardError('conflict', 'CONFLICT', `destination host ${p.destination_node} is disabled`);
      }
    }
    return ok;
  },
  async execute(ctx, p) {
    const { compute } = requireCloud(ctx);
    const destination = p.destination_node ?? null;
    if (p.migration_type === 'live')
      await compute.liveMigrate(p.resource_id, { host: destination, blockMigration: 'auto' });
    else await compute.migrate(p.resource_id, { host: destination });
    await waitForServer(
      ctx,
      compute,
      p.resource_id,
      { operation: 'migration', doing: 'migrating', timeoutMs: MIGRATION_TIMEOUT_MS, intervalMs: 1000 },
      (server) =>
        server.hostname !== p.source_node &&
        (destination === null || server.hostname === destination) &&
        server.taskState === null,
    );
  },
  async revert(ctx, p) {
    const { compute } = requireCloud(ctx);
    const server = await compute.getServer(p.resource_id);
    if (!server || server.hostname === p.source_node) return;
    if (p.migration_type === 'live')
      await compute.liveMigrate(p.resource_id, { host: p.source_node, blockMigration: 'auto' });
    else await compute.migrate(p.resource_id, { host: p.source_node });
  },
});
