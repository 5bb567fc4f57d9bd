import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { assertRouteDeclared } from './route-policies.js';

describe('route declarations checked at startup', () => {
  const answer = { 200: Type.Object({ goals: Type.Array(Type.Unknown()) }) };

  it('accepts a guarded route with its success schema, and a public route without one', () => {
    expect(() => assertRouteDeclared('GET', '/v1/goals', answer)).not.toThrow();
    expect(() => assertRouteDeclared('POST', '/v1/audits', { 201: answer[200] })).not.toThrow();
    expect(() => assertRouteDeclared('GET', '/metrics', undefined)).not.toThrow();
  });

  it('refuses a route under no rule and not public', () => {
    expect(() => assertRouteDeclared('GET', '/v1/secret', answer)).toThrow(
      'route GET /v1/secret has no policy rule in src/api/route-policies.ts',
    );
  });

  it('refuses a guarded route that declares no success schema, or only error ones', () => {
    expect(() => assertRouteDeclared('GET', '/v1/goals', undefined)).toThrow(
      'route GET /v1/goals declares no response schema for its success answer',
    );
    expect(() => assertRouteDeclared('GET', '/v1/goals', { 404: answer[200] })).toThrow('no response schema');
  });
});
