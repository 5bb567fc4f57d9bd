/** The dashboard's login with `auth: keystone`: Steward asks Keystone for the user's token (`POST /dashboard/login`). */
import { ApiError } from '@steward/contract/client.js';
import { readWatcherFault } from '@steward/contract/error-body.js';

export interface LoginRequest {
  username: string;
  password: string;
  project_name: string;
  user_domain_name: string;
  project_domain_name: string;
}

export async function logIn(request: LoginRequest): Promise<{ token: string; expires_at: string }> {
  const response = await fetch(`${window.location.origin}/dashboard/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(request),
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok)
    throw new ApiError(
      response.status,
      readWatcherFault(body) ?? response.statusText,
      response.headers.get('x-openstack-request-id'),
    );
  return body as { token: string; expires_at: string };
}
