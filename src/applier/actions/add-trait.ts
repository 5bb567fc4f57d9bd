import { ACTION_PARAMETERS } from '../../contract/actions.js';
import { defineActionType } from '../action-type.js';
import { changeTrait, checkTrait, traitShown, verifyTrait } from './provider-traits.js';

/**
 * Sets a trait on a Placement resource provider (a compute node), e.g. PRESSURE_CPU so the scheduler's weighers
 * avoid the host; a `CUSTOM_*` trait is created when missing. Skipped when the provider is gone or already has
 * it; the revert clears it.
 */
export const addTrait = defineActionType({
  name: 'add_trait',
  parameters: ACTION_PARAMETERS.add_trait,
  abortable: false,
  describe: (p) => `Set trait ${p.trait} on ${p.resource_name ?? p.resource_id}`,
  check: (ctx, p) => checkTrait(ctx, p, true),
  execute: (ctx, p) => changeTrait(ctx, p, true),
  verify: (ctx, p) => verifyTrait(ctx, p, true),
  reflected: (model, p) => traitShown(model, p, true),
  // The provider uuid is the compute node's.
  modelNodes: (p) => [p.resource_id],
  unnotified: true,
  revert: (ctx, p) => changeTrait(ctx, p, false),
});
