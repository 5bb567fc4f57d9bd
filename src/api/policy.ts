/**
 * Watcher's policy rules as data, evaluated against the caller's credentials. A policy file overrides any rule
 * (oslo.policy style: `rule_name: check string`, in YAML or JSON). Check strings support `role:x`, `rule:y`, `@`,
 * `!`, `and`, `or`, `not`, parentheses, and oslo.policy's generic checks against the token's attributes
 * (`project_id:…`, `user_id:…`, `domain_id:…`, `project_domain_id:…`, `user_domain_id:…`, `system_scope:all`,
 * `is_admin_project:True`).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { StewardError } from '../errors.js';

const ADMIN = 'rule:admin_api';
const READER = 'rule:reader_api';

/** Rules that read; Watcher gives them `rule:admin_api`, Steward `rule:reader_api` (docs/security.md). */
export const READ_RULES = [
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
  'audit:get_all',
  'audit:detail',
  'audit:get',
  'action_plan:get_all',
  'action_plan:detail',
  'action_plan:get',
  'action:get_all',
  'action:detail',
  'action:get',
  'scoring_engine:get_all',
  'scoring_engine:detail',
  'scoring_engine:get',
  'service:get_all',
  'service:detail',
  'service:get',
  'data_model:get_all',
] as const;

/** Rules that change something: Watcher's `rule:admin_api`, kept. */
export const WRITE_RULES = [
  'audit_template:create',
  'audit_template:update',
  'audit_template:delete',
  'audit:create',
  'audit:update',
  'audit:delete',
  'action_plan:update',
  'action_plan:delete',
  'action_plan:start',
  'action:update',
  'data_model:refresh',
] as const;

export const DEFAULT_RULES: Readonly<Record<string, string>> = {
  admin_api: 'role:admin or role:administrator',
  admin_or_service_api: 'rule:admin_api or role:service',
  // Steward's: a reader of the whole cloud, i.e. system-scoped or in Keystone's admin project
  // ([resource] admin_project_name). A reader of any other project sees nothing: Watcher's objects and the data
  // model are cloud-wide, not per tenant.
  reader_api:
    'rule:admin_api or (role:reader and system_scope:all) or (role:reader and is_admin_project:True)',
  show_password: '!',
  ...Object.fromEntries(READ_RULES.map((rule) => [rule, READER])),
  ...Object.fromEntries(WRITE_RULES.map((rule) => [rule, ADMIN])),
  'webhook:trigger': 'rule:admin_or_service_api',
  // Utilisation dashboards (Steward's extension): the cloud-wide one is an admin's; the tenant one shows only the
  // token's own project, so any role in that project may read it.
  'dashboard:admin': ADMIN,
  'dashboard:tenant': 'rule:admin_api or role:reader or role:member',
};

/** Who is calling, as oslo.context gives it to oslo.policy. */
export interface Credentials {
  roles: readonly string[];
  projectId: string | null;
  userId: string | null;
  projectDomainId?: string | null;
  userDomainId?: string | null;
  /** Of a domain-scoped token. */
  domainId?: string | null;
  /** `all` for a system-scoped token. */
  systemScope?: string | null;
  /** Keystone's `is_admin_project` (absent when Keystone has no admin project configured: then false). */
  isAdminProject?: boolean;
}

/** oslo.policy's generic check names and where each is in the credentials. */
const GENERIC_CHECKS = new Map<string, (credentials: Credentials) => string | null | undefined>([
  ['project_id', (c) => c.projectId],
  ['user_id', (c) => c.userId],
  ['project_domain_id', (c) => c.projectDomainId],
  ['user_domain_id', (c) => c.userDomainId],
  ['domain_id', (c) => c.domainId],
  ['system_scope', (c) => c.systemScope],
  // oslo.policy compares with Python's str(): True / False.
  ['is_admin_project', (c) => (c.isAdminProject === true ? 'True' : 'False')],
]);

export interface PolicyEnforcer {
  allows(rule: string, credentials: Credentials): boolean;
  /** Throws 403 "Policy doesn't allow <rule> to be performed." */
  enforce(rule: string, credentials: Credentials): void;
}

/** A policy file as oslo.policy reads it: YAML (`policy.yaml`) or JSON, a mapping of rule name to check string. */
export function loadPolicyFile(path: string): Record<string, string> {
  let parsed: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both formats.
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`policy file ${path} is neither YAML nor JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // An empty or all-comments file (oslopolicy-sample-generator's output) overrides nothing.
  if (parsed === null || parsed === undefined) return {};
  const wrong =
    typeof parsed !== 'object' || Array.isArray(parsed)
      ? ['(the whole file)']
      : Object.entries(parsed)
          .filter(([, value]) => typeof value !== 'string')
          .map(([name]) => name);
  if (wrong.length > 0) {
    throw new Error(
      `policy file ${path} must map rule names to check strings ("audit:create": "rule:admin_api"); not a string: ${wrong.join(', ')}`,
    );
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
    // A target substitution (`%(project_id)s`) has nothing to compare with: Watcher's objects have no owner.
    const read = kind === undefined ? undefined : GENERIC_CHECKS.get(kind);
    if (read === undefined || value.includes('%(')) return false;
    const actual = read(credentials);
    return actual !== null && actual !== undefined && actual === value;
  };
  return tokens.length === 0 ? true : parseOr();
}
