/**
 * The library's trash: what was trashed (each trashed folder once, with
 * everything under it), newest first, a page at a time. Writers select items
 * to restore (a restore job) or purge (a purge job, for good), or empty the
 * whole trash; the jobs are followed here and the list reloads when they end.
 */
import { useCallback, useRef, useState } from 'react';
import type { Job } from '../../api/types';
import { ErrorNote } from '../../components/error-note';
import { formatBytes, formatTime } from '../../components/format';
import { Loading } from '../../components/loading';
import { TableScroll } from '../../components/table-scroll';
import { ItemIcon } from './item-icon';
import { JobDialog } from './job-dialog';
import type { JobSpec } from './job-specs';
import { canWrite, listTrash, type Item, type Library } from './library-api';
import { StartedJobs } from './started-jobs';
import { useItemPages } from './use-item-pages';

const ids = (selection: Item[]) => selection.map((item) => item.id);

const RESTORE: JobSpec = {
  type: 'restore',
  label: 'Restore…',
  needs: 'WRITER',
  selection: 'items',
  confirm: (selection) => `Put ${selection.length === 1 ? `“${selection[0]!.name}”` : `${selection.length} items`} back where they were?`,
  fields: [
    {
      name: 'onConflict',
      label: 'When the name is taken again',
      kind: 'select',
      options: [
        { value: 'fail', label: 'Fail that item' },
        { value: 'rename', label: 'Keep both (rename the restored one)' },
        { value: 'overwrite', label: 'Overwrite (the live one goes to the trash)' },
        { value: 'skip', label: 'Skip it' },
      ],
      initial: () => 'fail',
    },
  ],
  params: (values, selection) => ({ itemIds: ids(selection), onConflict: values.onConflict }),
};

const PURGE: JobSpec = {
  type: 'purge',
  label: 'Purge',
  needs: 'WRITER',
  selection: 'items',
  danger: true,
  confirm: (selection) => `Delete ${selection.length === 1 ? `“${selection[0]!.name}”` : `${selection.length} items`} for good? This cannot be undone.`,
  fields: [],
  params: (_values, selection) => ({ itemIds: ids(selection) }),
};

const EMPTY: JobSpec = {
  type: 'empty_trash',
  label: 'Empty the trash',
  needs: 'WRITER',
  selection: 'any',
  danger: true,
  confirm: () => 'Delete everything in the trash for good? This cannot be undone.',
  fields: [],
  params: () => ({}),
};

export function TrashView({ library, onChanged }: { library: Library; onChanged(): void }) {
  const libraryId = library.libraryId;
  const pages = useItemPages(`trash\n${libraryId}`, (cursor, signal) => listTrash(libraryId, cursor, signal));
  const [selected, setSelected] = useState<Map<number, Item>>(new Map());
  const [open, setOpen] = useState<JobSpec | null>(null);
  const [jobs, setJobs] = useState<Job[]>([]);
  const ended = useRef(new Set<number>());
  const writable = canWrite(library);
  const { reload } = pages;

  const onJobEnded = useCallback(
    (job: Job) => {
      if (ended.current.has(job.id)) return;
      ended.current.add(job.id);
      setSelected(new Map());
      reload();
      onChanged();
    },
    [reload, onChanged],
  );

  const toggle = (item: Item) =>
    setSelected((current) => {
      const next = new Map(current);
      if (next.has(item.id)) next.delete(item.id);
      else next.set(item.id, item);
      return next;
    });
  const selection = [...selected.values()];

  return (
    <section aria-labelledby="trash-heading">
      <h2 id="trash-heading">Trash</h2>
      <p className="muted">
        Trashed items keep their bytes until purged; the library purges them {library.daysBeforeDelete} days after they were trashed.
      </p>
      {writable && (
        <div className="selection-bar" role="toolbar" aria-label="Actions on the trash">
          <span className="muted" aria-live="polite">
            {selection.length === 0 ? 'Nothing selected' : `${selection.length} selected`}
          </span>
          <button type="button" disabled={selection.length === 0} onClick={() => setOpen(RESTORE)}>
            Restore…
          </button>
          <button type="button" className="danger" disabled={selection.length === 0} onClick={() => setOpen(PURGE)}>
            Purge
          </button>
          <button type="button" className="danger" disabled={pages.items.length === 0} onClick={() => setOpen(EMPTY)}>
            Empty the trash
          </button>
        </div>
      )}
      {open && (
        <JobDialog
          spec={open}
          library={library}
          selection={open === EMPTY ? [] : selection}
          folder="/"
          onStarted={(job) => setJobs((current) => [job, ...current])}
          onClose={() => setOpen(null)}
        />
      )}
      <StartedJobs jobs={jobs} onEnded={onJobEnded} onDismiss={(id) => setJobs((current) => current.filter((job) => job.id !== id))} />
      <TableScroll label="Trashed items, scrollable">
        <table aria-label="Trashed items">
          <thead>
            <tr>
              {writable && (
                <th scope="col">
                  <span className="visually-hidden">Select</span>
                </th>
              )}
              <th scope="col">Name</th>
              <th scope="col">Was at</th>
              <th scope="col">Size</th>
              <th scope="col" className="hide-narrow">
                Trashed
              </th>
            </tr>
          </thead>
          <tbody>
            {pages.items.map((item) => (
              <tr key={item.id}>
                {writable && (
                  <td>
                    <input type="checkbox" aria-label={`Select ${item.name}`} checked={selected.has(item.id)} onChange={() => toggle(item)} />
                  </td>
                )}
                <td>
                  <span className="file-name">
                    <ItemIcon kind={item.kind} />
                    {item.name}
                  </span>
                </td>
                <td className="path-cell">{item.path}</td>
                <td>{item.kind === 'folder' ? '—' : formatBytes(item.size)}</td>
                <td className="hide-narrow">{formatTime(item.trashedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {pages.loading && <Loading label="Loading the trash…" />}
      {!pages.loading && pages.items.length === 0 && pages.error === null && <p className="muted">The trash is empty.</p>}
      {pages.hasMore && !pages.loading && pages.items.length > 0 && (
        <button type="button" onClick={pages.loadMore}>
          Show more
        </button>
      )}
      <ErrorNote error={pages.error} />
    </section>
  );
}
