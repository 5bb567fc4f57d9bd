import { ACTION_PARAMETERS } from '../../contract/actions.js';
import { defineActionType } from '../action-type.js';
import { changeTrait, checkTrait, traitShown, verifyTrait } from './provider-traits.js';

/**
 * Clears a trait from a Placement resource provider (a compute node), e.g. PRESSURE_CPU once the pressure is
 * gone. Skipped when the provider is gone or does not have it; the revert sets it again.
 */
export const removeTrait = defineActionType({
  name: 'remove_trait',
  parameters: ACTION_PARAMETERS.remove_trait,
  abortable: false,
  describe: (p) => `Clear trait ${p.trait} from ${p.resource_name ?? p.resource_id}`,
  check: (ctx, p) => checkTrait(ctx, p, false),
  execute: (ctx, p) => changeTrait(ctx, p, false),
  verify: (ctx, p) => verifyTrait(ctx, p, false),
  reflected: (model, p) => traitShown(model, p, false),
  // The provider uuid is the compute node's.
  modelNodes: (p) => [p.resource_id],
  unnotified: true,
  revert: (ctx, p) => changeTrait(ctx, p, true),
});
