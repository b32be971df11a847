/**
 * A library's settings for its admins: name, trash retention, who may find
 * it, restricted downloads, archived (read-only) or not (PATCH); and who holds
 * which role (PUT …/permissions). Errors sit beside the field the server names.
 */
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import type { Library } from './library-api';
import { LibraryPermissions } from './library-permissions';

const FINDABLE = [
  { value: 'READERS', label: 'Everyone with a role' },
  { value: 'CONTRIBUTORS', label: 'Writers and admins' },
  { value: 'ADMINS', label: 'Admins only' },
  { value: 'NONE', label: 'No one (open it by its address)' },
];

function fieldError(error: unknown, field: string): unknown {
  return error instanceof ApiError && error.field === field ? error : null;
}

export function LibrarySettings({ library, onSaved }: { library: Library; onSaved(library: Library): void }) {
  const [name, setName] = useState(library.name);
  const [days, setDays] = useState(String(library.daysBeforeDelete));
  const [findableBy, setFindableBy] = useState(library.findableBy);
  const [restricted, setRestricted] = useState(library.restrictedDownload);
  const [archived, setArchived] = useState(library.state === 'ARCHIVED');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const daysNumber = days.trim() === '' ? Number.NaN : Number(days);
      const body = {
        name: name.trim(),
        daysBeforeDelete: Number.isFinite(daysNumber) ? daysNumber : days,
        findableBy,
        restrictedDownload: restricted,
        ...(library.state === 'STANDARD' || library.state === 'ARCHIVED' ? { state: archived ? 'ARCHIVED' : 'STANDARD' } : {}),
      };
      const next = await api<Library>(`/libraries/${encodeURIComponent(library.libraryId)}`, { method: 'PATCH', body });
      onSaved(next);
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const known = ['name', 'daysBeforeDelete', 'findableBy', 'restrictedDownload', 'state'];
  const general = error instanceof ApiError && known.includes(error.field ?? '') ? null : error;
  const described = (field: string) => (fieldError(error, field) ? `settings-${field}-error` : undefined);
  return (
    <>
      <section aria-labelledby="settings-heading">
        <h2 id="settings-heading">Settings</h2>
        <form className="stack settings-form" onSubmit={save}>
          <div className="stack-tight">
            <label htmlFor="settings-name">Name</label>
            <input id="settings-name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={fieldError(error, 'name') ? true : undefined} aria-describedby={described('name')} />
            <ErrorNote error={fieldError(error, 'name')} id="settings-name-error" />
          </div>
          <div className="stack-tight">
            <label htmlFor="settings-days">Days in the trash before deletion</label>
            <input
              id="settings-days"
              inputMode="numeric"
              value={days}
              onChange={(e) => setDays(e.target.value)}
              aria-invalid={fieldError(error, 'daysBeforeDelete') ? true : undefined}
              aria-describedby={described('daysBeforeDelete')}
            />
            <ErrorNote error={fieldError(error, 'daysBeforeDelete')} id="settings-daysBeforeDelete-error" />
          </div>
          <div className="stack-tight">
            <label htmlFor="settings-findable">Who finds it in the list</label>
            <select id="settings-findable" value={findableBy} onChange={(e) => setFindableBy(e.target.value as Library['findableBy'])} aria-describedby={described('findableBy')}>
              {FINDABLE.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
            <ErrorNote error={fieldError(error, 'findableBy')} id="settings-findableBy-error" />
          </div>
          <label className="check">
            <input type="checkbox" checked={restricted} onChange={(e) => setRestricted(e.target.checked)} />
            Only writers may download (readers see names and sizes)
          </label>
          <label className="check">
            <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked)} disabled={library.state !== 'STANDARD' && library.state !== 'ARCHIVED'} />
            Archived (read-only: nothing can be uploaded, moved or trashed)
          </label>
          <ErrorNote error={fieldError(error, 'state')} />
          <ErrorNote error={general} />
          <div className="row">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save settings'}
            </button>
            {saved && (
              <span role="status" className="ok-note">
                Saved.
              </span>
            )}
          </div>
        </form>
      </section>
      <LibraryPermissions library={library} onSaved={onSaved} />
    </>
  );
}
