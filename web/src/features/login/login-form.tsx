/**
 * Shown when Steward answers 401 (it runs with `auth: keystone`): a Keystone user logs in with a password (Steward
 * asks Keystone) or pastes a token. The token stays in this page's memory only: closing the tab logs out. Without
 * Keystone (noauth) this never appears.
 */
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { logIn } from '../../api/login.js';
import { useSession } from '../../api/session.js';
import { errorText } from '../../ui/query-view.js';

export function LoginForm({ reason }: { reason: string }) {
  const { setToken } = useSession();
  const queryClient = useQueryClient();
  const [fields, setFields] = useState({
    username: '',
    password: '',
    project_name: 'admin',
    user_domain_name: 'Default',
    project_domain_name: 'Default',
  });
  const [pasted, setPasted] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const acceptToken = (token: string) => {
    setToken(token);
    queryClient.clear();
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      acceptToken((await logIn(fields)).token);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  }

  const input = (name: keyof typeof fields, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`login-${name}`}>{label}</label>
      <input
        id={`login-${name}`}
        name={name}
        type={type}
        autoComplete={type === 'password' ? 'current-password' : name === 'username' ? 'username' : 'off'}
        value={fields[name]}
        onChange={(event) => setFields((current) => ({ ...current, [name]: event.target.value }))}
      />
    </div>
  );

  return (
    <main className="login">
      <div className="card login-card">
        <h1>Log in to Steward</h1>
        <p>{reason}</p>
        <form
          className="form-plain"
          onSubmit={(event) => void submit(event)}
          aria-label="Log in with Keystone"
        >
          {error !== undefined && (
            <div className="note note-error" role="alert">
              {error}
            </div>
          )}
          {input('username', 'User name')}
          {input('password', 'Password', 'password')}
          {input('project_name', 'Project')}
          <div className="row">
            {input('user_domain_name', 'User domain')}
            {input('project_domain_name', 'Project domain')}
          </div>
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Logging in…' : 'Log in'}
            </button>
          </div>
        </form>
        <details>
          <summary>Use a Keystone token instead</summary>
          <form
            className="form-plain"
            aria-label="Log in with a token"
            onSubmit={(event) => {
              event.preventDefault();
              if (pasted.trim() !== '') acceptToken(pasted.trim());
            }}
          >
            <div className="field">
              <label htmlFor="login-token">Keystone token</label>
              <input
                id="login-token"
                name="token"
                type="password"
                autoComplete="off"
                value={pasted}
                onChange={(event) => setPasted(event.target.value)}
              />
              <small className="hint">
                <code>openstack token issue -f value -c id</code> prints one.
              </small>
            </div>
            <button type="submit">Use this token</button>
          </form>
        </details>
        <p className="hint">
          The token is kept in this page&apos;s memory only: closing or reloading the tab logs you out.
        </p>
      </div>
    </main>
  );
}
