/**
 * The machine's real Keystone (scripts/ensure-services.sh: Debian's keystone 22 on 127.0.0.1:5000) for the
 * authentication tests. Each run makes its own users and projects, named with a random suffix so runs on one
 * machine never share them, and deletes them (and any catalog region it registered) afterwards.
 */
import { randomBytes } from 'node:crypto';

export const KEYSTONE_URL = process.env.STEWARD_TEST_KEYSTONE_URL ?? 'http://127.0.0.1:5000/v3';
export const KEYSTONE_ADMIN = {
  username: 'admin',
  password: process.env.STEWARD_KEYSTONE_ADMIN_PASSWORD ?? 'steward-keystone-admin',
  projectName: 'admin',
};

/** The callers of the role matrix, each a user of its own with one role assignment. */
export const CALLERS = ['admin', 'service', 'member', 'reader', 'other'] as const;
export type Caller = (typeof CALLERS)[number];

export interface KeystoneUser {
  username: string;
  password: string;
  projectName: string;
}

export interface KeystoneFixture {
  suffix: string;
  users: Record<Caller, KeystoneUser>;
  /** A fresh project-scoped token of the caller. */
  issueToken(user: KeystoneUser): Promise<string>;
  /** `DELETE /v3/auth/tokens` as the admin: Keystone refuses the token from now on. */
  revoke(token: string): Promise<void>;
  /** A catalog region this run registers Steward in; removed with its endpoints by `cleanup`. */
  region: string;
  cleanup(): Promise<void>;
}

/**
 * Each call on a connection of its own: uWSGI closes an idle kept-alive connection without telling the client, and a
 * request that Node's fetch then sends on it fails with "other side closed" (seen in `npm run bench -- auth`).
 */
function keystoneFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), Connection: 'close' },
  });
}

export async function isKeystoneUp(): Promise<boolean> {
  try {
    return (await keystoneFetch(KEYSTONE_URL, { signal: AbortSignal.timeout(15_000) })).ok;
  } catch {
    return false;
  }
}

export async function issueToken(user: KeystoneUser): Promise<string> {
  const response = await keystoneFetch(`${KEYSTONE_URL}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user.username, domain: { id: 'default' }, password: user.password } },
        },
        scope: { project: { name: user.projectName, domain: { id: 'default' } } },
      },
    }),
  });
  const token = response.headers.get('x-subject-token');
  if (response.status !== 201 || !token)
    throw new Error(
      `Keystone refused a token to ${user.username}: ${response.status} ${await response.text()}`,
    );
  return token;
}

export async function createKeystoneFixture(): Promise<KeystoneFixture> {
  const suffix = randomBytes(4).toString('hex');
  const adminToken = await issueToken(KEYSTONE_ADMIN);
  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> => {
    const response = await keystoneFetch(`${KEYSTONE_URL}${path}`, {
      method,
      headers: {
        'X-Auth-Token': adminToken,
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (response.status >= 400)
      throw new Error(`Keystone ${method} ${path}: ${response.status} ${await response.text()}`);
    return (response.status === 204 ? {} : await response.json()) as T;
  };
  const findOrCreate = async (collection: 'roles' | 'projects', name: string): Promise<string> => {
    const found = await call<Record<string, { id: string }[]>>('GET', `/${collection}?name=${name}`);
    const existing = found[collection]?.[0];
    if (existing) return existing.id;
    const single = collection === 'roles' ? 'role' : 'project';
    const created = await call<Record<string, { id: string }>>('POST', `/${collection}`, {
      [single]: { name, ...(single === 'project' && { domain_id: 'default' }) },
    });
    return created[single]!.id;
  };

  // Shared across runs and kept: the `service` role and project, as a deployment has them.
  const serviceRole = await findOrCreate('roles', 'service');
  const serviceProject = await findOrCreate('projects', 'service');
  const adminProject = await findOrCreate('projects', 'admin');
  const roleId = async (name: string) => findOrCreate('roles', name);
  const tenantProject = (
    await call<{ project: { id: string } }>('POST', '/projects', {
      project: { name: `steward-tenant-${suffix}`, domain_id: 'default' },
    })
  ).project.id;

  const plan: Record<Caller, { project: [string, string]; role: string }> = {
    admin: { project: [adminProject, 'admin'], role: await roleId('admin') },
    service: { project: [serviceProject, 'service'], role: serviceRole },
    member: { project: [adminProject, 'admin'], role: await roleId('member') },
    reader: { project: [adminProject, 'admin'], role: await roleId('reader') },
    other: { project: [tenantProject, `steward-tenant-${suffix}`], role: await roleId('member') },
  };
  const userIds: string[] = [];
  const users = {} as Record<Caller, KeystoneUser>;
  for (const caller of CALLERS) {
    const password = `pw-${caller}-${suffix}`;
    const username = `steward-${caller}-${suffix}`;
    const { user } = await call<{ user: { id: string } }>('POST', '/users', {
      user: { name: username, password, domain_id: 'default' },
    });
    userIds.push(user.id);
    const { project, role } = plan[caller];
    await call('PUT', `/projects/${project[0]}/users/${user.id}/roles/${role}`);
    users[caller] = { username, password, projectName: project[1] };
  }
  const region = `steward-${suffix}`;

  return {
    suffix,
    users,
    issueToken,
    region,
    async revoke(token) {
      const response = await keystoneFetch(`${KEYSTONE_URL}/auth/tokens`, {
        method: 'DELETE',
        headers: { 'X-Auth-Token': adminToken, 'X-Subject-Token': token },
      });
      if (response.status !== 204) throw new Error(`revocation failed: ${response.status}`);
    },
    async cleanup() {
      const { endpoints } = await call<{ endpoints: { id: string }[] }>(
        'GET',
        `/endpoints?region_id=${region}`,
      );
      for (const endpoint of endpoints) await call('DELETE', `/endpoints/${endpoint.id}`);
      await call('DELETE', `/regions/${region}`).catch(() => undefined);
      for (const id of userIds) await call('DELETE', `/users/${id}`);
      await call('PATCH', `/projects/${tenantProject}`, { project: { enabled: false } });
      await call('DELETE', `/projects/${tenantProject}`);
    },
  };
}
