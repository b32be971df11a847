/**
 * The jobs this page started, followed live: status, progress (the jobs
 * pages' bar, with counts, rate and ETA), a link to the job's own page
 * (/jobs/<id>), and an export's or a report's result to download once it is
 * ready. Polls each job until it ends.
 */
import { useEffect, useRef, useState } from 'react';
import { api, apiUrl } from '../../api/client';
import type { Job } from '../../api/types';
import { ErrorNote } from '../../components/error-note';
import { JobProgress } from '../../components/job-progress';
import { isActive } from '../../components/job-vocabulary';
import { Link } from '../../components/link';
import { StatusBadge } from '../../components/status-badge';

const POLL_MS = 600;
/** Whether the job made one result to download (an export's zip, a report): its result names an artifact. */
function hasArtifact(job: Job): boolean {
  return typeof job.result === 'object' && job.result !== null && 'artifact' in job.result && job.result.artifact !== null;
}

function StartedJob({ initial, onEnded, onDismiss }: { initial: Job; onEnded(job: Job): void; onDismiss(): void }) {
  const [job, setJob] = useState(initial);
  const [error, setError] = useState<unknown>(null);
  const ended = useRef(onEnded);
  ended.current = onEnded;

  useEffect(() => {
    if (!isActive(initial.status)) {
      ended.current(initial);
      return;
    }
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      api<Job>(`/jobs/${initial.id}`)
        .then((next) => {
          if (!live) return;
          setJob(next);
          setError(null);
          if (isActive(next.status)) timer = setTimeout(poll, POLL_MS);
          else ended.current(next);
        })
        .catch((caught: unknown) => {
          if (!live) return;
          setError(caught);
          timer = setTimeout(poll, POLL_MS * 4);
        });
    };
    timer = setTimeout(poll, POLL_MS / 2);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [initial]);

  return (
    <li className="started-job">
      <div className="row">
        <strong>{job.type.replace(/_/g, ' ')}</strong>
        <StatusBadge status={job.status} />
        <Link href={`/jobs/${job.id}`}>Open job #{job.id}</Link>
        {job.status === 'completed' && hasArtifact(job) && (
          <a href={apiUrl(`/jobs/${job.id}/result`)} download>
            Download the result
          </a>
        )}
        <button type="button" className="link-button" onClick={onDismiss} aria-label={`Dismiss ${job.type} job #${job.id}`}>
          Dismiss
        </button>
      </div>
      <JobProgress job={job} compact />
      {job.error && <ErrorNote error={new Error(job.error.message)} />}
      <ErrorNote error={error} />
    </li>
  );
}

/** The followed jobs, newest first; `onEnded` runs when a job ends (the page reloads its listing; it may run twice for one job). */
export function StartedJobs({ jobs, onEnded, onDismiss }: { jobs: Job[]; onEnded(job: Job): void; onDismiss(id: number): void }) {
  if (jobs.length === 0) return null;
  return (
    <section aria-label="Jobs started here" className="started-jobs">
      <ul>
        {jobs.map((job) => (
          <StartedJob key={job.id} initial={job} onEnded={onEnded} onDismiss={() => onDismiss(job.id)} />
        ))}
      </ul>
    </section>
  );
}
