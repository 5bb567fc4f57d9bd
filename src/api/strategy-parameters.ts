/**
 * Audit parameters are checked against the strategy's `parameters_spec` when the audit is created or updated:
 * unknown keys rejected, every problem reported at once, defaults (nested too) written into the stored
 * parameters, so a run never meets bad parameters. Upstream answers 500 for a bad value; we answer 400.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { invalid } from '../errors.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const cache = new Map<string, ValidateFunction>();

function strictSchema(spec: Record<string, unknown>, withDefaults: boolean): Record<string, unknown> {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (typeof node !== 'object' || node === null) return node;
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'default' && !withDefaults) continue;
      result[key] = strip(value);
    }
    if ('properties' in result && !('additionalProperties' in result)) result.additionalProperties = false;
    return result;
  };
  return { type: 'object', ...(strip(spec) as Record<string, unknown>) };
}

function describe(errors: readonly ErrorObject[]): string {
  return errors
    .map((error) => {
      const field = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
      if (error.keyword === 'additionalProperties') {
        return `Audit parameter ${String((error.params as { additionalProperty: string }).additionalProperty)} are not allowed`;
      }
      return `${field || 'parameters'} ${error.message ?? 'is invalid'}`;
    })
    .join('; ');
}

/** Returns the parameters with defaults filled in, or throws 400 naming every problem. */
export function validateStrategyParameters(
  strategyName: string,
  spec: Record<string, unknown>,
  parameters: Record<string, unknown>,
  options: { fillDefaults: boolean; label?: string } = { fillDefaults: true },
): Record<string, unknown> {
  const key = `${options.fillDefaults ? 'd' : 'n'}:${JSON.stringify(spec)}`;
  let validate = cache.get(key);
  if (!validate) {
    validate = ajv.compile(strictSchema(spec, options.fillDefaults));
    cache.set(key, validate);
  }
  const candidate = structuredClone(parameters);
  if (!validate(candidate)) {
    throw invalid(
      `Invalid ${options.label ?? 'parameters'} for strategy ${strategyName}: ${describe(validate.errors ?? [])}`,
      { strategy: strategyName },
      'INVALID_PARAMETERS',
    );
  }
  return candidate;
}
