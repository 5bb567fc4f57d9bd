import type { BaremetalApi, BaremetalNode, PowerState } from '../../cloud/ports.js';
import { ACTION_PARAMETERS, type ActionParameters } from '../../contract/actions.js';
import { conflict, StewardError } from '../../errors.js';
import { defineActionType, ok, skip, type ActionContext } from '../action-type.js';
import { hostnameOf, nodeNamesOf } from './compute-host.js';
import { requireCloud, waitFor } from './wait-for.js';

type Params = ActionParameters<'change_node_power_state'>;

function requireBaremetal(ctx: ActionContext): BaremetalApi {
  const { baremetal } = requireCloud(ctx);
  if (!baremetal)
    throw new StewardError(
      'unavailable',
      'UPSTREAM_UNAVAILABLE',
      'the cloud has no Bare Metal API (Ironic): change_node_power_state needs it',
    );
  return baremetal;
}

/** The node by `resource_id` (a node uuid, which is the compute node uuid under Nova's ironic driver), else by `resource_name`. */
async function findNode(baremetal: BaremetalApi, p: Params): Promise<BaremetalNode | undefined> {
  return (
    (await baremetal.getNode(p.resource_id)) ??
    (p.resource_name === undefined ? undefined : await baremetal.getNode(p.resource_name))
  );
}

/** Powering a node off is only safe once its compute host holds no instance. */
async function assertEmpty(ctx: ActionContext, p: Params): Promise<void> {
  const { compute } = requireCloud(ctx);
  const host = await hostnameOf(compute, p);
  const left = (await compute.listServers({ host, allTenants: true })).filter((s) => s.vmState !== 'deleted');
  if (left.length > 0)
    throw conflict(
      `compute host ${host} still holds ${left.length} instance(s) (${left
        .slice(0, 3)
        .map((s) => s.uuid)
        .join(', ')}${left.length > 3 ? ', …' : ''}): powering it off would stop them`,
    );
}

async function power(ctx: ActionContext, p: Params, state: PowerState): Promise<void> {
  const baremetal = requireBaremetal(ctx);
  const node = await findNode(baremetal, p);
  if (!node)
    throw new StewardError(
      'not_found',
      'RESOURCE_NOT_FOUND',
      `bare metal node ${p.resource_id} was not found`,
    );
  // Idempotent: a node already there, or already on its way there (an interrupted run), is only waited for.
  if (node.targetPowerState !== state && !(node.powerState === state && node.targetPowerState === null)) {
    if (state === 'off') await assertEmpty(ctx, p);
    await baremetal.setPowerState(node.uuid, state);
  }
  await waitFor(
    ctx,
    {
      what: `power ${state} of node ${node.name ?? node.uuid}`,
      timeoutMs: ctx.timeoutMs(),
      intervalMs: 1000,
    },
    async () => {
      const now = await baremetal.getNode(node.uuid);
      if (!now)
        throw new StewardError('not_found', 'RESOURCE_NOT_FOUND', `bare metal node ${node.uuid} vanished`);
      return now.powerState === state && now.targetPowerState === null;
    },
  );
}

/**
 * Powers a compute node on or off through the Bare Metal service (Ironic), as upstream does. Skipped when the node
 * is gone or already in that power state; powering off fails while the host still holds instances. The revert is
 * the opposite change.
 */
export const changeNodePowerState = defineActionType({
  name: 'change_node_power_state',
  parameters: ACTION_PARAMETERS.change_node_power_state,
  abortable: false,
  describe: (p) => `Power ${p.state} the compute node ${p.resource_name ?? p.resource_id}`,
  async check(ctx, p) {
    const baremetal = requireBaremetal(ctx);
    const node = await findNode(baremetal, p);
    if (!node) return skip(`bare metal node ${p.resource_name ?? p.resource_id} was not found`);
    if (node.powerState === p.state && node.targetPowerState === null)
      return skip(`node ${node.name ?? node.uuid} is already powered ${p.state}`);
    if (p.state === 'off' && node.targetPowerState !== 'off') await assertEmpty(ctx, p);
    return ok;
  },
  execute: (ctx, p) => power(ctx, p, p.state),
  async verify(ctx, p) {
    const node = await findNode(requireBaremetal(ctx), p);
    if (node?.powerState !== p.state)
      throw conflict(
        `node ${p.resource_name ?? p.resource_id} is powered ${node?.powerState ?? 'unknown'}, not ${p.state}`,
      );
  },
  // No notification carries a power change: the targeted refresh of the node shows it. A node the model does not
  // hold has nothing to wait for.
  reflected(model, p) {
    const node = model.getNodeByUuid(p.resource_id) ?? model.getNode(p.resource_name ?? p.resource_id);
    return node === undefined || node.powerState === p.state;
  },
  modelNodes: nodeNamesOf,
  unnotified: true,
  revert: (ctx, p) => power(ctx, p, p.state === 'on' ? 'off' : 'on'),
});
