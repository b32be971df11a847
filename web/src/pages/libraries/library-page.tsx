/**
 * One library: its files (`files/<path>`), its trash (`trash`), its snapshots
 * (`snapshots`, `snapshots/<id>/<path>`) and, for its admins, its settings (`settings`). Reads the library once (the caller's
 * right decides which actions show) and again after settings change.
 */
import { useCallback, useEffect, useState } from 'react';
import { ErrorNote } from '../../components/error-note';
import { Link } from '../../components/link';
import { Loading } from '../../components/loading';
import { navigate } from '../../router';
import { FileBrowser } from './file-browser';
import { getLibrary, hasRight, libraryHref, type Library } from './library-api';
import { LibrarySettings } from './library-settings';
import { snapshotsHref } from './snapshot-api';
import { SnapshotsView } from './snapshots-view';
import { TrashView } from './trash-view';
import './library.css';

type View = { kind: 'files'; path: string } | { kind: 'trash' } | { kind: 'snapshots'; rest: string[] } | { kind: 'settings' } | { kind: 'unknown' };

function viewOf(rest: string): View {
  const [first, ...more] = rest.split('/').filter((segment) => segment !== '');
  if (first === undefined) return { kind: 'unknown' };
  if (first === 'files') return { kind: 'files', path: `/${more.join('/')}` };
  if (first === 'trash' && more.length === 0) return { kind: 'trash' };
  if (first === 'snapshots') return { kind: 'snapshots', rest: more };
  if (first === 'settings' && more.length === 0) return { kind: 'settings' };
  return { kind: 'unknown' };
}

export function LibraryPage({ params }: { params: Record<string, string> }) {
  const libraryId = params.libraryId ?? '';
  const view = viewOf(params['*'] ?? '');
  const [library, setLibrary] = useState<Library | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    (signal?: AbortSignal) => {
      getLibrary(libraryId, signal)
        .then((next) => {
          setLibrary(next);
          setError(null);
        })
        .catch((caught: unknown) => {
          if (!signal?.aborted) setError(caught);
        });
    },
    [libraryId],
  );

  useEffect(() => {
    const controller = new AbortController();
    setLibrary(null);
    load(controller.signal);
    return () => controller.abort();
  }, [load]);

  useEffect(() => {
    if (view.kind === 'unknown' && (params['*'] ?? '') === '') navigate(libraryHref(libraryId), { replace: true });
  }, [view.kind, params, libraryId]);

  if (error !== null && library === null) {
    return (
      <>
        <h1>Library</h1>
        <ErrorNote error={error} />
        <p>
          <Link href="/libraries">Back to the libraries</Link>
        </p>
      </>
    );
  }
  if (library === null) return <Loading label="Loading the library…" />;
  const isAdmin = hasRight(library, 'ADMIN');
  const tabs = [
    { kind: 'files', label: 'Files', href: libraryHref(libraryId) },
    { kind: 'trash', label: 'Trash', href: libraryHref(libraryId, 'trash') },
    { kind: 'snapshots', label: 'Snapshots', href: snapshotsHref(libraryId) },
    ...(isAdmin ? [{ kind: 'settings', label: 'Settings', href: libraryHref(libraryId, 'settings') }] : []),
  ];
  return (
    <>
      <div className="library-head">
        <p className="muted library-crumb">
          <Link href="/libraries">Libraries</Link> /
        </p>
        <h1>{library.name}</h1>
        {library.state !== 'STANDARD' && <span className="status">{library.state.toLowerCase()}</span>}
      </div>
      <nav aria-label="Library" className="tabs">
        <ul>
          {tabs.map((tab) => (
            <li key={tab.kind}>
              <Link href={tab.href} aria-current={view.kind === tab.kind ? 'page' : undefined}>
                {tab.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {view.kind === 'files' && <FileBrowser key={library.libraryId} library={library} path={view.path} onChanged={() => load()} />}
      {view.kind === 'trash' && <TrashView library={library} onChanged={() => load()} />}
      {view.kind === 'snapshots' && <SnapshotsView library={library} rest={view.rest} />}
      {view.kind === 'settings' && (isAdmin ? <LibrarySettings library={library} onSaved={setLibrary} /> : <p>Only the library's admins see its settings.</p>)}
      {view.kind === 'unknown' && (params['*'] ?? '') !== '' && (
        <p>
          Nothing here. <Link href={libraryHref(libraryId)}>Go to the files</Link>.
        </p>
      )}
    </>
  );
}
