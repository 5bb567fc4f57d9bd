/**
 * Request schemas shared by routes (TypeBox). Bodies refuse unknown fields, so typos get a 400, not silence, and
 * every string, list and map is bounded: a name or uuid as long as upstream's columns (String(63)), free text as
 * its String(255), so nothing longer than the database keeps reaches a query.
 */
import { Type } from 'typebox';

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
