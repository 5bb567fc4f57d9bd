import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StewardError } from '../errors.js';
import { createPolicyEnforcer, DEFAULT_RULES, loadPolicyFile, READ_RULES, WRITE_RULES } from './policy.js';

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

  // Every rule but the tenant dashboard's, which answers with the caller's own project only (tested below).
  it.each(Object.keys(DEFAULT_RULES).filter((rule) => rule.includes(':') && rule !== 'dashboard:tenant'))(
    'the default rule %s admits admin and refuses reader',
    (rule) => {
      const policy = createPolicyEnforcer();
      expect(policy.allows(rule, as('admin'))).toBe(true);
      expect(policy.allows(rule, as('reader'))).toBe(false);
    },
  );

  it('the tenant dashboard admits any role of a project but the service role, and no role at all', () => {
    const policy = createPolicyEnforcer();
    for (const roles of [['admin'], ['member', 'reader'], ['reader']])
      expect(policy.allows('dashboard:tenant', as(...roles))).toBe(true);
    for (const roles of [['service'], []])
      expect(policy.allows('dashboard:tenant', as(...roles))).toBe(false);
    expect(policy.allows('dashboard:admin', as('member', 'reader'))).toBe(false);
  });

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

describe('policy: token attributes and reader rules', () => {
  const reader = {
    roles: ['reader'],
    projectId: 'p1',
    userId: 'u1',
    projectDomainId: 'default',
    userDomainId: 'default',
  };

  it.each([
    ['project_id:p1', true],
    ['project_id:p2', false],
    ['user_id:u1', true],
    ['project_domain_id:default', true],
    ['user_domain_id:other', false],
    ['domain_id:default', false],
    ['system_scope:all', false],
    ['is_admin_project:True', false],
    ['is_admin_project:False', true],
    ['project_id:%(project_id)s', false],
    ['constructor:x', false],
    ['role:reader and project_id:p1', true],
  ] as const)('the generic check %s is %s for a reader of project p1', (check, expected) => {
    expect(createPolicyEnforcer({ custom: check }).allows('custom', reader)).toBe(expected);
  });

  it('reader rules admit a reader of the admin project or of the system, and no other reader', () => {
    const policy = createPolicyEnforcer();
    for (const rule of READ_RULES) {
      expect(policy.allows(rule, { ...reader, isAdminProject: true })).toBe(true);
      expect(policy.allows(rule, { ...reader, projectId: null, systemScope: 'all' })).toBe(true);
      expect(policy.allows(rule, reader)).toBe(false);
      expect(policy.allows(rule, { ...reader, roles: ['member'], isAdminProject: true })).toBe(false);
    }
    for (const rule of WRITE_RULES)
      expect(policy.allows(rule, { ...reader, isAdminProject: true })).toBe(false);
    expect(policy.allows('webhook:trigger', { ...reader, roles: ['service'] })).toBe(true);
  });

  it('reads a YAML or a JSON policy file, and an empty one overrides nothing', () => {
    const directory = mkdtempSync(join(tmpdir(), 'steward-policy-'));
    const yamlFile = join(directory, 'policy.yaml');
    writeFileSync(yamlFile, '# the operators\n"audit:create": "role:operator"\ngoal:get_all: "@"\n');
    expect(loadPolicyFile(yamlFile)).toEqual({ 'audit:create': 'role:operator', 'goal:get_all': '@' });
    const jsonFile = join(directory, 'policy.json');
    writeFileSync(jsonFile, JSON.stringify({ 'audit:delete': '!' }));
    expect(loadPolicyFile(jsonFile)).toEqual({ 'audit:delete': '!' });
    const emptyFile = join(directory, 'empty.yaml');
    writeFileSync(emptyFile, '# every rule commented out\n');
    expect(loadPolicyFile(emptyFile)).toEqual({});
    const wrongFile = join(directory, 'wrong.yaml');
    writeFileSync(wrongFile, 'audit:create:\n  - role:admin\ngoal:get: "@"\n');
    expect(() => loadPolicyFile(wrongFile)).toThrow(/not a string: audit:create/);
  });
});
