import type { Job } from '../api/types';
import { formatBytes, formatCount, formatDuration, formatRate } from './format';
import { paceOf } from './job-rate';
import { isActive } from './job-vocabulary';
import './job-ui.css';

/**
 * A job's progress: a bar (a real progressbar for assistive technology), items
 * and bytes done of their totals, and while it runs its rate and ETA.
 */
export function JobProgress({ job, compact = false }: { job: Job; compact?: boolean }) {
  const done = job.counts.succeeded + job.counts.failed + job.counts.skipped;
  const active = isActive(job.status);
  const pace = active ? paceOf(job) : null;
  const details: string[] = [`${formatCount(done)} / ${formatCount(job.counts.total)}${job.status === 'planning' ? '+' : ''} items`];
  if (job.bytes.total > 0 || job.bytes.done > 0) details.push(`${formatBytes(job.bytes.done)} / ${formatBytes(job.bytes.total)}`);
  if (pace?.itemsPerSecond !== null && pace?.itemsPerSecond !== undefined) {
    details.push(formatRate(pace.itemsPerSecond));
    if (pace.bytesPerSecond !== null && pace.bytesPerSecond > 0) details.push(`${formatBytes(pace.bytesPerSecond)}/s`);
    // While planning, the total still grows: no ETA yet.
    if (pace.etaMs !== null && job.status === 'running') details.push(`ETA ${formatDuration(pace.etaMs)}`);
  }
  const label = `Job ${job.id} progress`;
  return (
    <div className={compact ? 'job-progress compact' : 'job-progress'}>
      <div className="progress">
        <div className="bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={job.progress} aria-valuetext={`${job.progress}%: ${details.join(', ')}`}>
          <span style={{ width: `${job.progress}%` }} />
        </div>
        <span className="percent">{job.progress}%</span>
      </div>
      <div className="progress-details muted">{details.join(' · ')}</div>
    </div>
  );
}
