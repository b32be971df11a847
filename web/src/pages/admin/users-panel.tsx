/**
 * A domain's users for its admins: the list (a super admin picks the
 * domain, `?domain=`), a form to add one (email, name, role, an optional
 * password for signing in to the dashboard), and each user's name, role and
 * password changed in a dialog.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import type { UserRole } from '../../api/types';
import { ErrorNote } from '../../components/error-note';
import { Loading } from '../../components/loading';
import { TableScroll } from '../../components/table-scroll';
import { hrefOf, navigate, useLocation } from '../../router';
import { useSignedIn } from '../../session/session-context';
import { grantableRoles, ROLE_LABEL, type AdminUser } from './admin-api';
import { UserEditDialog } from './user-edit-dialog';

function fieldError(error: unknown, field: string): unknown {
  return error instanceof ApiError && error.field === field ? error : null;
}

function AddUser({ domain, onAdded }: { domain: string | undefined; onAdded(user: AdminUser): void }) {
  const { user: me } = useSignedIn();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<UserRole>('user');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { email: email.trim(), role, ...(name.trim() === '' ? {} : { name: name.trim() }), ...(password === '' ? {} : { password }), ...(domain ? { domain } : {}) };
      onAdded(await api<AdminUser>('/users', { method: 'POST', body }));
      setEmail('');
      setName('');
      setPassword('');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const known = ['email', 'name', 'password', 'role'];
  return (
    <form className="add-user" onSubmit={submit} aria-label="Add a user">
      <div className="stack-tight">
        <label htmlFor="user-email">Email</label>
        <input id="user-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} aria-describedby={fieldError(error, 'email') ? 'user-email-error' : undefined} />
        <ErrorNote error={fieldError(error, 'email')} id="user-email-error" />
      </div>
      <div className="stack-tight">
        <label htmlFor="user-name">Name</label>
        <input id="user-name" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="stack-tight">
        <label htmlFor="user-role">Role</label>
        <select id="user-role" value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
          {grantableRoles(me.role).map((r) => (
            <option key={r} value={r}>
              {ROLE_LABEL[r]}
            </option>
          ))}
        </select>
      </div>
      <div className="stack-tight">
        <label htmlFor="user-password">Password (optional)</label>
        <input id="user-password" type="password" autoComplete="new-password" minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby="user-password-help" />
        <span id="user-password-help" className="muted">
          at least 8 characters; without one, the user signs in with a token
        </span>
        <ErrorNote error={fieldError(error, 'password')} />
      </div>
      <div className="add-user-submit">
        <button type="submit" className="primary" disabled={busy}>
          Add user
        </button>
      </div>
      {!(error instanceof ApiError && known.includes(error.field ?? '')) && <ErrorNote error={error} />}
    </form>
  );
}

export function UsersPanel() {
  const { user: me } = useSignedIn();
  const { query, path } = useLocation();
  const domain = me.role === 'super_admin' ? (query.get('domain') ?? undefined) : undefined;
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<AdminUser | null>(null);
  const [domainInput, setDomainInput] = useState(domain ?? '');

  const load = useCallback(
    (from: string | null) => {
      setLoading(true);
      api<{ users: AdminUser[]; nextCursor: string | null }>('/users', { query: { domain, cursor: from ?? undefined, limit: 100 } })
        .then((page) => {
          setUsers((current) => (from === null ? page.users : [...current, ...page.users]));
          setCursor(page.nextCursor);
          setError(null);
        })
        .catch((caught: unknown) => {
          setError(caught);
          if (from === null) setUsers([]);
        })
        .finally(() => setLoading(false));
    },
    [domain],
  );
  useEffect(() => load(null), [load]);

  return (
    <section aria-labelledby="users-heading">
      <h2 id="users-heading">Users{domain ? ` of ${domain}` : ''}</h2>
      {me.role === 'super_admin' && (
        <form
          className="row"
          aria-label="Choose a domain"
          onSubmit={(event) => {
            event.preventDefault();
            navigate(hrefOf(path, { domain: domainInput.trim() }));
          }}
        >
          <label htmlFor="users-domain">Domain</label>
          <input id="users-domain" placeholder={me.domain} value={domainInput} onChange={(e) => setDomainInput(e.target.value)} />
          <button type="submit">Show its users</button>
        </form>
      )}
      <AddUser domain={domain} onAdded={(added) => setUsers((current) => [...current, added])} />
      <TableScroll label="Users, scrollable">
        <table aria-label="Users">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col" className="hide-narrow">
                Name
              </th>
              <th scope="col">Role</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id}>
                <td>{user.email}</td>
                <td className="hide-narrow">{user.name}</td>
                <td>{ROLE_LABEL[user.role]}</td>
                <td>
                  <button type="button" onClick={() => setEditing(user)} aria-label={`Edit ${user.email}`}>
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {loading && <Loading label="Loading the users…" />}
      {!loading && cursor !== null && (
        <button type="button" onClick={() => load(cursor)}>
          Show more
        </button>
      )}
      <ErrorNote error={error} />
      {editing && (
        <UserEditDialog
          user={editing}
          onSaved={(saved) => setUsers((current) => current.map((u) => (u.id === saved.id ? saved : u)))}
          onClose={() => setEditing(null)}
        />
      )}
    </section>
  );
}
