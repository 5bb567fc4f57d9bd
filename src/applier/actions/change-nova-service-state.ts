import { ACTION_PARAMETERS, type ActionParameters } from '../../contract/actions.js';
import { conflict, invalid, StewardError } from '../../errors.js';
import { defineActionType, ok, skip, type ActionContext } from '../action-type.js';
import { computeServiceOf, hostnameOf, nodeNamesOf } from './compute-host.js';
import { requireCloud } from './wait-for.js';

type Params = ActionParameters<'change_nova_service_state'>;

/** Only `enabled` and `disabled` can be set through Nova; `up`/`down` are what Nova observes, as upstream says. */
function wantedStatus(p: Params): 'enabled' | 'disabled' {
  if (p.state === 'enabled' || p.state === 'disabled') return p.state;
  throw invalid(
    `change_nova_service_state cannot set state ${p.state}: Nova reports up/down itself; use enabled or disabled`,
    { state: p.state },
  );
}

async function setStatus(
  ctx: ActionContext,
  p: Params,
  status: 'enabled' | 'disabled',
  reason: string | undefined,
): Promise<void> {
  const { compute } = requireCloud(ctx);
  const service = await computeServiceOf(compute, p);
  if (!service)
    throw new StewardError(
      'not_found',
      'RESOURCE_NOT_FOUND',
      `no nova-compute service on ${await hostnameOf(compute, p)}`,
    );
  // Setting a status the service already has changes nothing: PUT os-services is idempotent.
  await compute.setServiceStatus(service.id, {
    status,
    ...(status === 'disabled' && reason !== undefined && { disabledReason: reason }),
  });
}

/**
 * Enables or disables a host's nova-compute service (disabled with a reason), so the scheduler stops or resumes
 * placing instances there. Skipped when the service is gone or already in that status; the revert is the opposite.
 */
export const changeNovaServiceState = defineActionType({
  name: 'change_nova_service_state',
  parameters: ACTION_PARAMETERS.change_nova_service_state,
  abortable: false,
  describe: (p) =>
    `${p.state === 'disabled' || p.state === 'down' ? 'Disable' : 'Enable'} the nova-compute service on ${p.resource_name ?? p.resource_id}${p.disabled_reason ? ` (${p.disabled_reason})` : ''}`,
  async check(ctx, p) {
    const { compute } = requireCloud(ctx);
    const status = wantedStatus(p);
    const service = await computeServiceOf(compute, p);
    if (!service) return skip(`no nova-compute service on ${await hostnameOf(compute, p)}`);
    if (service.status === status)
      return skip(`the nova-compute service on ${service.host} is already ${status}`);
    return ok;
  },
  execute: (ctx, p) => setStatus(ctx, p, wantedStatus(p), p.disabled_reason),
  async verify(ctx, p) {
    const { compute } = requireCloud(ctx);
    const status = wantedStatus(p);
    const service = await computeServiceOf(compute, p);
    if (service?.status !== status)
      throw conflict(
        `the nova-compute service on ${service?.host ?? (await hostnameOf(compute, p))} is ${service?.status ?? 'gone'}, not ${status}`,
      );
  },
  // Nova's service.update brings the status; a host the model does not hold has nothing to wait for.
  reflected(model, p) {
    const node = model.getNode(p.resource_name ?? p.resource_id) ?? model.getNodeByUuid(p.resource_id);
    return node === undefined || node.status === p.state || (p.state !== 'enabled' && p.state !== 'disabled');
  },
  modelNodes: nodeNamesOf,
  revert: (ctx, p) => setStatus(ctx, p, wantedStatus(p) === 'disabled' ? 'enabled' : 'disabled', undefined),
});
