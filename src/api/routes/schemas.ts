/**
 * Request schemas shared by routes (TypeBox). Bodies refuse unknown fields, so typos get a 400, not silence, and
 * every string, list and map is bounded: a name or uuid as long as upstream's columns (String(63)), free text as
 * its String(255), so nothing longer than the database keeps reaches a query.
 */
import { Type, type TSchema } from 'typebox';
import { ErrorBody } from '../../contract/resources.js';

/**
 * A route's response schemas: its success shape (which Fastify's compiled serializer writes, dropping anything not
 * in it) and Watcher's error body for every 4xx and 5xx.
 */
export function responds<S extends number, T extends TSchema>(status: S, schema: T) {
  return { [status]: schema, '4xx': ErrorBody, '5xx': ErrorBody } as { [K in S]: T } & {
    '4xx': typeof ErrorBody;
    '5xx': typeof ErrorBody;
  };
}

/** No body: 204 after a delete, 202 after a webhook. */
export const NoBody = Type.Null();

/** A uuid or a name: upstream's name columns are String(63). */
export const Ref = (options: { minLength?: number } = {}) => Type.String({ maxLength: 63, ...options });
/** Free text as upstream's String(255) columns. */
export const Text = () => Type.String({ maxLength: 255 });
/** Strategy parameters: a map no strategy needs more than a few dozen keys of. */
export const ParameterMap = () =>
  Type.Record(Type.String({ maxLength: 63 }), Type.Unknown(), { maxProperties: 64 });

export const PageQuerystring = {
  limit: Type.Optional(Type.String({ maxLength: 20 })),
  marker: Type.Optional(Ref()),
  sort_key: Type.Optional(Ref()),
  sort_dir: Type.Optional(Ref()),
};

export const IdParams = Type.Object({ id: Ref({ minLength: 1 }) });

export const PatchBody = Type.Array(
  Type.Object(
    {
      op: Type.Union([Type.Literal('add'), Type.Literal('replace'), Type.Literal('remove')]),
      path: Type.String({ pattern: '^/', maxLength: 255 }),
      value: Type.Optional(Type.Unknown()),
    },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: 64 },
);
