import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { ErrorNote } from '../components/error-note';
import { useSession } from './session-context';

/** Email and password, or an API token pasted once. */
export function SignInPage() {
  const { signIn, ended } = useSession();
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(mode === 'password' ? { email, password } : { token: token.trim() });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <h1>Sign in to batchyard</h1>
      {ended && !error && (
        <p className="notice" role="status">
          {ended instanceof ApiError && ended.code === 'SESSION_EXPIRED' ? 'Your session has expired.' : 'Your session has ended.'} Sign in again to go on.
        </p>
      )}
      <div className="segmented" role="group" aria-label="Sign in with">
        <button type="button" aria-pressed={mode === 'password'} onClick={() => setMode('password')}>
          Email and password
        </button>
        <button type="button" aria-pressed={mode === 'token'} onClick={() => setMode('token')}>
          API token
        </button>
      </div>
      <form onSubmit={submit} className="stack" aria-describedby={error ? 'sign-in-error' : undefined}>
        {mode === 'password' ? (
          <>
            <label>
              Email
              <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <label>
              Password
              <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          </>
        ) : (
          <label>
            API token
            <input type="password" autoComplete="off" required value={token} onChange={(e) => setToken(e.target.value)} />
          </label>
        )}
        <ErrorNote error={error} id="sign-in-error" />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
