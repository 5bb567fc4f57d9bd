import { ACTION_PARAMETERS } from '../../contract/actions.js';
import { StewardError } from '../../errors.js';
import type { Server } from '../../cloud/ports.js';
import { defineActionType, ok, skip } from '../action-type.js';
import { isMoving, requireCloud, waitForServer } from './wait-for.js';

/**
 * Live or cold migration of an instance, to a destination or wherever the scheduler puts it. Skipped when the
 * instance is gone or no longer on the source node (someone already moved it). Waits at most the configured
 * migration timeout scaled by the instance's memory. Abortable: an aborted live migration is aborted in Nova
 * (`DELETE /servers/{id}/migrations/{mid}`), which rolls the guest back to its source; a cold migration, which
 * Nova cannot abort, is waited for and confirmed so the instance is not left in VERIFY_RESIZE.
 */
export const migrate = defineActionType({
  name: 'migrate',
  parameters: ACTION_PARAMETERS.migrate,
  abortable: true,
  describe: (p) =>
    `${p.migration_type} migrate ${p.resource_name ? `${p.resource_name} (${p.resource_id})` : p.resource_id} from ${p.source_node} to ${p.destination_node ?? 'a host the scheduler picks'}`,
  async check(ctx, p) {
    const { compute } = requireCloud(ctx);
    const server = await compute.getServer(p.resource_id);
    if (!server) return skip(`instance ${p.resource_id} was not found`);
    // A move already under way (an applier died while waiting for it): execute only waits for it.
    if (isMoving(server)) return ok;
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
    const server = await compute.getServer(p.resource_id);
    const moved = (moving: Server) =>
      moving.hostname !== p.source_node &&
      (destination === null || moving.hostname === destination) &&
      moving.taskState === null;
    // Idempotent: a server already moved, or still moving or awaiting confirmation (an interrupted run), is only waited for.
    const started = server !== undefined && (moved(server) || isMoving(server));
    if (!started) {
      if (p.migration_type === 'live')
        await compute.liveMigrate(p.resource_id, { host: destination, blockMigration: 'auto' });
      else await compute.migrate(p.resource_id, { host: destination });
    }
    const options = {
      operation: 'migration',
      doing: 'migrating',
      timeoutMs: ctx.timeoutMs({ memoryMb: server?.flavor.memoryMb ?? 0 }),
      intervalMs: 1000,
    };
    if (p.migration_type === 'cold') {
      await waitForServer(
        { ...ctx, signal: new AbortController().signal },
        compute,
        p.resource_id,
        options,
        moved,
      );
      return;
    }
    try {
      await waitForServer(ctx, compute, p.resource_id, options, moved);
    } catch (error) {
      if (!ctx.signal.aborted) throw error;
      for (const migration of await compute.listServerMigrations(p.resource_id)) {
        if (migration.migrationType === 'live-migration' && migration.status === 'running')
          await compute.abortLiveMigration(p.resource_id, migration.id);
      }
      throw error;
    }
  },
  /** Post-condition: Nova shows the instance ACTIVE or SHUTOFF, off its source, on the destination when one was given. */
  async verify(ctx, p) {
    const { compute } = requireCloud(ctx);
    const server = await compute.getServer(p.resource_id);
    if (!server)
      throw new StewardError(
        'not_found',
        'RESOURCE_NOT_FOUND',
        `instance ${p.resource_id} is gone after its migration`,
      );
    const destination = p.destination_node ?? null;
    if (server.hostname === p.source_node || (destination !== null && server.hostname !== destination))
      throw new StewardError(
        'conflict',
        'CONFLICT',
        `instance ${p.resource_id} is on ${server.hostname ?? 'no host'} after its migration from ${p.source_node}${destination ? ` to ${destination}` : ''}`,
      );
    if (server.status !== 'ACTIVE' && server.status !== 'SHUTOFF')
      throw new StewardError(
        'conflict',
        'CONFLICT',
        `instance ${p.resource_id} is ${server.status} after its migration`,
      );
  },
  reflected(model, p) {
    const instance = model.getInstance(p.resource_id);
    if (!instance) return false;
    const destination = p.destination_node ?? null;
    return instance.hostname !== p.source_node && (destination === null || instance.hostname === destination);
  },
  modelInstances: (p) => [p.resource_id],
  /** Moves the instance back to its source node and waits until it is there. */
  async revert(ctx, p) {
    const { compute } = requireCloud(ctx);
    const server = await compute.getServer(p.resource_id);
    if (!server || server.hostname === p.source_node) return;
    if (p.migration_type === 'live')
      await compute.liveMigrate(p.resource_id, { host: p.source_node, blockMigration: 'auto' });
    else await compute.migrate(p.resource_id, { host: p.source_node });
    await waitForServer(
      ctx,
      compute,
      p.resource_id,
      {
        operation: 'migration back',
        doing: 'migrating back',
        timeoutMs: ctx.timeoutMs({ memoryMb: server.flavor.memoryMb }),
        intervalMs: 1000,
      },
      (moving) => moving.hostname === p.source_node && moving.taskState === null,
    );
  },
});
