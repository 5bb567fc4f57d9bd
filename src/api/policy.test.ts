import { describe, expect, it } from 'vitest';
import { StewardError } from '../errors.js';
import { createPolicyEnforcer, DEFAULT_RULES } from './policy.js';

const as = (...roles: string[]) => ({ roles, projectId: null, userId: null });

describe('policy', () => {
  it.each([
    ['role:admin', ['admin'], true],
    ['role:admin', ['reader'], false],
    ['@', [], true],
    ['!', ['admin'], false],
    ['role:a and role:b', ['a'], false],
    ['role:a and role:b', ['a', 'b'], true],
    ['role:a or role:b', ['b'], true],
    ['not role:a', ['b'], true],
    ['not role:a', ['a'], false],
    ['(role:a or role:b) and not role:c', ['b', 'c'], false],
    ['(role:a or role:b) and not role:c', ['a'], true],
    ['rule:admin_api or role:reader', ['reader'], true],
    ['rule:no_such_rule', ['admin'], false],
  ] as const)('the check string %s for roles %j evaluates to %s', (check, roles, expected) => {
    expect(createPolicyEnforcer({ custom: check }).allows('custom', as(...roles))).toBe(expected);
  });

  it.each(Object.keys(DEFAULT_RULES).filter((rule) => rule.includes(':')))(
    'the default rule %s admits admin and refuses reader',
    (rule) => {
      const policy = createPolicyEnforcer();
      expect(policy.allows(rule, as('admin'))).toBe(true);
      expect(policy.allows(rule, as('reader'))).toBe(false);
    },
  );

  it('a rule that refers to itself is refused rather than looping', () => {
    expect(createPolicyEnforcer({ loop: 'rule:loop' }).allows('loop', as('admin'))).toBe(false);
  });

  it('enforce refuses with upstream text and a forbidden error', () => {
    const thrown = (() => {
      try {
        createPolicyEnforcer().enforce('audit:create', as('reader'));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(StewardError);
    expect((thrown as StewardError).kind).toBe('forbidden');
    expect((thrown as StewardError).message).toBe("Policy doesn't allow audit:create to be performed.");
  });
});
