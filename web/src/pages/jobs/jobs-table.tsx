import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Job } from '../../api/types';
import { formatTime } from '../../components/format';
import { JobProgress } from '../../components/job-progress';
import type { JobRights } from '../../components/job-rights';
import { isActive } from '../../components/job-vocabulary';
import { Link } from '../../components/link';
import { StatusBadge } from '../../components/status-badge';
import { libraryName, type LibrarySummary } from '../../components/use-libraries';

interface JobsTableProps {
  jobs: readonly Job[];
  hasMore: boolean;
  loading: boolean;
  loadMore(): void;
  libraries: readonly LibrarySummary[] | undefined;
  rights: JobRights;
  selected: ReadonlySet<number>;
  onSelect(ids: number[], on: boolean): void;
  onAction(action: 'cancel' | 'retry', job: Job): void;
}

const ROW_ESTIMATE = 58;
/** Rows from the end at which the next page is fetched. */
const PREFETCH_ROWS = 30;
const COLUMNS = 8;

/**
 * The jobs as a table whose rows are virtualized against the window's scroll
 * (only the rows in view and a margin exist in the DOM, so thousands loaded
 * cost no more than a screenful); reaching the end fetches the next keyset
 * page. aria-rowcount/aria-rowindex tell assistive technology where a row is.
 */
export function JobsTable({ jobs, hasMore, loading, loadMore, libraries, rights, selected, onSelect, onAction }: JobsTableProps) {
  const tableRef = useRef<HTMLTableElement>(null);
  const [margin, setMargin] = useState(0);
  // Where the table starts in the page (what is above it may change height: errors, notes).
  useLayoutEffect(() => {
    const table = tableRef.current;
    if (!table) return;
    const top = Math.round(table.getBoundingClientRect().top + window.scrollY);
    if (top !== margin) setMargin(top);
  });

  const virtualizer = useWindowVirtualizer({ count: jobs.length, estimateSize: () => ROW_ESTIMATE, overscan: 12, scrollMargin: margin });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? items[items.length - 1]!.index : -1;

  useEffect(() => {
    if (hasMore && !loading && lastIndex >= jobs.length - PREFETCH_ROWS) loadMore();
  }, [hasMore, loading, lastIndex, jobs.length, loadMore]);

  const selectable = jobs.filter((j) => rights.canCancel(j) || rights.canRetry(j));
  const allSelected = selectable.length > 0 && selectable.every((j) => selected.has(j.id));
  const someSelected = selectable.some((j) => selected.has(j.id));
  const headerBox = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (headerBox.current) headerBox.current.indeterminate = someSelected && !allSelected;
  }, [someSelected, allSelected]);

  const top = items.length > 0 ? items[0]!.start - virtualizer.options.scrollMargin : 0;
  const bottom = items.length > 0 ? virtualizer.getTotalSize() - (items[items.length - 1]!.end - virtualizer.options.scrollMargin) : 0;

  return (
    <div className="table-scroll">
      <table ref={tableRef} className="jobs-table" aria-label="Jobs" aria-rowcount={hasMore ? -1 : jobs.length + 1}>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col" className="col-select">
              {rights.mayAct && (
                <input
                  ref={headerBox}
                  type="checkbox"
                  aria-label="Select every loaded job"
                  checked={allSelected}
                  disabled={selectable.length === 0}
                  onChange={(event) => onSelect(selectable.map((j) => j.id), event.target.checked)}
                />
              )}
            </th>
            <th scope="col">Job</th>
            <th scope="col">Status</th>
            <th scope="col" className="hide-narrow">
              Library
            </th>
            <th scope="col" className="col-progress">
              Progress
            </th>
            <th scope="col" className="hide-narrow">
              Requestor
            </th>
            <th scope="col" className="hide-narrow">
              Created
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {top > 0 && (
            <tr aria-hidden="true" className="spacer">
              <td colSpan={COLUMNS} style={{ height: top }} />
            </tr>
          )}
          {items.map((item) => {
            const job = jobs[item.index]!;
            const cancel = rights.canCancel(job);
            const retry = rights.canRetry(job);
            return (
              <tr key={job.id} data-index={item.index} ref={virtualizer.measureElement} aria-rowindex={item.index + 2}>
                <td className="col-select">
                  {(cancel || retry) && (
                    <input type="checkbox" aria-label={`Select job ${job.id}`} checked={selected.has(job.id)} onChange={(event) => onSelect([job.id], event.target.checked)} />
                  )}
                </td>
                <td className="col-job">
                  <Link href={`/jobs/${job.id}`}>
                    {job.type} #{job.id}
                  </Link>
                </td>
                <td>
                  <StatusBadge status={job.status} />
                </td>
                <td className="hide-narrow">{libraryName(libraries, job.libraryId)}</td>
                <td className="col-progress">{isActive(job.status) || job.counts.total > 0 ? <JobProgress job={job} compact /> : <span className="muted">—</span>}</td>
                <td className="hide-narrow" title={job.requestor.email}>
                  {job.requestor.name || job.requestor.email}
                </td>
                <td className="hide-narrow">
                  <time dateTime={job.createdAt}>{formatTime(job.createdAt)}</time>
                </td>
                <td className="col-actions">
                  {cancel && (
                    <button type="button" className="danger small" aria-label={`Cancel job ${job.id}`} onClick={() => onAction('cancel', job)}>
                      Cancel
                    </button>
                  )}
                  {retry && (
                    <button type="button" className="small" aria-label={`Retry job ${job.id}`} onClick={() => onAction('retry', job)}>
                      Retry
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
          {bottom > 0 && (
            <tr aria-hidden="true" className="spacer">
              <td colSpan={COLUMNS} style={{ height: bottom }} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
