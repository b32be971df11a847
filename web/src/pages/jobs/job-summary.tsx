import type { Job } from '../../api/types';
import { formatBytes, formatCount, formatTime } from '../../components/format';
import { JobProgress } from '../../components/job-progress';
import { Link } from '../../components/link';
import { hrefOf } from '../../router';
import { libraryName, type LibrarySummary } from '../../components/use-libraries';

/** A job's counters, who and what it is, its params, its error and result. */
export function JobSummary({ job, libraries }: { job: Job; libraries: readonly LibrarySummary[] | undefined }) {
  const { counts } = job;
  const counters: Array<[string, string]> = [
    ['Total', formatCount(counts.total)],
    ['Succeeded', formatCount(counts.succeeded)],
    ['Failed', formatCount(counts.failed)],
    ['Skipped', formatCount(counts.skipped)],
    ['Remaining', formatCount(counts.remaining)],
    ['Retries', formatCount(counts.retries)],
    ['Bytes', `${formatBytes(job.bytes.done)} of ${formatBytes(job.bytes.total)}`],
  ];
  const artifact = (job.result?.artifact ?? null) as { name?: string; size?: number } | null;
  return (
    <>
      <JobProgress job={job} />
      <section aria-labelledby="counters-heading">
        <h2 id="counters-heading">Counters</h2>
        <dl className="counters">
          {counters.map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section aria-labelledby="details-heading">
        <h2 id="details-heading">Details</h2>
        <dl className="details">
          <dt>Library</dt>
          <dd>
            <Link href={hrefOf('/jobs', { q: `library:${JSON.stringify(libraryName(libraries, job.libraryId))}` })}>{libraryName(libraries, job.libraryId)}</Link>
          </dd>
          {job.targetLibraryId !== null && (
            <>
              <dt>Target library</dt>
              <dd>{libraryName(libraries, job.targetLibraryId)}</dd>
            </>
          )}
          <dt>Requestor</dt>
          <dd>
            {job.requestor.name ? `${job.requestor.name} <${job.requestor.email}>` : job.requestor.email} ({job.origin.replace('_', ' ')})
          </dd>
          <dt>Priority</dt>
          <dd>{job.priority}</dd>
          <dt>Created</dt>
          <dd>{formatTime(job.createdAt)}</dd>
          <dt>Started</dt>
          <dd>{formatTime(job.startedAt) || '—'}</dd>
          <dt>Finished</dt>
          <dd>{formatTime(job.finishedAt) || '—'}</dd>
          <dt>Last activity</dt>
          <dd>{formatTime(job.lastActivityAt)}</dd>
          {job.retryOf !== null && (
            <>
              <dt>Retry of</dt>
              <dd>
                <Link href={`/jobs/${job.retryOf}`}>job {job.retryOf}</Link>
              </dd>
            </>
          )}
          {job.error && (
            <>
              <dt>Error</dt>
              <dd className="error-note">
                <code>{job.error.code}</code> {job.error.message}
              </dd>
            </>
          )}
          {artifact && (
            <>
              <dt>Result</dt>
              <dd>
                <a href={`/api/v1/jobs/${job.id}/result`} download>
                  Download {artifact.name ?? 'the result'}
                </a>
                {artifact.size !== undefined && <span className="muted"> ({formatBytes(artifact.size)})</span>}
              </dd>
            </>
          )}
        </dl>
      </section>
      <section aria-labelledby="params-heading">
        <h2 id="params-heading">Params</h2>
        <pre tabIndex={0} aria-labelledby="params-heading">
          {JSON.stringify(job.params, null, 2)}
        </pre>
        {job.result && (
          <details>
            <summary>Result record</summary>
            <pre tabIndex={0} aria-label="Result record">
              {JSON.stringify(job.result, null, 2)}
            </pre>
          </details>
        )}
      </section>
    </>
  );
}
