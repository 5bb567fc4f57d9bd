/**
 * Watcher's policy rules as data, evaluated against the caller's roles. A JSON policy file overrides any rule
 * (oslo.policy style: `"rule_name": "check string"`). Check strings support `role:x`, `rule:y`, `@`, `!`,
 * `and`, `or`, `not` and parentheses.
 */
import { readFileSync } from 'node:fs';
import { StewardError } from '../errors.js';

const ADMIN = 'rule:admin_api';

export const DEFAULT_RULES: Readonly<Record<string, string>> = {
  admin_api: 'role:admin or role:administrator',
  admin_or_service_api: 'rule:admin_api or role:service',
  show_password: '!',
  ...Object.fromEntries(
    [
      'goal:get_all',
      'goal:detail',
      'goal:get',
      'strategy:get_all',
      'strategy:detail',
      'strategy:get',
      'strategy:state',
      'audit_template:get_all',
      'audit_template:detail',
      'audit_template:get',
      'audit_template:create',
      'audit_template:update',
      'audit_template:delete',
      'audit:get_all',
      'audit:detail',
      'audit:get',
      'audit:create',
      'audit:update',
      'audit:delete',
      'action_plan:get_all',
      'action_plan:detail',
      'action_plan:get',
      'action_plan:update',
      'action_plan:delete',
      'action_plan:start',
      'action:get_all',
      'action:detail',
      'action:get',
      'action:update',
      'scoring_engine:get_all',
      'scoring_engine:detail',
      'scoring_engine:get',
      'service:get_all',
      'service:detail',
      'service:get',
      'data_model:get_all',
      'data_model:refresh',
    ].map((rule) => [rule, ADMIN]),
  ),
  'webhook:trigger': 'rule:admin_or_service_api',
};

export interface Credentials {
  roles: readonly string[];
  projectId: string | null;
  userId: string | null;
}

export interface PolicyEnforcer {
  allows(rule: string, credentials: Credentials): boolean;
  /** Throws 403 "Policy doesn't allow <rule> to be performed." */
  enforce(rule: string, credentials: Credentials): void;
}

export function loadPolicyFile(path: string): Record<string, string> {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Object.values(parsed).some((value) => typeof value !== 'string')
  ) {
    throw new Error(`policy file ${path} must be a JSON object of "rule": "check string"`);
  }
  return parsed as Record<string, string>;
}

export function createPolicyEnforcer(overrides: Readonly<Record<string, string>> = {}): PolicyEnforcer {
  const rules = { ...DEFAULT_RULES, ...overrides };
  const evaluate = (rule: string, credentials: Credentials, depth: number): boolean => {
    const check = rules[rule];
    if (check === undefined) return false;
    return evaluateCheck(check, credentials, (name) => depth < 10 && evaluate(name, credentials, depth + 1));
  };
  return {
    allows: (rule, credentials) => evaluate(rule, credentials, 0),
    enforce(rule, credentials) {
      if (!evaluate(rule, credentials, 0)) {
        throw new StewardError(
          'forbidden',
          'POLICY_FORBIDDEN',
          `Policy doesn't allow ${rule} to be performed.`,
        );
      }
    },
  };
}

function evaluateCheck(check: string, credentials: Credentials, rule: (name: string) => boolean): boolean {
  const tokens = check.match(/\(|\)|[^\s()]+/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const parseOr = (): boolean => {
    let value = parseAnd();
    while (peek()?.toLowerCase() === 'or') {
      position++;
      const right = parseAnd();
      value = value || right;
    }
    return value;
  };
  const parseAnd = (): boolean => {
    let value = parseNot();
    while (peek()?.toLowerCase() === 'and') {
      position++;
      const right = parseNot();
      value = value && right;
    }
    return value;
  };
  const parseNot = (): boolean => {
    if (peek()?.toLowerCase() === 'not') {
      position++;
      return !parseNot();
    }
    return parseAtom();
  };
  const parseAtom = (): boolean => {
    const token = tokens[position++];
    if (token === undefined) return true; // an empty check string allows, as oslo.policy
    if (token === '(') {
      const value = parseOr();
      position++;
      return value;
    }
    if (token === '@') return true;
    if (token === '!') return false;
    const [kind, ...rest] = token.split(':');
    const value = rest.join(':');
    if (kind === 'role') return credentials.roles.some((role) => role.toLowerCase() === value.toLowerCase());
    if (kind === 'rule') return rule(value);
    if (kind === 'project_id') return credentials.projectId !== null && value === credentials.projectId;
    return false;
  };
  return tokens.length === 0 ? true : parseOr();
}
