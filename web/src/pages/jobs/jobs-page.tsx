import { useCallback, useEffect, useMemo, useState } from 'react';
import './jobs.css';
import type { Job } from '../../api/types';
import { ErrorNote } from '../../components/error-note';
import { formatCount } from '../../components/format';
import { JobActionDialog, type ActionOutcome, type JobActionRequest } from '../../components/job-action-dialog';
import { jobRights } from '../../components/job-rights';
import { Loading } from '../../components/loading';
import { useLibraries } from '../../components/use-libraries';
import { hrefOf, navigate, useLocation } from '../../router';
import { useSignedIn } from '../../session/session-context';
import { BulkBar } from './bulk-bar';
import { parseJobQuery } from './job-query';
import { JobsTable } from './jobs-table';
import { QueryBar } from './query-bar';
import { SavedViews } from './saved-views';
import { useJobPages } from './use-job-pages';

const STREAM_NOTE: Record<string, string> = {
  connecting: 'Connecting to live updates…',
  live: 'Live',
  paused: 'Live updates paused while the tab is hidden',
  failed: 'Live updates stopped: reload the page to resume',
  ended: '',
};

/**
 * /jobs?q=…: every job the caller may see, filtered by the typed query (the
 * URL holds it, so a view is a link and Back goes to the previous query),
 * loaded a keyset page at a time as the list scrolls, updated live; cancel
 * and retry on one job, a selection, or everything matching.
 */
export function JobsPage(_props: { params: Record<string, string> }) {
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const { user } = useSignedIn();
  const { libraries, error: librariesError } = useLibraries();
  const parsed = useMemo(() => parseJobQuery(q, libraries), [q, libraries]);
  const filter = parsed.errors.length > 0 || parsed.pending ? null : parsed.filter;
  const pages = useJobPages(filter);
  const rights = jobRights(user, libraries, pages.jobs);

  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [action, setAction] = useState<JobActionRequest | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  useEffect(() => setSelected(new Set()), [q]);

  const requestors = useMemo(() => [...new Set([user.email, ...pages.jobs.map((j) => j.requestor.email)])], [user.email, pages.jobs]);
  const context = useMemo(() => ({ libraries, requestors }), [libraries, requestors]);

  const select = useCallback((ids: number[], on: boolean) => {
    setSelected((current) => {
      const next = new Set(current);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  }, []);

  const onDone = (result: ActionOutcome) => {
    setAction(null);
    setOutcome(result.message);
    setSelected(new Set());
    if (result.job) pages.upsert(result.job as Job);
    else pages.reload();
  };

  const { jobs } = pages;
  return (
    <>
      <h1>Jobs</h1>
      <QueryBar value={q} onSubmit={(text) => navigate(hrefOf('/jobs', { q: text }))} errors={parsed.errors} context={context} />
      {parsed.pending && librariesError ? <ErrorNote error={librariesError} /> : null}
      <SavedViews query={q} />
      <BulkBar jobs={jobs} selected={selected} filter={filter} rights={rights} onAction={setAction} onClear={() => setSelected(new Set())} />
      <p className="outcome" role="status">
        {outcome}
      </p>
      <ErrorNote error={pages.error} />
      {filter !== null && jobs.length === 0 && (pages.loading ? <Loading label="Loading jobs…" /> : !pages.error && <p className="notice">No job matches{q === '' ? ' yet' : ' this query'}.</p>)}
      {jobs.length > 0 && (
        <JobsTable
          jobs={jobs}
          hasMore={pages.hasMore}
          loading={pages.loading}
          loadMore={pages.loadMore}
          libraries={libraries}
          rights={rights}
          selected={selected}
          onSelect={select}
          onAction={(kind, job) => setAction({ action: kind, scope: 'one', job })}
        />
      )}
      <div className="row list-footer">
        <span className="muted" aria-live="polite">
          {jobs.length > 0 && `${formatCount(jobs.length)} ${jobs.length === 1 ? 'job' : 'jobs'} loaded${pages.hasMore ? '; scroll for more' : ''}.`}
        </span>
        {pages.hasMore && (
          <button type="button" className="small" onClick={pages.loadMore} disabled={pages.loading}>
            {pages.loading ? 'Loading…' : 'Load more'}
          </button>
        )}
        {filter !== null && <span className={`stream-state stream-${pages.stream}`}>{STREAM_NOTE[pages.stream]}</span>}
      </div>
      <JobActionDialog request={action} onClose={() => setAction(null)} onDone={onDone} />
    </>
  );
}
