import { useCallback, useState } from 'react';
import './jobs.css';
import { ApiError } from '../../api/client';
import type { Job } from '../../api/types';
import { ErrorNote } from '../../components/error-note';
import { JobActionDialog, type ActionOutcome, type JobActionRequest } from '../../components/job-action-dialog';
import { recordSample } from '../../components/job-rate';
import { jobRights } from '../../components/job-rights';
import { isActive } from '../../components/job-vocabulary';
import { Link } from '../../components/link';
import { Loading } from '../../components/loading';
import { StatusBadge } from '../../components/status-badge';
import { useApi } from '../../components/use-api';
import { useEventStream, type StreamEvent } from '../../components/use-event-stream';
import { useLibraries } from '../../components/use-libraries';
import { navigate } from '../../router';
import { useSignedIn } from '../../session/session-context';
import { JobFailures } from './job-failures';
import { JobSummary } from './job-summary';
import { JobTimeline } from './job-timeline';
import { VendorViews } from './vendor-views';

/**
 * /jobs/:jobId: one job, live over its own event stream (which replays its
 * log first, then follows it to its final status): counters, details, params,
 * timeline, failed items, its result, how each vendor API shows it; cancel
 * and retry.
 */
export function JobPage({ params }: { params: Record<string, string> }) {
  const jobId = Number(params.jobId);
  const valid = Number.isSafeInteger(jobId) && jobId > 0;
  const { user } = useSignedIn();
  const { libraries } = useLibraries();
  const job = useApi<Job>(valid ? `/jobs/${jobId}` : null);
  const [action, setAction] = useState<JobActionRequest | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const { setData, reload } = job;

  const onEvent = useCallback(
    (event: StreamEvent) => {
      const data = event.data as Partial<Job>;
      setData((current) => {
        if (!current) return current;
        const next = { ...current, ...(data.status ? { status: data.status } : {}), ...(data.counts ? { counts: data.counts } : {}), ...(data.bytes ? { bytes: data.bytes } : {}) };
        if (typeof data.progress === 'number') next.progress = data.progress;
        if (typeof data.lastActivityAt === 'string') next.lastActivityAt = data.lastActivityAt;
        recordSample(next);
        return next;
      });
      // The final status: read the job again for what events do not carry (finish time, result, error).
      if (event.kind === 'status' && typeof data.status === 'string' && !isActive(data.status)) reload();
    },
    [setData, reload],
  );
  const streamPath = valid && job.data && isActive(job.data.status) ? `/jobs/${jobId}/events` : null;
  useEventStream(streamPath, onEvent, { isLast: (e) => e.kind === 'status' && typeof e.data.status === 'string' && !isActive(e.data.status) });

  if (!valid) return <ErrorNote error={new Error(`'${params.jobId}' is not a job id.`)} />;
  if (job.error && !job.data) {
    return (
      <>
        <h1>Job {jobId}</h1>
        <ErrorNote error={job.error} />
        {job.error instanceof ApiError && job.error.status === 404 && (
          <p>
            <Link href="/jobs">Back to the jobs</Link>
          </p>
        )}
      </>
    );
  }
  if (!job.data || job.data.id !== jobId) return <Loading label={`Loading job ${jobId}…`} />;

  const current = job.data;
  const rights = jobRights(user, libraries, [current]);
  const version = `${current.status}:${current.counts.failed}:${current.counts.retries}`;
  const onDone = (result: ActionOutcome) => {
    setAction(null);
    setOutcome(result.message);
    if (result.job && result.job.id !== current.id) navigate(`/jobs/${result.job.id}`);
    else reload();
  };

  return (
    <>
      <p className="breadcrumb">
        <Link href="/jobs">Jobs</Link> / job {current.id}
      </p>
      <div className="row job-heading">
        <h1>
          {current.type} job {current.id}
        </h1>
        <StatusBadge status={current.status} />
        <div className="row job-actions">
          {rights.canCancel(current) && (
            <button type="button" className="danger" onClick={() => setAction({ action: 'cancel', scope: 'one', job: current })}>
              Cancel job
            </button>
          )}
          {rights.canRetry(current) && (
            <button type="button" onClick={() => setAction({ action: 'retry', scope: 'one', job: current })}>
              Retry failed items
            </button>
          )}
        </div>
      </div>
      <p className="outcome" role="status">
        {outcome}
      </p>
      <ErrorNote error={job.error} />
      <JobSummary job={current} libraries={libraries} />
      <JobTimeline jobId={current.id} version={version} />
      <JobFailures jobId={current.id} failed={current.counts.failed} version={version} />
      <VendorViews jobId={current.id} version={current.status} />
      <JobActionDialog request={action} onClose={() => setAction(null)} onDone={onDone} />
    </>
  );
}
