/**
 * Audit parameters are checked against the strategy's `parameters_spec` when the audit is created or updated:
 * unknown keys rejected, every problem reported at once, defaults (nested too) written into the stored
 * parameters, so a run never meets bad parameters. Upstream answers 500 for a bad value; we answer 400.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { invalid } from '../errors.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const cache = new Map<string, ValidateFunction>();

function strictSchema(
  spec: Record<string, unknown>,
  withDefaults: boolean,
  partial: boolean,
): Record<string, unknown> {
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
  const strict = strip(spec) as Record<string, unknown>;
  // A template's default_parameters may leave required ones to the audit; only the top level is relaxed.
  if (partial) delete strict.required;
  return { type: 'object', ...strict };
}

function describe(errors: readonly ErrorObject[]): string {
  return errors
    .map((error) => {
      const field = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
      if (error.keyword === 'additionalProperties') {
        return `Audit parameter ${String((error.params as { additionalProperty: string }).additionalProperty)} are not allowed`;
      }
      const allowed =
        error.keyword === 'enum'
          ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')})`
          : '';
      return `${field || 'parameters'} ${error.message ?? 'is invalid'}${allowed}`;
    })
    .join('; ');
}

/**
 * Returns the parameters with defaults filled in, or throws 400 naming every problem. `partial` accepts missing
 * required parameters (a template's default_parameters, which an audit completes).
 */
export function validateStrategyParameters(
  strategyName: string,
  spec: Record<string, unknown>,
  parameters: Record<string, unknown>,
  options: { fillDefaults: boolean; label?: string; partial?: boolean } = { fillDefaults: true },
): Record<string, unknown> {
  const partial = options.partial ?? false;
  const key = `${options.fillDefaults ? 'd' : 'n'}${partial ? 'p' : ''}:${JSON.stringify(spec)}`;
  let validate = cache.get(key);
  if (!validate) {
    validate = ajv.compile(strictSchema(spec, options.fillDefaults, partial));
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

/**
 * An audit that names no strategy runs the one the decision engine chooses for its goal, with no parameters (an
 * audit without a strategy may not have any): refused when that strategy requires some.
 */
export function requireNoParametersOf(
  goalName: string,
  chosen: { name: string; parametersSpec: Record<string, unknown> } | undefined,
): void {
  const required = chosen?.parametersSpec.required;
  if (!chosen || !Array.isArray(required) || required.length === 0) return;
  throw invalid(
    `Without a strategy, goal ${goalName} runs strategy ${chosen.name}, which needs parameters: ${required.map(String).join(', ')}. Name the strategy (--strategy ${chosen.name}) and give them.`,
    { goal: goalName, strategy: chosen.name },
    'INVALID_PARAMETERS',
  );
}
