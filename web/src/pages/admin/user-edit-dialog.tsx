/**
 * One user's name, role and password (PATCH /users/{id}) in a modal dialog.
 * One's own role is not offered (the server refuses it too).
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import type { UserRole } from '../../api/types';
import { ErrorNote } from '../../components/error-note';
import { useSignedIn } from '../../session/session-context';
import { grantableRoles, ROLE_LABEL, type AdminUser } from './admin-api';

export function UserEditDialog({ user, onSaved, onClose }: { user: AdminUser; onSaved(user: AdminUser): void; onClose(): void }) {
  const { user: me } = useSignedIn();
  const dialog = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState(user.name);
  const [role, setRole] = useState<UserRole>(user.role);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const self = me.id === user.id;
  const roles = grantableRoles(me.role);

  useEffect(() => {
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
  }, []);

  // close() (not unmounting) hands the focus back to the Edit button; its close event then unmounts the dialog.
  const close = () => (dialog.current?.open ? dialog.current.close() : onClose());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { ...(name.trim() !== user.name ? { name: name.trim() } : {}), ...(role !== user.role ? { role } : {}), ...(password === '' ? {} : { password }) };
      if (Object.keys(body).length === 0) {
        close();
        return;
      }
      onSaved(await api<AdminUser>(`/users/${user.id}`, { method: 'PATCH', body }));
      close();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const on = (field: string) => (error instanceof ApiError && error.field === field ? error : null);
  const general = error instanceof ApiError && ['name', 'role', 'password'].includes(error.field ?? '') ? null : error;
  return (
    <dialog ref={dialog} aria-labelledby="user-edit-title" onClose={onClose} className="job-dialog">
      <form className="stack" onSubmit={submit}>
        <h2 id="user-edit-title">Edit {user.email}</h2>
        <div className="stack-tight">
          <label htmlFor="edit-name">Name</label>
          <input id="edit-name" value={name} onChange={(e) => setName(e.target.value)} />
          <ErrorNote error={on('name')} />
        </div>
        <div className="stack-tight">
          <label htmlFor="edit-role">Role</label>
          <select id="edit-role" value={role} disabled={self || !roles.includes(user.role)} onChange={(e) => setRole(e.target.value as UserRole)} aria-describedby={self ? 'edit-role-help' : undefined}>
            {[...new Set([user.role, ...roles])].map((r) => (
              <option key={r} value={r}>
                {ROLE_LABEL[r]}
              </option>
            ))}
          </select>
          {self && (
            <span id="edit-role-help" className="muted">
              No one changes their own role.
            </span>
          )}
          <ErrorNote error={on('role')} />
        </div>
        <div className="stack-tight">
          <label htmlFor="edit-password">New password (leave empty to keep it)</label>
          <input id="edit-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          <ErrorNote error={on('password')} />
        </div>
        <ErrorNote error={general} />
        <div className="row">
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
          <button type="button" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
