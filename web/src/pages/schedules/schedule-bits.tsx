/** Small pieces the schedules pages share: when it fires, its last fire, the note a run now leaves. */
import type { Job } from '../../api/types';
import { ErrorNote } from '../../components/error-note';
import { formatTime } from '../../components/format';
import { Link } from '../../components/link';
import { cronInWords, type Schedule } from './schedule-api';

export function scheduleName(schedule: Schedule): string {
  return `${schedule.type} schedule #${schedule.id}`;
}

export function When({ schedule }: { schedule: Schedule }) {
  const words = cronInWords(schedule.cron);
  return (
    <span className="stack-tight">
      {words && <span>{words[0]!.toUpperCase() + words.slice(1)}</span>}
      <span>
        <code>{schedule.cron}</code> <span className="muted">{schedule.timeZone}</span>
      </span>
    </span>
  );
}

export function Outcome({ outcome, jobId, error }: { outcome: string; jobId: number | null; error: string | null }) {
  return (
    <span>
      <span className={`fire-outcome fire-${outcome}`}>{outcome}</span>
      {jobId !== null && (
        <>
          {' '}
          <Link href={`/jobs/${jobId}`}>job #{jobId}</Link>
        </>
      )}
      {error && <span className="muted"> ({error})</span>}
    </span>
  );
}

export function LastFire({ schedule }: { schedule: Schedule }) {
  const last = schedule.lastFire;
  if (!last) return <span className="muted">never</span>;
  return (
    <span className="stack-tight">
      <span>{formatTime(last.at)}</span>
      <Outcome outcome={last.outcome} jobId={last.jobId} error={last.error} />
    </span>
  );
}

/** What a click left: the job a run now started (with its link), or the server's refusal. */
export type ActionNote = { kind: 'started'; schedule: Schedule; job: Job } | { kind: 'done'; text: string } | { kind: 'error'; error: unknown } | null;

export function ActionNoteView({ note }: { note: ActionNote }) {
  if (note === null) return null;
  if (note.kind === 'error') return <ErrorNote error={note.error} />;
  return (
    <p className="notice" role="status">
      {note.kind === 'done' ? (
        note.text
      ) : (
        <>
          {scheduleName(note.schedule)} started <Link href={`/jobs/${note.job.id}`}>{`${note.job.type} job #${note.job.id}`}</Link>.
        </>
      )}
    </p>
  );
}
