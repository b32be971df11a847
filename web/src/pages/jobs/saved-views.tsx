import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import { Link } from '../../components/link';
import { useApi } from '../../components/use-api';
import { hrefOf } from '../../router';

export interface SavedView {
  id: number;
  name: string;
  query: string;
  createdAt: string;
}

/** The user's saved queries as links (each a bookmarkable /jobs?q=…), saving the current one under a name, deleting one. */
export function SavedViews({ query }: { query: string }) {
  const views = useApi<{ views: SavedView[] }>('/views');
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/views', { method: 'POST', body: { name: name.trim(), query } });
      setNaming(false);
      setName('');
      views.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (view: SavedView) => {
    setError(null);
    try {
      await api(`/views/${view.id}`, { method: 'DELETE' });
      views.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  const list = views.data?.views ?? [];
  return (
    <section className="saved-views" aria-label="Saved views">
      <div className="row">
        <span className="muted">Saved views:</span>
        {list.length === 0 && !views.loading && <span className="muted">none yet</span>}
        <ul className="chips">
          {list.map((view) => (
            <li key={view.id} className="chip">
              <Link href={hrefOf('/jobs', { q: view.query })} aria-current={view.query === query ? 'true' : undefined} title={view.query}>
                {view.name}
              </Link>
              <button type="button" className="chip-remove" aria-label={`Delete saved view ${view.name}`} onClick={() => void remove(view)}>
                ×
              </button>
            </li>
          ))}
        </ul>
        {!naming && query !== '' && (
          <button type="button" className="small" onClick={() => setNaming(true)}>
            Save this view…
          </button>
        )}
      </div>
      {naming && (
        <form className="row save-view" onSubmit={(event) => void save(event)}>
          <label className="inline-label">
            View name
            <input value={name} required maxLength={100} autoFocus aria-invalid={error ? true : undefined} aria-describedby={error ? 'save-view-error' : undefined} onChange={(e) => setName(e.target.value)} />
          </label>
          <button type="submit" className="primary small" disabled={busy || name.trim() === ''}>
            Save
          </button>
          <button type="button" className="small" onClick={() => setNaming(false)}>
            Cancel
          </button>
        </form>
      )}
      <ErrorNote error={error ?? views.error} id="save-view-error" />
    </section>
  );
}
