/** Request schemas shared by routes (TypeBox). Bodies refuse unknown fields, so typos get a 400, not silence. */
import { Type } from 'typebox';

export const PageQuerystring = {
  limit: Type.Optional(Type.String()),
  marker: Type.Optional(Type.String()),
  sort_key: Type.Optional(Type.String()),
  sort_dir: Type.Optional(Type.String()),
};

export const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });

export const PatchBody = Type.Array(
  Type.Object(
    {
      op: Type.Union([Type.Literal('add'), Type.Literal('replace'), Type.Literal('remove')]),
      path: Type.String({ pattern: '^/' }),
      value: Type.Optional(Type.Unknown()),
    },
    { additionalProperties: false },
  ),
  { minItems: 1 },
);
