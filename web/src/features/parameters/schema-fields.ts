/**
 * A strategy's `parameters_spec` (JSON schema) turned into form fields, the typed text of those fields back into
 * parameters, and the server's 400 message split back onto the fields it names.
 */
export type FieldKind = 'number' | 'integer' | 'string' | 'enum' | 'boolean' | 'list' | 'json';

export interface ParameterField {
  name: string;
  kind: FieldKind;
  description: string;
  required: boolean;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enumValues?: string[];
}

type Schema = Record<string, unknown>;

const asSchema = (value: unknown): Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : {};

function kindOf(schema: Schema): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.every((value) => typeof value === 'string')) return 'enum';
  switch (schema.type) {
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'array': {
      const items = asSchema(schema.items);
      return items.type === 'string' && items.enum === undefined ? 'list' : 'json';
    }
    default:
      return 'json';
  }
}

export function fieldsOf(spec: unknown): ParameterField[] {
  const root = asSchema(spec);
  const required = new Set(Array.isArray(root.required) ? root.required.map(String) : []);
  return Object.entries(asSchema(root.properties)).map(([name, value]) => {
    const schema = asSchema(value);
    const kind = kindOf(schema);
    return {
      name,
      kind,
      description: typeof schema.description === 'string' ? schema.description : '',
      required: required.has(name),
      ...('default' in schema && { default: schema.default }),
      ...(typeof schema.minimum === 'number' && { minimum: schema.minimum }),
      ...(typeof schema.maximum === 'number' && { maximum: schema.maximum }),
      ...(kind === 'enum' && { enumValues: (schema.enum as string[]).slice() }),
    };
  });
}

/** The text a field starts with: its default, written the way the user would type it. */
export function initialText(field: ParameterField): string {
  if (field.default === undefined) return '';
  if (field.kind === 'list' && Array.isArray(field.default)) return field.default.join(', ');
  if (typeof field.default === 'string') return field.default;
  return JSON.stringify(field.default);
}

export function initialValues(fields: readonly ParameterField[]): Record<string, string> {
  return Object.fromEntries(fields.map((field) => [field.name, initialText(field)]));
}

export interface ReadResult {
  parameters: Record<string, unknown>;
  /** Text that is not even of the field's type; ranges and enums are the server's to judge. */
  errors: Record<string, string>;
}

/** Empty fields are left out, so the server fills their defaults. */
export function readParameters(
  fields: readonly ParameterField[],
  values: Record<string, string>,
): ReadResult {
  const parameters: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const text = (values[field.name] ?? '').trim();
    if (text === '') continue;
    switch (field.kind) {
      case 'number':
      case 'integer': {
        const value = Number(text);
        if (!Number.isFinite(value)) errors[field.name] = `${field.name} must be a number`;
        else if (field.kind === 'integer' && !Number.isInteger(value))
          errors[field.name] = `${field.name} must be an integer`;
        else parameters[field.name] = value;
        break;
      }
      case 'boolean':
        parameters[field.name] = text === 'true';
        break;
      case 'list':
        parameters[field.name] = text
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean);
        break;
      case 'json':
        try {
          parameters[field.name] = JSON.parse(text) as unknown;
        } catch {
          errors[field.name] = `${field.name} must be JSON`;
        }
        break;
      case 'string':
      case 'enum':
        parameters[field.name] = text;
        break;
    }
  }
  return { parameters, errors };
}

export interface PlacedErrors {
  byField: Record<string, string>;
  /** What names no field: shown above the form. */
  rest: string[];
}

/**
 * Steward's 400 reads `Invalid parameters for strategy dummy: para1 must be <= 10.2; para2 must be string`: each
 * `;`-separated problem starts with the field's path (nested ones joined by dots), or names it in
 * `must have required property 'x'` / `Audit parameter x are not allowed`.
 */
export function placeServerErrors(message: string, fieldNames: readonly string[]): PlacedErrors {
  const known = new Set(fieldNames);
  const byField: Record<string, string> = {};
  const rest: string[] = [];
  const colon = message.indexOf(': ');
  const problems =
    /^Invalid .*parameters/i.test(message) && colon > 0 ? message.slice(colon + 2).split('; ') : [message];
  for (const problem of problems) {
    const named =
      /required property '([^']+)'/.exec(problem)?.[1] ??
      /^Audit parameter (\S+) are not allowed/.exec(problem)?.[1] ??
      /^([\w-]+)[.\s]/.exec(problem)?.[1];
    if (named !== undefined && known.has(named))
      byField[named] = byField[named] ? `${byField[named]}; ${problem}` : problem;
    else rest.push(problem);
  }
  return { byField, rest };
}
