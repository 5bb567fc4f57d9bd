/**
 * Action types are on the wire (`action_type`, `input_parameters`): their names and parameter schemas live here,
 * once. Strategies emit them through the solution builder; the applier implements them.
 */
import { Type, type Static, type TSchema } from 'typebox';

const uuidPattern = '^([a-fA-F0-9]){8}-([a-fA-F0-9]){4}-([a-fA-F0-9]){4}-([a-fA-F0-9]){4}-([a-fA-F0-9]){12}$';
const strict = { additionalProperties: false } as const;

/** `add_trait` / `remove_trait`: a trait on a Placement resource provider (a compute node's uuid), named as upstream names resources. */
function traitParameters(traitDescription: string) {
  return Type.Object(
    {
      resource_id: Type.String({
        pattern: uuidPattern,
        description: 'The Placement resource provider uuid (a compute node uuid).',
      }),
      trait: Type.String({ pattern: '^[A-Z0-9_]{1,255}$', description: traitDescription }),
      resource_name: Type.Optional(
        Type.String({ description: 'The compute host name, for people reading the plan.' }),
      ),
    },
    strict,
  );
}

export const ACTION_PARAMETERS = {
  nop: Type.Object(
    {
      message: Type.Union([Type.String(), Type.Null()]),
      skip_pre_condition: Type.Optional(Type.Boolean()),
      fail_pre_condition: Type.Optional(Type.Boolean()),
      fail_execute: Type.Optional(Type.Boolean()),
      fail_post_condition: Type.Optional(Type.Boolean()),
    },
    strict,
  ),
  sleep: Type.Object({ duration: Type.Number({ minimum: 0 }) }, strict),
  migrate: Type.Object(
    {
      resource_id: Type.String({ pattern: uuidPattern }),
      migration_type: Type.Union([Type.Literal('live'), Type.Literal('cold')]),
      source_node: Type.String({ minLength: 1 }),
      destination_node: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
      resource_name: Type.Optional(Type.String()),
    },
    strict,
  ),
  resize: Type.Object(
    { resource_id: Type.String({ pattern: uuidPattern }), flavor: Type.String({ minLength: 1 }) },
    strict,
  ),
  change_nova_service_state: Type.Object(
    {
      resource_id: Type.String({ minLength: 1 }),
      state: Type.Union([
        Type.Literal('up'),
        Type.Literal('down'),
        Type.Literal('enabled'),
        Type.Literal('disabled'),
      ]),
      resource_name: Type.Optional(Type.String()),
      disabled_reason: Type.Optional(Type.String()),
    },
    strict,
  ),
  stop: Type.Object({ resource_id: Type.String({ pattern: uuidPattern }) }, strict),
  start: Type.Object({ resource_id: Type.String({ pattern: uuidPattern }) }, strict),
  volume_migrate: Type.Object(
    {
      resource_id: Type.String({ pattern: uuidPattern }),
      migration_type: Type.Union([Type.Literal('swap'), Type.Literal('retype'), Type.Literal('migrate')]),
      destination_node: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      destination_type: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      resource_name: Type.Optional(Type.String()),
    },
    strict,
  ),
  change_node_power_state: Type.Object(
    {
      resource_id: Type.String({ minLength: 1 }),
      state: Type.Union([Type.Literal('on'), Type.Literal('off')]),
      resource_name: Type.Optional(Type.String()),
    },
    strict,
  ),
  add_trait: traitParameters('The trait to set: a standard one, or a CUSTOM_* one (created when missing).'),
  remove_trait: traitParameters('The trait to clear.'),
} as const satisfies Record<string, TSchema>;

export type ActionTypeName = keyof typeof ACTION_PARAMETERS;
export type ActionParameters<T extends ActionTypeName> = Static<(typeof ACTION_PARAMETERS)[T]>;

export const ACTION_TYPE_NAMES = Object.keys(ACTION_PARAMETERS) as ActionTypeName[];

export const isActionTypeName = (name: string): name is ActionTypeName =>
  Object.hasOwn(ACTION_PARAMETERS, name);

/**
 * How the weight planner orders and batches each action type (upstream's `weights` and `parallelization`
 * defaults): heavier types run first, and at most `parallelism` actions of a type run in one layer. Every
 * `ActionTypeName` has an entry, the ones the applier does not implement yet included, so the compiler asks for one
 * when an action type is added and a plan never falls back to an unknown weight.
 */
export interface ActionPlanning {
  weight: number;
  parallelism: number;
}

export const ACTION_PLANNING: Readonly<Record<ActionTypeName, ActionPlanning>> = {
  nop: { weight: 70, parallelism: 1 },
  volume_migrate: { weight: 60, parallelism: 2 },
  change_nova_service_state: { weight: 50, parallelism: 1 },
  sleep: { weight: 40, parallelism: 1 },
  add_trait: { weight: 55, parallelism: 2 },
  remove_trait: { weight: 54, parallelism: 2 },
  stop: { weight: 35, parallelism: 2 },
  migrate: { weight: 30, parallelism: 2 },
  resize: { weight: 20, parallelism: 2 },
  start: { weight: 10, parallelism: 2 },
  change_node_power_state: { weight: 9, parallelism: 2 },
};

/** Shown as an action's `description` (upstream's action_descriptions table). */
export const ACTION_DESCRIPTIONS: Readonly<Record<ActionTypeName, string>> = {
  nop: 'Logging a NOP message',
  sleep: 'Wait for a given interval in seconds.',
  migrate: 'Moving a VM instance from source_node to destination_node',
  resize: 'Resize a server with specified flavor.',
  change_nova_service_state:
    'Disables or enables the nova-compute service.A disabled nova-compute service can not be selected by the nova for future deployment of new server.',
  stop: 'Stop a VM instance',
  start: 'Start a stopped VM instance',
  add_trait: 'Set a trait on a Placement resource provider, creating a CUSTOM_* trait when missing.',
  remove_trait: 'Clear a trait from a Placement resource provider.',
  volume_migrate: 'Moving a volume to destination_node or destination_type',
  change_node_power_state: 'Compute node power on/off through Ironic or MaaS.',
};
