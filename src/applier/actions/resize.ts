import { ACTION_PARAMETERS } from '../../contract/actions.js';
import { StewardError } from '../../errors.js';
import { defineActionType, ok, skip } from '../action-type.js';
import { isMoving, requireCloud, waitForServer } from './wait-for.js';

/** Resizes an instance to a flavor (by name or id) and confirms the resize. */
export const resize = defineActionType({
  name: 'resize',
  parameters: ACTION_PARAMETERS.resize,
  abortable: false,
  describe: (p) => `Resize ${p.resource_id} to flavor ${p.flavor}`,
  async check(ctx, p) {
    const { compute } = requireCloud(ctx);
    const server = await compute.getServer(p.resource_id);
    if (!server) return skip(`instance ${p.resource_id} was not found`);
    const flavor = await compute.findFlavor(p.flavor);
    if (!flavor)
      throw new StewardError('not_found', 'RESOURCE_NOT_FOUND', `flavor ${p.flavor} was not found`);
    if (server.flavor.name === flavor.name)
      return skip(`instance ${p.resource_id} already has flavor ${flavor.name}`);
    return ok;
  },
  /** Post-condition: Nova shows the instance with the new flavor, its resize confirmed. */
  async verify(ctx, p) {
    const { compute } = requireCloud(ctx);
    const server = await compute.getServer(p.resource_id);
    const flavor = await compute.findFlavor(p.flavor);
    if (!server || !flavor)
      throw new StewardError(
        'not_found',
        'RESOURCE_NOT_FOUND',
        `${server ? `flavor ${p.flavor}` : `instance ${p.resource_id}`} is gone after the resize`,
      );
    if (server.flavor.name !== flavor.name || server.status === 'VERIFY_RESIZE')
      throw new StewardError(
        'conflict',
        'CONFLICT',
        `instance ${p.resource_id} has flavor ${server.flavor.name} (${server.status}) after its resize to ${flavor.name}`,
      );
  },
  reflected(model, p) {
    const flavor = model.getInstance(p.resource_id)?.flavor;
    return flavor !== undefined && (flavor.name === p.flavor || flavor.id === p.flavor);
  },
  modelInstances: (p) => [p.resource_id],
  async execute(ctx, p) {
    const { compute } = requireCloud(ctx);
    const flavor = await compute.findFlavor(p.flavor);
    if (!flavor)
      throw new StewardError('not_found', 'RESOURCE_NOT_FOUND', `flavor ${p.flavor} was not found`);
    const server = await compute.getServer(p.resource_id);
    // Idempotent: a server already of that flavor, or resizing or awaiting confirmation (an interrupted run), is only waited for.
    const started = server !== undefined && (server.flavor.name === flavor.name || isMoving(server));
    if (!started) await compute.resize(p.resource_id, flavor.id);
    await waitForServer(
      ctx,
      compute,
      p.resource_id,
      {
        operation: 'resize',
        doing: 'resizing',
        timeoutMs: ctx.timeoutMs({ memoryMb: Math.max(server?.flavor.memoryMb ?? 0, flavor.memoryMb) }),
        intervalMs: 1000,
      },
      (server) => server.flavor.name === flavor.name && server.taskState === null,
    );
  },
});
