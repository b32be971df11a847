import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import { formatCount, formatTime } from '../../components/format';
import { StatusBadge } from '../../components/status-badge';

/** GET /api/v1/jobs/{id}/timeline's events. */
interface TimelineEvent {
  id: number;
  kind: 'status' | 'progress' | 'task-retry' | 'task-failed' | string;
  at: string;
  data: Record<string, unknown>;
}

interface TimelinePage {
  events: TimelineEvent[];
  nextCursor: string | null;
}

interface TaskData {
  taskId?: number;
  attempt?: number;
  maxAttempts?: number;
  items?: number;
  error?: { code: string; message: string };
  retryAt?: string;
  suppressed?: number;
}

function TaskAttempt({ event }: { event: TimelineEvent }) {
  const data = event.data as TaskData;
  const failed = event.kind === 'task-failed';
  return (
    <>
      <span className={failed ? 'timeline-kind failed' : 'timeline-kind'}>{failed ? 'Task failed' : 'Attempt failed'}</span>{' '}
      <span>
        task {data.taskId} ({formatCount(data.items ?? 0)} items), attempt {data.attempt} of {data.maxAttempts}
        {failed ? ': its items are recorded as failed' : data.retryAt ? `; next attempt at ${formatTime(data.retryAt)}` : ''}
      </span>
      {data.error && (
        <div className="timeline-error">
          <code>{data.error.code}</code> {data.error.message}
        </div>
      )}
      {data.suppressed ? <div className="muted">{formatCount(data.suppressed)} similar events before this one were not recorded.</div> : null}
    </>
  );
}

/**
 * The job's status changes and each failed attempt of its tasks with its
 * error, in order, a page at a time; read again when `version` changes (the
 * page passes the job's status and failure count, which its live stream keeps).
 */
export function JobTimeline({ jobId, version }: { jobId: number; version: string }) {
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      try {
        const page = await api<TimelinePage>(`/jobs/${jobId}/timeline`, { query: { limit: 200, cursor: after } });
        setEvents((current) => (after === null ? page.events : [...current, ...page.events]));
        setCursor(page.nextCursor);
        setError(null);
      } catch (caught) {
        setError(caught);
      } finally {
        setLoading(false);
      }
    },
    [jobId],
  );

  useEffect(() => {
    void load(null);
  }, [load, version]);

  return (
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      <ErrorNote error={error} />
      {events.length === 0 && !loading && !error && <p className="muted">No events yet.</p>}
      <ol className="timeline">
        {events.map((event) => (
          <li key={event.id} className={`timeline-${event.kind}`}>
            <time dateTime={event.at} className="muted">
              {formatTime(event.at)}
            </time>{' '}
            {event.kind === 'status' ? (
              <>
                <span className="timeline-kind">Status</span> <StatusBadge status={String(event.data.status)} />
              </>
            ) : event.kind === 'progress' ? (
              <span>Progress {String(event.data.progress ?? '')}%</span>
            ) : (
              <TaskAttempt event={event} />
            )}
          </li>
        ))}
      </ol>
      {cursor !== null && (
        <button type="button" className="small" disabled={loading} onClick={() => void load(cursor)}>
          {loading ? 'Loading…' : 'Show later events'}
        </button>
      )}
    </section>
  );
}
