import type { Job } from '../../api/types';
import type { BulkFilter, JobActionRequest } from '../../components/job-action-dialog';
import type { JobRights } from '../../components/job-rights';
import { formatCount } from '../../components/format';
import type { JobFilter } from './job-query';

interface BulkBarProps {
  jobs: readonly Job[];
  selected: ReadonlySet<number>;
  /** the query's filter; null while the query is wrong */
  filter: JobFilter | null;
  rights: JobRights;
  onAction(request: JobActionRequest): void;
  onClear(): void;
}

function bulkFilter(filter: JobFilter): BulkFilter {
  const { order: _order, ...rest } = filter;
  return rest;
}

/** Cancel or retry the selected jobs, or every job the query matches (the dialog counts them first). */
export function BulkBar({ jobs, selected, filter, rights, onAction, onClear }: BulkBarProps) {
  if (!rights.mayAct) return null;
  const chosen = jobs.filter((j) => selected.has(j.id));
  const cancellable = chosen.filter((j) => rights.canCancel(j)).map((j) => j.id);
  const retryable = chosen.filter((j) => rights.canRetry(j)).map((j) => j.id);
  return (
    <div className="bulk-bar row" role="group" aria-label="Act on several jobs">
      {selected.size > 0 ? (
        <>
          <span>{formatCount(selected.size)} selected</span>
          <button type="button" className="danger small" disabled={cancellable.length === 0} onClick={() => onAction({ action: 'cancel', scope: 'selected', ids: cancellable })}>
            Cancel selected
          </button>
          <button type="button" className="small" disabled={retryable.length === 0} onClick={() => onAction({ action: 'retry', scope: 'selected', ids: retryable })}>
            Retry selected
          </button>
          <button type="button" className="small" onClick={onClear}>
            Clear selection
          </button>
        </>
      ) : (
        <span className="muted">Select jobs to act on them, or act on every match:</span>
      )}
      <button type="button" className="danger small" disabled={filter === null} onClick={() => filter && onAction({ action: 'cancel', scope: 'matching', filter: bulkFilter(filter) })}>
        Cancel all matching…
      </button>
      <button type="button" className="small" disabled={filter === null} onClick={() => filter && onAction({ action: 'retry', scope: 'matching', filter: bulkFilter(filter) })}>
        Retry all matching…
      </button>
    </div>
  );
}
