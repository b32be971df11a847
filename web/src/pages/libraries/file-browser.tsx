/**
 * The file browser: breadcrumbs, the folder's items (sorted, paged, virtual),
 * selection and the jobs it can start (followed below), and for writers a
 * new folder and uploads (inputs, or files and folders dropped anywhere on it).
 */
import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import type { Job } from '../../api/types';
import { ErrorNote } from '../../components/error-note';
import { Link } from '../../components/link';
import { Loading } from '../../components/loading';
import { navigate, useLocation } from '../../router';
import { FileBreadcrumbs } from './file-breadcrumbs';
import { FileList } from './file-list';
import { FileToolbar } from './file-toolbar';
import { canDownload, canWrite, folderHref, joinPath, listChildren, orderOf, type Item, type Library, type Order } from './library-api';
import { SelectionActions } from './selection-actions';
import { StartedJobs } from './started-jobs';
import { UploadPanel } from './upload-panel';
import { useUploads } from './upload-queue';
import { filesFromDrop, type PickedFile } from './upload-sources';
import { useItemPages } from './use-item-pages';

export function FileBrowser({ library, path, onChanged }: { library: Library; path: string; onChanged(): void }) {
  const { query } = useLocation();
  const order = orderOf(query.get('order'));
  const libraryId = library.libraryId;
  const pages = useItemPages(`${libraryId}\n${path}\n${order}`, (cursor, signal) => listChildren(libraryId, { path, order, cursor }, signal));
  const [selected, setSelected] = useState<Map<number, Item>>(new Map());
  const [jobs, setJobs] = useState<Job[]>([]);
  const [dragging, setDragging] = useState(false);
  const [dropError, setDropError] = useState<unknown>(null);
  const ended = useRef(new Set<number>());
  const writable = canWrite(library);
  const { reload } = pages;

  useEffect(() => setSelected(new Map()), [libraryId, path, order]);

  const refresh = useCallback(() => {
    reload();
    onChanged();
  }, [reload, onChanged]);
  const uploads = useUploads(libraryId, refresh);

  const addFiles = (files: PickedFile[]) => uploads.add(files.map(({ file, relativePath }) => ({ file, path: joinPath(path, relativePath) })));

  const onJobEnded = useCallback(
    (job: Job) => {
      if (ended.current.has(job.id)) return;
      ended.current.add(job.id);
      setSelected(new Map());
      refresh();
    },
    [refresh],
  );

  const toggle = (item: Item) =>
    setSelected((current) => {
      const next = new Map(current);
      if (next.has(item.id)) next.delete(item.id);
      else next.set(item.id, item);
      return next;
    });
  const toggleAll = () =>
    setSelected((current) => (pages.items.every((item) => current.has(item.id)) ? new Map() : new Map(pages.items.map((item) => [item.id, item]))));

  const dragOver = (event: DragEvent) => {
    if (!writable || !event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  const drop = (event: DragEvent) => {
    if (!writable) return;
    event.preventDefault();
    setDragging(false);
    setDropError(null);
    filesFromDrop(event.dataTransfer).then(addFiles, setDropError);
  };

  const folderMissing = pages.error !== null && pages.items.length === 0;
  return (
    <section
      className={`file-browser${dragging ? ' dragging' : ''}`}
      aria-label="Files"
      onDragOver={dragOver}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) setDragging(false);
      }}
      onDrop={drop}
    >
      <FileBreadcrumbs libraryId={libraryId} libraryName={library.name} path={path} order={order} />
      {writable && <FileToolbar libraryId={libraryId} path={path} onFolderCreated={refresh} onFiles={addFiles} />}
      {writable && (
        <p className="muted drop-hint">{dragging ? 'Drop to upload into this folder.' : 'Or drop files and folders here to upload them into this folder.'}</p>
      )}
      <ErrorNote error={dropError} />
      <UploadPanel tasks={uploads.tasks} totals={uploads.totals} onClear={uploads.clearFinished} onRetry={uploads.retryFailed} />
      <StartedJobs jobs={jobs} onEnded={onJobEnded} onDismiss={(id) => setJobs((current) => current.filter((job) => job.id !== id))} />
      <SelectionActions
        library={library}
        selection={[...selected.values()]}
        folder={path}
        onStarted={(job) => setJobs((current) => [job, ...current])}
        onClear={() => setSelected(new Map())}
      />
      {folderMissing ? (
        <>
          <ErrorNote error={pages.error} />
          {path !== '/' && (
            <p>
              <Link href={folderHref(libraryId, '/', order)}>Go to the library's root</Link>
            </p>
          )}
        </>
      ) : (
        <>
          <FileList
            libraryId={libraryId}
            label={`Contents of ${path === '/' ? library.name : path}`}
            items={pages.items}
            hasMore={pages.hasMore}
            loading={pages.loading}
            loadMore={pages.loadMore}
            order={order}
            onOrder={(next: Order) => navigate(folderHref(libraryId, path, next), { replace: true })}
            selected={selected}
            onToggle={toggle}
            onToggleAll={toggleAll}
            downloadable={canDownload(library)}
          />
          {pages.loading && <Loading label={pages.items.length === 0 ? 'Loading the folder…' : 'Loading more…'} />}
          {!pages.loading && pages.items.length === 0 && <p className="muted">This folder is empty.</p>}
          <ErrorNote error={pages.error} />
        </>
      )}
    </section>
  );
}
