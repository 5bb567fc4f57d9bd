/**
 * Requests generated from Steward's own OpenAPI document, then made hostile: fast-check arbitraries for every
 * operation's path, query and body (values drawn from the schemas, biased to the names and uuids that exist so
 * that requests get past the first check), and mutations of the kinds that once answered 500 (NUL characters,
 * bytes that are not UTF-8, deep nesting) or that a schema-blind client sends (wrong types, unknown and missing
 * fields, other content types, truncated JSON, oversized values, odd microversions). ADR 0005 says why this is
 * built on fast-check and not schemathesis.
 */
import fc from 'fast-check';

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

interface OpenApiParameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  minimum?: number;
  maximum?: number;
}

export interface GeneratedRequest {
  method: string;
  /** The request target exactly as sent (already percent-encoded where the generator meant it). */
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What made it hostile, for the failure message. */
  mutation: string;
}

/** Names and ids that exist in the store under test, so generated requests reach past lookups. */
export interface KnownValues {
  ids: readonly string[];
  names: readonly string[];
  /** Values a well-behaved client would send for a body field of that name (clean requests use them). */
  fields: Readonly<Record<string, readonly unknown[]>>;
}

const HOSTILE_STRINGS = [
  '\u0000',
  'a\u0000b',
  '',
  ' ',
  '%',
  '%00',
  '..',
  '../../etc/passwd',
  "' or 1=1 --",
  '"; drop table audits; --',
  '\u202e\u0301',
  '😀',
  '\ud800',
  'null',
  'undefined',
  '-1',
  '1e309',
  'NaN',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  'x'.repeat(64),
  'x'.repeat(5000),
];

const PATCH_PATHS = [
  '/state',
  '/name',
  '/description',
  '/parameters',
  '/parameters/para1',
  '/goal',
  '/strategy',
  '/interval',
  '/scope',
  '/auto_trigger',
  '/status_message',
  '/audit_type',
  '/uuid',
  '/',
];

const stringValue = (known: KnownValues): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known.names, ...known.ids) },
    { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  );

/** A value the schema accepts most of the time; constraints it cannot express well are left to the mutations. */
export function valueOf(
  schema: JsonSchema | undefined,
  known: KnownValues,
  depth = 0,
  clean = false,
  field?: string,
): fc.Arbitrary<unknown> {
  const usual = clean && field !== undefined ? known.fields[field] : undefined;
  if (usual) return fc.constantFrom(...usual);
  if (!schema || depth > 4) return clean ? fc.constantFrom(...known.names) : fc.jsonValue({ maxDepth: 2 });
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf)
    return fc.oneof(...schema.anyOf.map((option) => valueOf(option, known, depth + 1, clean)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      // JSON patch paths: the attributes the routes know, and some they refuse.
      if (schema.pattern === '^/')
        return fc.oneof(
          fc.constantFrom(...PATCH_PATHS),
          stringValue(known).map((text) => `/${text}`),
        );
      if (clean) return fc.constantFrom(...known.names, ...known.ids);
      return stringValue(known).map((text) =>
        schema.maxLength !== undefined && text.length > schema.maxLength
          ? text.slice(0, schema.maxLength)
          : text,
      );
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      if (clean)
        return fc.array(valueOf(schema.items, known, depth + 1, clean), { maxLength: schema.minItems ?? 1 });
      return fc.array(valueOf(schema.items, known, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      if (Object.keys(properties).length > 0) {
        const record: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [name, property] of Object.entries(properties))
          record[name] = valueOf(property, known, depth + 1, clean, name);
        return fc.record(record, { requiredKeys: [...required].filter((name) => name in properties) });
      }
      if (clean) return fc.constant({});
      return fc.dictionary(
        fc.constantFrom('para1', 'para2', 'actions', 'threshold', 'period', 'x'),
        fc.jsonValue({ maxDepth: 2 }),
        {
          maxKeys: 4,
        },
      );
    }
    case undefined:
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

/** Puts `replacement` somewhere inside `value` (a random path), or returns it when `value` is a leaf. */
function plant(value: unknown, replacement: unknown, choices: readonly number[]): unknown {
  let current = value;
  const root = structuredClone(value);
  current = root;
  for (const choice of choices) {
    if (typeof current !== 'object' || current === null) break;
    const keys = Object.keys(current);
    if (keys.length === 0) break;
    const key = keys[choice % keys.length]!;
    const child = (current as Record<string, unknown>)[key];
    if (typeof child !== 'object' || child === null || choice % 3 === 0) {
      (current as Record<string, unknown>)[key] = replacement;
      return root;
    }
    current = child;
  }
  if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
    (current as Record<string, unknown>)[`k${choices[0] ?? 0}`] = replacement;
    return root;
  }
  return typeof root === 'object' && root !== null ? root : replacement;
}

const nestedJson = (depth: number, leaf: string) =>
  depth % 2 === 0
    ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;

type BodyMutation = {
  name: string;
  apply: (body: unknown, choices: readonly number[]) => Buffer | undefined;
};

const BODY_MUTATIONS: readonly BodyMutation[] = [
  { name: 'none', apply: (body) => (body === undefined ? undefined : Buffer.from(JSON.stringify(body))) },
  { name: 'nul-string', apply: (body, c) => Buffer.from(JSON.stringify(plant(body ?? {}, 'x\u0000y', c))) },
  {
    name: 'nul-key',
    apply: (body, c) => Buffer.from(JSON.stringify(plant(body ?? {}, { ['k\u0000']: 1 }, c))),
  },
  {
    name: 'wrong-type-number',
    apply: (body, c) => Buffer.from(JSON.stringify(plant(body ?? {}, 12345.5, c))),
  },
  {
    name: 'wrong-type-array',
    apply: (body, c) => Buffer.from(JSON.stringify(plant(body ?? {}, [1, 'a', null], c))),
  },
  { name: 'wrong-type-null', apply: (body, c) => Buffer.from(JSON.stringify(plant(body ?? {}, null, c))) },
  {
    name: 'wrong-type-object',
    apply: (body, c) => Buffer.from(JSON.stringify(plant(body ?? {}, { a: { b: 1 } }, c))),
  },
  {
    name: 'huge-string',
    apply: (body, c) => Buffer.from(JSON.stringify(plant(body ?? {}, 'y'.repeat(100_000), c))),
  },
  {
    name: 'deep-nesting',
    apply: (body, c) => {
      const depth = [33, 200, 3000, 20_000][(c[0] ?? 0) % 4]!;
      const marker = '"__DEEP__"';
      return Buffer.from(
        JSON.stringify(plant(body ?? {}, '__DEEP__', c)).replace(marker, nestedJson(depth, '1')),
      );
    },
  },
  {
    name: 'invalid-utf8',
    apply: (body, c) => {
      const text = Buffer.from(JSON.stringify(plant(body ?? {}, '__BYTES__', c)));
      const at = text.indexOf('__BYTES__');
      if (at === -1) return Buffer.concat([text, Buffer.from([0xc3, 0x28])]);
      return Buffer.concat([
        text.subarray(0, at),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
        text.subarray(at + 9),
      ]);
    },
  },
  {
    name: 'truncated-json',
    apply: (body, c) => {
      const text = JSON.stringify(body ?? { a: 1 });
      return Buffer.from(text.slice(0, (c[0] ?? 1) % Math.max(1, text.length)));
    },
  },
  {
    name: 'not-json',
    apply: (_body, c) =>
      Buffer.from(['hello', 'audit_type=ONESHOT&goal=dummy', '<xml/>', '{{}'][(c[0] ?? 0) % 4]!),
  },
  {
    name: 'top-level-scalar',
    apply: (_body, c) => Buffer.from(['1', '"x"', 'null', 'true', '[]'][(c[0] ?? 0) % 5]!),
  },
];

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  undefined,
];

const MICROVERSIONS = [
  undefined,
  'infra-optim 1.7',
  'infra-optim 1.0',
  'infra-optim latest',
  'infra-optim 1.99999999999999999999',
  'infra-optim 2.0',
  'infra-optim 1.-1',
  'infra-optim',
  'compute 2.1',
];

function encodePathSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80'; // a lone surrogate cannot be encoded; send its (invalid) UTF-8 bytes instead
  }
}

const PATH_IDS = ['%00', '%C3%28', '%zz', '%', '..%2F..', 'a%2Fb', '%E2%80%AE', 'x'.repeat(101)];

function queryArbitrary(parameters: readonly OpenApiParameter[], known: KnownValues): fc.Arbitrary<string[]> {
  const named = parameters.filter((parameter) => parameter.in === 'query');
  const pair = fc.oneof(
    ...(named.length > 0
      ? [
          fc
            .tuple(fc.constantFrom(...named), stringValue(known))
            .map(([parameter, value]) => `${parameter.name}=${encodePathSegment(value)}`),
        ]
      : []),
    fc.constantFrom(
      'limit=-1',
      'limit=0',
      'limit=1e309',
      'limit=99999999999999999999',
      'marker=%00',
      'sort_dir=sideways',
    ),
    fc.constantFrom('sort_key=uuid', 'sort_key=created_at', 'sort_key=goal_name', 'sort_key=%C3%28', 'zzz=1'),
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(pair, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(pair, { minLength: 33, maxLength: 40 }) },
  );
}

/** One arbitrary over every operation of the document, hostile about half of the time. */
export function requestArbitrary(
  document: OpenApiDocument,
  known: KnownValues,
): fc.Arbitrary<GeneratedRequest> {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  );
  const perOperation = operations.map(({ path, method, operation }) => {
    const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
    return fc
      .record({
        pathId: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...known.ids, ...known.names).map(encodePathSegment) },
          { weight: 1, arbitrary: stringValue(known).map(encodePathSegment) },
          { weight: 1, arbitrary: fc.constantFrom(...PATH_IDS) },
        ),
        query: queryArbitrary(operation.parameters ?? [], known),
        body: bodySchema ? valueOf(bodySchema, known) : fc.constant(undefined),
        cleanBody: bodySchema ? valueOf(bodySchema, known, 0, true) : fc.constant(undefined),
        bodyMutation: fc.oneof(
          { weight: 6, arbitrary: fc.constant(BODY_MUTATIONS[0]!) },
          { weight: 6, arbitrary: fc.constantFrom(...BODY_MUTATIONS.slice(1)) },
        ),
        choices: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        contentType: fc.constantFrom(...CONTENT_TYPES),
        microversion: fc.constantFrom(...MICROVERSIONS),
        roles: fc.constantFrom(undefined, 'admin', 'reader', 'member', 'service', 'admin,reader', ''),
        // Half the requests are what a well-behaved client sends, so that the routes behind the checks are reached.
        clean: fc.boolean(),
        otherMethod: fc.oneof(
          { weight: 20, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'POST', 'OPTIONS') },
        ),
      })
      .map((drawn): GeneratedRequest => {
        const draw = drawn.clean
          ? {
              ...drawn,
              query: drawn.query
                .filter((pair) =>
                  /^(limit=[1-9]\d{0,2}|sort_dir=(asc|desc)|goal=[^&]*|strategy=[^&]*)$/.test(pair),
                )
                .slice(0, 3),
              body: drawn.cleanBody,
              bodyMutation: BODY_MUTATIONS[0]!,
              contentType: 'application/json',
              microversion: 'infra-optim 1.7',
              roles: undefined,
              otherMethod: undefined,
            }
          : drawn;
        const target = path.replace(/\{[^}]+\}/g, draw.pathId);
        const url = draw.query.length > 0 ? `${target}?${draw.query.join('&')}` : target;
        const sendsBody = method !== 'GET' && method !== 'DELETE';
        const body = sendsBody ? draw.bodyMutation.apply(draw.body, draw.choices) : undefined;
        const headers: Record<string, string> = {};
        if (body !== undefined && draw.contentType !== undefined) headers['content-type'] = draw.contentType;
        if (draw.microversion !== undefined) headers['openstack-api-version'] = draw.microversion;
        if (draw.roles !== undefined) headers['x-roles'] = draw.roles;
        return {
          method: draw.otherMethod ?? method,
          url,
          headers,
          ...(body !== undefined && { body }),
          mutation: [
            drawn.clean ? 'clean' : 'hostile',
            body !== undefined ? `body:${draw.bodyMutation.name}` : 'no body',
            `content-type:${draw.contentType ?? 'none'}`,
            draw.otherMethod ? `method:${draw.otherMethod}` : '',
          ]
            .filter(Boolean)
            .join(';'),
        };
      });
  });
  // Writes are where a rejected request could leave something behind: they get most of the draws.
  return fc.oneof(
    ...perOperation.map((arbitrary, index) => ({
      arbitrary,
      weight: operations[index]!.method === 'GET' ? 1 : 6,
    })),
  );
}
