import { Type } from 'typebox';
import { ACTION_PARAMETERS, ACTION_TYPE_NAMES, isActionTypeName } from '../contract/actions.js';
import { unclassified } from '../goals/unclassified.js';
import { defineStrategy } from './strategy.js';

/**
 * Description: emits the actions given as its `actions` parameter, verbatim: an operator's hand-written plan run
 * through Steward's review, skip and execution machinery.
 * Requirements: none.
 * Limitations: no validation beyond each action type's input schema; the actions run as given.
 */
export const actuator = defineStrategy({
  name: 'actuator',
  goal: unclassified,
  displayName: 'Actuator',
  parameters: Type.Object({
    actions: Type.Array(
      Type.Object(
        {
          // An enum, so an audit naming a type the applier cannot run is refused when it is created.
          action_type: Type.String({
            enum: [...ACTION_TYPE_NAMES],
            description: 'action type to emit, e.g. nop, sleep, migrate',
          }),
          resource_id: Type.Optional(Type.String()),
          input_parameters: Type.Record(Type.String(), Type.Unknown(), {
            description: 'the action input parameters',
          }),
        },
        { additionalProperties: false },
      ),
      { description: 'list of actions to emit, in order' },
    ),
  }),
  metrics: [],
  supportLevel: 'core',
  planner: 'weight',
  docs: {
    description: 'Emits the actions given in its `actions` parameter, verbatim.',
    requirements: 'None.',
    limitations: 'The actions are checked only against their input schemas.',
  },
  async execute({ solution, signal }, { actions }) {
    signal.throwIfAborted();
    for (const {
      action_type: actionType,
      resource_id: resourceId,
      input_parameters: inputParameters,
    } of actions) {
      if (!isActionTypeName(actionType))
        throw new RangeError(
          `unknown action type ${actionType}; known: ${Object.keys(ACTION_PARAMETERS).join(', ')}`,
        );
      const parameters = { ...inputParameters, ...(resourceId !== undefined && { resource_id: resourceId }) };
      solution.add(actionType, parameters as never);
    }
    return Promise.resolve();
  },
});
