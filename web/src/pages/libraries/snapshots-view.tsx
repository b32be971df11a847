/**
 * A library's snapshots (`snapshots`): newest first, what each holds and what
 * changed since the one before; writers take a new one, admins delete one.
 * One snapshot (`snapshots/<id>/<folder>`) is browsed like a folder, as it
 * was; writers select entries and restore them (back where they were, into a
 * folder, or into another library). The jobs started are followed here.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Job } from '../../api/types';
import { DeleteWithQuestion } from '../../components/delete-with-question';
import { ErrorNote } from '../../components/error-note';
import { formatBytes, formatCount, formatTime } from '../../components/format';
import { Link } from '../../components/link';
import { Loading } from '../../components/loading';
import { TableScroll } from '../../components/table-scroll';
import { ItemIcon } from './item-icon';
import { JobDialog } from './job-dialog';
import type { JobSpec } from './job-specs';
import { canWrite, hasRight, type Library } from './library-api';
import { asSelection, BACKUP, deleteSnapshot, getSnapshot, listSnapshotItems, listSnapshots, restoreSpec, snapshotsHref, type Snapshot, type SnapshotItem } from './snapshot-api';
import { StartedJobs } from './started-jobs';
import { useItemPages } from './use-item-pages';

function changeSummary(snapshot: Snapshot): string {
  const parts = [snapshot.added > 0 && `${formatCount(snapshot.added)} added`, snapshot.changed > 0 && `${formatCount(snapshot.changed)} changed`, snapshot.removed > 0 && `${formatCount(snapshot.removed)} removed`].filter(Boolean);
  return parts.length === 0 ? 'no change' : parts.join(', ');
}

export function SnapshotsView({ library, rest }: { library: Library; rest: string[] }) {
  const snapshotId = rest.length > 0 ? Number(rest[0]) : undefined;
  if (snapshotId !== undefined && !(Number.isInteger(snapshotId) && snapshotId > 0)) {
    return (
      <p>
        No such snapshot. <Link href={snapshotsHref(library.libraryId)}>See the snapshots</Link>.
      </p>
    );
  }
  return snapshotId === undefined ? <SnapshotList library={library} /> : <SnapshotFolder library={library} snapshotId={snapshotId} path={`/${rest.slice(1).join('/')}`} />;
}

function SnapshotList({ library }: { library: Library }) {
  const libraryId = library.libraryId;
  const pages = useItemPages<Snapshot>(`snapshots\n${libraryId}`, (cursor, signal) =>
    listSnapshots(libraryId, cursor, signal).then((page) => ({ items: page.snapshots, nextCursor: page.nextCursor })),
  );
  const [open, setOpen] = useState<JobSpec | null>(null);
  const [jobs, setJobs] = useState<Job[]>([]);
  const { reload } = pages;
  const onJobEnded = useCallback(() => reload(), [reload]);
  const isAdmin = hasRight(library, 'ADMIN');

  return (
    <section aria-labelledby="snapshots-heading">
      <h2 id="snapshots-heading">Snapshots</h2>
      <p className="muted">A snapshot records the library as it was at one instant. Open one to browse it and restore what it holds.</p>
      {canWrite(library) && (
        <div className="selection-bar" role="toolbar" aria-label="Actions on the snapshots">
          <button type="button" onClick={() => setOpen(BACKUP)}>
            {BACKUP.label}
          </button>
        </div>
      )}
      {open && <JobDialog spec={open} library={library} selection={[]} folder="/" onStarted={(job) => setJobs((current) => [job, ...current])} onClose={() => setOpen(null)} />}
      <StartedJobs jobs={jobs} onEnded={onJobEnded} onDismiss={(id) => setJobs((current) => current.filter((job) => job.id !== id))} />
      <ErrorNote error={pages.error} />
      {pages.items.length === 0 ? (
        pages.loading ? (
          <Loading label="Loading the snapshots…" />
        ) : (
          !pages.error && <p className="notice">No snapshot yet.</p>
        )
      ) : (
        <TableScroll label="Snapshots, scrollable">
          <table aria-label="Snapshots">
            <thead>
              <tr>
                <th scope="col">Taken</th>
                <th scope="col">Label</th>
                <th scope="col">Holds</th>
                <th scope="col" className="hide-narrow">
                  Since the one before
                </th>
                <th scope="col" className="hide-narrow">
                  Job
                </th>
                {isAdmin && (
                  <th scope="col">
                    <span className="visually-hidden">Delete</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {pages.items.map((snapshot) => (
                <tr key={snapshot.id}>
                  <td>
                    <Link href={snapshotsHref(libraryId, snapshot.id)}>{formatTime(snapshot.createdAt)}</Link>
                  </td>
                  <td>{snapshot.label ?? <span className="muted">none</span>}</td>
                  <td>
                    {formatCount(snapshot.counts.files)} files, {formatCount(snapshot.counts.folders)} folders, {formatBytes(snapshot.bytes)}
                  </td>
                  <td className="hide-narrow">{changeSummary(snapshot)}</td>
                  <td className="hide-narrow">{snapshot.jobId === null ? '—' : <Link href={`/jobs/${snapshot.jobId}`}>#{snapshot.jobId}</Link>}</td>
                  {isAdmin && (
                    <td>
                      <DeleteWithQuestion
                        ariaLabel={`Delete the snapshot of ${formatTime(snapshot.createdAt)}`}
                        title="Delete this snapshot?"
                        confirmLabel="Delete the snapshot"
                        className="small danger"
                        remove={() => deleteSnapshot(libraryId, snapshot.id)}
                        onDeleted={reload}
                      >
                        <p>{`The snapshot of ${formatTime(snapshot.createdAt)} goes for good, with the bytes only it still holds. The library itself does not change.`}</p>
                      </DeleteWithQuestion>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {pages.hasMore && pages.items.length > 0 && (
        <button type="button" className="small" onClick={pages.loadMore} disabled={pages.loading}>
          {pages.loading ? 'Loading…' : 'Show older snapshots'}
        </button>
      )}
    </section>
  );
}

function SnapshotFolder({ library, snapshotId, path }: { library: Library; snapshotId: number; path: string }) {
  const libraryId = library.libraryId;
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [snapshotError, setSnapshotError] = useState<unknown>(null);
  const pages = useItemPages<SnapshotItem>(`snapshot\n${libraryId}\n${snapshotId}\n${path}`, (cursor, signal) => listSnapshotItems(libraryId, snapshotId, path, cursor, signal));
  const [selected, setSelected] = useState<Map<string, SnapshotItem>>(new Map());
  const [restoring, setRestoring] = useState(false);
  const [jobs, setJobs] = useState<Job[]>([]);
  const writable = canWrite(library);

  useEffect(() => {
    const controller = new AbortController();
    getSnapshot(libraryId, snapshotId, controller.signal).then(setSnapshot, (caught: unknown) => {
      if (!controller.signal.aborted) setSnapshotError(caught);
    });
    return () => controller.abort();
  }, [libraryId, snapshotId]);
  useEffect(() => setSelected(new Map()), [path]);

  const toggle = (entry: SnapshotItem) =>
    setSelected((current) => {
      const next = new Map(current);
      if (next.has(entry.path)) next.delete(entry.path);
      else next.set(entry.path, entry);
      return next;
    });
  const selection = [...selected.values()];
  const segments = path.split('/').filter((segment) => segment !== '');
  const title = snapshot ? `Snapshot of ${formatTime(snapshot.createdAt)}${snapshot.label ? ` (${snapshot.label})` : ''}` : 'Snapshot';

  return (
    <section aria-labelledby="snapshot-heading">
      <h2 id="snapshot-heading">{title}</h2>
      <ErrorNote error={snapshotError} />
      <nav aria-label="Folder path in the snapshot" className="breadcrumbs">
        <ol>
          <li>
            <Link href={snapshotsHref(libraryId)}>Snapshots</Link>
          </li>
          {['', ...segments].map((segment, i) => {
            const here = `/${segments.slice(0, i).join('/')}`;
            const label = i === 0 ? library.name : segment;
            return (
              <li key={here}>{i === segments.length ? <span aria-current="page">{label}</span> : <Link href={snapshotsHref(libraryId, snapshotId, here)}>{label}</Link>}</li>
            );
          })}
        </ol>
      </nav>
      {writable && (
        <div className="selection-bar" role="toolbar" aria-label="Actions on the snapshot">
          <span className="muted" aria-live="polite">
            {selection.length === 0 ? 'Nothing selected' : `${selection.length} selected`}
          </span>
          <button type="button" disabled={selection.length === 0} onClick={() => setRestoring(true)}>
            Restore…
          </button>
        </div>
      )}
      {restoring && (
        <JobDialog
          spec={restoreSpec(snapshotId)}
          library={library}
          selection={asSelection(selection)}
          folder={path}
          onStarted={(job) => setJobs((current) => [job, ...current])}
          onClose={() => setRestoring(false)}
        />
      )}
      <StartedJobs jobs={jobs} onEnded={() => setSelected(new Map())} onDismiss={(id) => setJobs((current) => current.filter((job) => job.id !== id))} />
      <ErrorNote error={pages.error} />
      {pages.items.length === 0 ? (
        pages.loading ? (
          <Loading label="Loading the folder…" />
        ) : (
          !pages.error && <p className="notice">This folder was empty.</p>
        )
      ) : (
        <TableScroll label="The snapshot's folder, scrollable">
          <table aria-label="Folder in the snapshot">
            <thead>
              <tr>
                {writable && (
                  <th scope="col">
                    <span className="visually-hidden">Select</span>
                  </th>
                )}
                <th scope="col">Name</th>
                <th scope="col">Size</th>
                <th scope="col" className="hide-narrow">
                  Modified
                </th>
              </tr>
            </thead>
            <tbody>
              {pages.items.map((entry) => (
                <tr key={entry.path}>
                  {writable && (
                    <td>
                      <input type="checkbox" checked={selected.has(entry.path)} onChange={() => toggle(entry)} aria-label={`Select ${entry.name}`} />
                    </td>
                  )}
                  <td>
                    <ItemIcon kind={entry.kind} />{' '}
                    {entry.kind === 'folder' ? <Link href={snapshotsHref(libraryId, snapshotId, entry.path)}>{entry.name}</Link> : entry.name}
                  </td>
                  <td>{entry.kind === 'folder' ? '—' : formatBytes(entry.size)}</td>
                  <td className="hide-narrow">{formatTime(entry.modifiedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {pages.hasMore && pages.items.length > 0 && (
        <button type="button" className="small" onClick={pages.loadMore} disabled={pages.loading}>
          {pages.loading ? 'Loading…' : 'Show more'}
        </button>
      )}
    </section>
  );
}
