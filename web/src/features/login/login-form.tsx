/**
 * Shown when Steward answers 401 (it runs with `auth: keystone`): the user pastes a Keystone token, which stays in
 * this page's memory only. Without Keystone (noauth) this never appears.
 */
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useSession } from '../../api/session.js';

export function LoginForm({ reason }: { reason: string }) {
  const { setToken } = useSession();
  const queryClient = useQueryClient();
  const [token, setTokenText] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    if (token.trim() === '') return;
    setToken(token.trim());
    queryClient.clear();
  }

  return (
    <main className="login">
      <form className="form card" onSubmit={submit} aria-label="Log in">
        <h1>Log in to Steward</h1>
        <p>{reason}</p>
        <div className="field">
          <label htmlFor="login-token">Keystone token</label>
          <input
            id="login-token"
            name="token"
            type="password"
            autoComplete="off"
            value={token}
            onChange={(event) => setTokenText(event.target.value)}
          />
          <small className="hint">
            <code>openstack token issue -f value -c id</code> prints one. It is kept in memory only: closing
            the tab logs you out.
          </small>
        </div>
        <div className="form-actions">
          <button type="submit" className="primary">
            Log in
          </button>
        </div>
      </form>
    </main>
  );
}
