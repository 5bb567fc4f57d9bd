/** What `add_trait` and `remove_trait` share: reading and changing one trait of a Placement resource provider. */
import { conflict, isStewardError } from '../../errors.js';
import type { ClusterModel } from '../../model/cluster-model.js';
import { ok, skip, type ActionContext, type Precondition } from '../action-type.js';
import { requireCloud } from './wait-for.js';

export interface TraitParams {
  resource_id: string;
  trait: string;
  resource_name?: string | undefined;
}

/** Nova's compute manages this one from the service status; a plan changes it through change_nova_service_state. */
const NOVA_OWNED = 'COMPUTE_STATUS_DISABLED';

const providerOf = (p: TraitParams): string =>
  p.resource_name ? `${p.resource_name} (${p.resource_id})` : p.resource_id;

/** The provider's traits, or undefined when Placement has no such provider. */
async function traitsOf(ctx: ActionContext, p: TraitParams): Promise<readonly string[] | undefined> {
  try {
    return (await requireCloud(ctx).placement.getTraits(p.resource_id)).traits;
  } catch (error) {
    if (isStewardError(error) && error.extra.details?.status === 404) return undefined;
    throw error;
  }
}

/** Skipped when the provider is gone or the trait is already as wanted. */
export async function checkTrait(ctx: ActionContext, p: TraitParams, wanted: boolean): Promise<Precondition> {
  const traits = await traitsOf(ctx, p);
  if (!traits) return skip(`resource provider ${providerOf(p)} was not found`);
  if (traits.includes(p.trait) === wanted)
    return skip(
      `resource provider ${providerOf(p)} ${wanted ? 'already has' : 'does not have'} trait ${p.trait}`,
    );
  if (p.trait === NOVA_OWNED)
    throw conflict(`${NOVA_OWNED} is set by Nova from the service status: use change_nova_service_state`);
  return ok;
}

/**
 * Sets or clears the trait. A `CUSTOM_*` trait is created first (`PUT /traits/{name}`); the provider's traits are
 * replaced at its generation, re-read and re-applied when another writer bumped it (the client's bounded retry on
 * 409). Idempotent: a trait already as wanted writes nothing.
 */
export async function changeTrait(ctx: ActionContext, p: TraitParams, wanted: boolean): Promise<void> {
  const { placement } = requireCloud(ctx);
  if (wanted && p.trait.startsWith('CUSTOM_')) await placement.ensureTrait(p.trait);
  await placement.setTraits(p.resource_id, (current) =>
    wanted ? [...current.filter((t) => t !== p.trait), p.trait] : current.filter((t) => t !== p.trait),
  );
}

/**
 * Whether the model shows the trait as wanted. Placement sends no notification, so this holds only once the
 * targeted refresh of the provider's node re-read it; a provider the model does not hold has nothing to show.
 */
export function traitShown(model: ClusterModel, p: TraitParams, wanted: boolean): boolean {
  const node = model.getNodeByUuid(p.resource_id);
  return node === undefined || node.traits.includes(p.trait) === wanted;
}

export async function verifyTrait(ctx: ActionContext, p: TraitParams, wanted: boolean): Promise<void> {
  const traits = await traitsOf(ctx, p);
  if (!traits) throw conflict(`resource provider ${providerOf(p)} vanished`);
  if (traits.includes(p.trait) !== wanted)
    throw conflict(`resource provider ${providerOf(p)} ${wanted ? 'lacks' : 'still has'} trait ${p.trait}`);
}
