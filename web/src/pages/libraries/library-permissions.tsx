/**
 * Who holds which role on a library (users by email, or a whole domain),
 * edited as a list and saved at once (PUT …/permissions: the server keeps
 * at least one ADMIN and names the entry it refuses, `permissions[2].value`).
 */
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import { TableScroll } from '../../components/table-scroll';
import type { Library, LibraryPermission } from './library-api';

const ROLES: LibraryPermission['role'][] = ['READER', 'WRITER', 'ADMIN'];

/** The index of the entry a server error names (`permissions[2].value` → 2). */
function entryOf(error: unknown): number | null {
  if (!(error instanceof ApiError) || error.field === undefined) return null;
  const match = /^permissions\[(\d+)\]/.exec(error.field);
  return match ? Number(match[1]) : null;
}

export function LibraryPermissions({ library, onSaved }: { library: Library; onSaved(library: Library): void }) {
  const [entries, setEntries] = useState<LibraryPermission[]>(() => library.permissions.map(({ type, value, role }) => ({ type, value, role })));
  const [newValue, setNewValue] = useState('');
  const [newType, setNewType] = useState<LibraryPermission['type']>('user');
  const [newRole, setNewRole] = useState<LibraryPermission['role']>('READER');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const save = async (next: LibraryPermission[]) => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const updated = await api<Library>(`/libraries/${encodeURIComponent(library.libraryId)}/permissions`, { method: 'PUT', body: { permissions: next } });
      setEntries(updated.permissions.map(({ type, value, role }) => ({ type, value, role })));
      onSaved(updated);
      setSaved(true);
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const next = [...entries, { type: newType, value: newValue.trim(), role: newRole }];
    setEntries(next);
    if (await save(next)) setNewValue('');
  };

  const bad = entryOf(error);
  return (
    <section aria-labelledby="permissions-heading">
      <h2 id="permissions-heading">Permissions</h2>
      <TableScroll label="Permissions, scrollable">
        <table aria-label="Who holds which role">
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry, i) => (
              <tr key={`${entry.type}:${entry.value}:${i}`}>
                <td>
                  {entry.value}
                  {entry.type === 'domain' && <span className="muted"> (everyone in the domain)</span>}
                  {bad === i && <ErrorNote error={error} />}
                </td>
                <td>
                  <select
                    aria-label={`Role of ${entry.value}`}
                    value={entry.role}
                    onChange={(e) => setEntries(entries.map((other, j) => (j === i ? { ...other, role: e.target.value as LibraryPermission['role'] } : other)))}
                  >
                    {ROLES.map((role) => (
                      <option key={role}>{role}</option>
                    ))}
                  </select>
                </td>
                <td>
                  <button type="button" onClick={() => setEntries(entries.filter((_, j) => j !== i))} aria-label={`Remove ${entry.value}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <div className="row">
        <button type="button" className="primary" disabled={busy} onClick={() => void save(entries)}>
          Save permissions
        </button>
        {saved && (
          <span role="status" className="ok-note">
            Saved.
          </span>
        )}
      </div>
      {bad === null && <ErrorNote error={error} />}
      <form className="row add-permission" onSubmit={add}>
        <div className="stack-tight">
          <label htmlFor="permission-type">Grant to</label>
          <select id="permission-type" value={newType} onChange={(e) => setNewType(e.target.value as LibraryPermission['type'])}>
            <option value="user">a user (email)</option>
            <option value="domain">a whole domain</option>
          </select>
        </div>
        <div className="stack-tight">
          <label htmlFor="permission-value">{newType === 'user' ? 'Email' : 'Domain'}</label>
          <input id="permission-value" value={newValue} required onChange={(e) => setNewValue(e.target.value)} />
        </div>
        <div className="stack-tight">
          <label htmlFor="permission-role">Role</label>
          <select id="permission-role" value={newRole} onChange={(e) => setNewRole(e.target.value as LibraryPermission['role'])}>
            {ROLES.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={busy}>
          Grant
        </button>
      </form>
    </section>
  );
}
