/**
 * API tokens: one's own, or (admins) those of the domain's users; mint one
 * (its secret is shown once, to copy), revoke one. Revoked and expired
 * tokens show on request.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import { formatTime } from '../../components/format';
import { Loading } from '../../components/loading';
import { TableScroll } from '../../components/table-scroll';
import { useSignedIn } from '../../session/session-context';
import type { AdminUser, MintedToken, TokenInfo } from './admin-api';

function MintToken({ onMinted }: { onMinted(token: MintedToken): void }) {
  const { user: me } = useSignedIn();
  const isAdmin = me.role !== 'user';
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [userId, setUserId] = useState(String(me.id));
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!isAdmin) return;
    let live = true;
    api<{ users: AdminUser[] }>('/users', { query: { limit: 1000 } })
      .then((page) => live && setUsers(page.users))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [isAdmin]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        ...(Number(userId) === me.id ? {} : { userId: Number(userId) }),
        ...(name.trim() === '' ? {} : { name: name.trim() }),
        ...(days.trim() === '' ? {} : { expiresInDays: Number(days) }),
      };
      onMinted(await api<MintedToken>('/tokens', { method: 'POST', body }));
      setName('');
      setDays('');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="row mint-token" onSubmit={submit} aria-label="Mint a token">
      {isAdmin && (
        <div className="stack-tight">
          <label htmlFor="token-user">For</label>
          <select id="token-user" value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value={me.id}>{me.email} (you)</option>
            {users
              .filter((user) => user.id !== me.id)
              .map((user) => (
                <option key={user.id} value={user.id}>
                  {user.email}
                </option>
              ))}
          </select>
        </div>
      )}
      <div className="stack-tight">
        <label htmlFor="token-name">Token name</label>
        <input id="token-name" value={name} placeholder="e.g. backup script" onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="stack-tight">
        <label htmlFor="token-days">Expires after (days, optional)</label>
        <input id="token-days" inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} />
      </div>
      <button type="submit" className="primary" disabled={busy}>
        Mint token
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

export function TokensPanel() {
  const [tokens, setTokens] = useState<TokenInfo[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [includeInactive, setIncludeInactive] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [minted, setMinted] = useState<MintedToken | null>(null);
  const [copied, setCopied] = useState(false);

  const load = useCallback(
    (from: string | null) => {
      setLoading(true);
      api<{ tokens: TokenInfo[]; nextCursor: string | null }>('/tokens', { query: { includeInactive, cursor: from ?? undefined, limit: 100 } })
        .then((page) => {
          setTokens((current) => (from === null ? page.tokens : [...current, ...page.tokens]));
          setCursor(page.nextCursor);
          setError(null);
        })
        .catch(setError)
        .finally(() => setLoading(false));
    },
    [includeInactive],
  );
  useEffect(() => load(null), [load]);

  const revoke = async (token: TokenInfo) => {
    if (!window.confirm(`Revoke the token “${token.name}” of ${token.userEmail}? Whatever uses it stops working.`)) return;
    try {
      await api<void>(`/tokens/${encodeURIComponent(token.id)}`, { method: 'DELETE' });
      load(null);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <MintToken
        onMinted={(token) => {
          setMinted(token);
          setCopied(false);
          load(null);
        }}
      />
      {minted && (
        <div className="notice minted" role="status">
          <p>
            The secret of “{minted.name}”, shown this once: copy it now.
          </p>
          <div className="row">
            <code className="secret">
              {minted.token}
            </code>
            <button
              type="button"
              onClick={() => {
                void navigator.clipboard?.writeText(minted.token).then(() => setCopied(true));
              }}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
        </div>
      )}
      <label className="check">
        <input type="checkbox" checked={includeInactive} onChange={(e) => setIncludeInactive(e.target.checked)} />
        Show revoked and expired tokens
      </label>
      <TableScroll label="Tokens, scrollable">
        <table aria-label="Tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">User</th>
              <th scope="col" className="hide-narrow">
                Created
              </th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>{token.userEmail}</td>
                <td className="hide-narrow">{formatTime(token.createdAt)}</td>
                <td>{token.revokedAt ? `revoked ${formatTime(token.revokedAt)}` : token.expiresAt ? formatTime(token.expiresAt) : 'never'}</td>
                <td>
                  {!token.revokedAt && (
                    <button type="button" className="danger" onClick={() => void revoke(token)} aria-label={`Revoke ${token.name} of ${token.userEmail}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {loading && <Loading label="Loading the tokens…" />}
      {!loading && cursor !== null && (
        <button type="button" onClick={() => load(cursor)}>
          Show more
        </button>
      )}
      <ErrorNote error={error} />
    </section>
  );
}
