/**
 * The libraries the caller can find (GET /libraries, a page at a time):
 * name, the caller's role, state and usage (items, bytes); and a form to
 * create one (the creator becomes its ADMIN).
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import { formatBytes, formatCount } from '../../components/format';
import { Link } from '../../components/link';
import { Loading } from '../../components/loading';
import { TableScroll } from '../../components/table-scroll';
import { navigate } from '../../router';
import { libraryHref, type Library } from './library-api';
import './library.css';

interface LibraryPage {
  libraries: Library[];
  nextCursor: string | null;
}

const RIGHT_LABEL: Record<string, string> = { READER: 'reader', WRITER: 'writer', ADMIN: 'admin', SUPER_ADMIN: 'domain admin', NONE: '—' };

function CreateLibrary({ onCreated }: { onCreated(library: Library): void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await api<Library>('/libraries', { method: 'POST', body: { name: name.trim() } }));
      setName('');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const nameError = error instanceof ApiError && error.field === 'name';
  return (
    <form className="row create-library" onSubmit={submit} aria-label="Create a library">
      <label htmlFor="library-name">New library</label>
      <input
        id="library-name"
        placeholder="Name"
        value={name}
        required
        onChange={(e) => setName(e.target.value)}
        aria-invalid={nameError ? true : undefined}
        aria-describedby={error ? 'library-name-error' : undefined}
      />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create library'}
      </button>
      <ErrorNote error={error} id="library-name-error" />
    </form>
  );
}

export function LibrariesPage(_props: { params: Record<string, string> }) {
  const [libraries, setLibraries] = useState<Library[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback((from: string | null) => {
    setLoading(true);
    api<LibraryPage>('/libraries', { query: { limit: 100, cursor: from ?? undefined } })
      .then((page) => {
        setLibraries((current) => (from === null ? page.libraries : [...current, ...page.libraries]));
        setCursor(page.nextCursor);
        setError(null);
      })
      .catch(setError)
      .finally(() => setLoading(false));
  }, []);

  useEffect(() => load(null), [load]);

  return (
    <>
      <h1>Libraries</h1>
      <CreateLibrary onCreated={(library) => navigate(libraryHref(library.libraryId))} />
      <TableScroll label="Libraries, scrollable">
        <table aria-label="Libraries">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Your role</th>
              <th scope="col" className="hide-narrow">
                State
              </th>
              <th scope="col">Items</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {libraries.map((library) => (
              <tr key={library.libraryId}>
                <td>
                  <Link href={libraryHref(library.libraryId)}>{library.name}</Link>
                </td>
                <td>{RIGHT_LABEL[library.currentUserRight] ?? library.currentUserRight}</td>
                <td className="hide-narrow">{library.state.toLowerCase()}</td>
                <td>{formatCount(library.usage.items)}</td>
                <td>{formatBytes(library.usage.bytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {loading && <Loading label="Loading the libraries…" />}
      {!loading && libraries.length === 0 && error === null && <p className="muted">No library yet. Create one above.</p>}
      {!loading && cursor !== null && (
        <button type="button" onClick={() => load(cursor)}>
          Show more
        </button>
      )}
      <ErrorNote error={error} />
    </>
  );
}
