/** Turns Ajv errors into one faultstring that names every bad field (not only the first). */
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

export function formatSchemaErrors(errors: readonly FastifySchemaValidationError[], context: string): string {
  const problems = errors.map((error) => {
    const field = (error.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    const params = error.params;
    if (error.keyword === 'additionalProperties') {
      return `unknown attribute '${String(params.additionalProperty)}'${field ? ` in ${field}` : ''}`;
    }
    if (error.keyword === 'required')
      return `missing mandatory attribute '${String(params.missingProperty)}'`;
    if (error.keyword === 'enum') {
      return `${field || context} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    }
    return `${field || context} ${error.message ?? 'is invalid'}`;
  });
  return `Invalid input for ${context}: ${[...new Set(problems)].join('; ')}`;
}
