/**
 * A password login to the simulated cloud's Keystone, for tests that call its Nova, Placement or Ironic APIs
 * directly rather than through Steward's clients.
 */
export interface SimulatedUser {
  name: string;
  password: string;
  /** Scopes the token to this project of the Default domain; unscoped without it. */
  projectName?: string;
}

export async function simulatedLogin(
  authUrl: string,
  user: SimulatedUser,
): Promise<{ token: string; body: unknown }> {
  const response = await fetch(`${authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user.name, domain: { name: 'Default' }, password: user.password } },
        },
        ...(user.projectName !== undefined && {
          scope: { project: { name: user.projectName, domain: { name: 'Default' } } },
        }),
      },
    }),
  });
  const token = response.headers.get('x-subject-token');
  if (!token) throw new Error(`the simulated Keystone refused ${user.name}: ${response.status}`);
  return { token, body: await response.json() };
}
