/**
 * /schedules/:scheduleId: one schedule (what it submits, when, its next five
 * fires), its buttons, Edit (the schedule's form, filled in: cron, zone, type,
 * params, library, overlap, catch-up, enabled), and its fire history, newest
 * first, a page at a time:
 * each tick or run now, its outcome, the job it started or why it did not;
 * a fire recorded while the page is open shows up by itself.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import { formatTime } from '../../components/format';
import { Link } from '../../components/link';
import { Loading } from '../../components/loading';
import { TableScroll } from '../../components/table-scroll';
import { useApi } from '../../components/use-api';
import { libraryName, useLibraries } from '../../components/use-libraries';
import { usePageVisible } from '../../components/use-visibility';
import { navigate } from '../../router';
import { useSignedIn } from '../../session/session-context';
import { scheduleRights, type Fire, type FirePage, type Schedule } from './schedule-api';
import { ActionNoteView, LastFire, Outcome, scheduleName, When, type ActionNote } from './schedule-bits';
import { ScheduleForm } from './schedule-form';
import { ScheduleRowActions } from './schedule-row-actions';
import './schedules.css';

const PAGE = 25;
const POLL_MS = 5_000;

function FireHistory({ scheduleId, refreshKey, onNewFire }: { scheduleId: number; refreshKey: number; onNewFire(): void }) {
  const [fires, setFires] = useState<Fire[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    (from: string | null) => {
      setLoading(true);
      api<FirePage>(`/schedules/${scheduleId}/fires`, { query: { limit: PAGE, cursor: from ?? undefined } })
        .then((page) => {
          setFires((current) => (from === null ? page.fires : [...current, ...page.fires]));
          setCursor(page.nextCursor);
          setError(null);
        })
        .catch(setError)
        .finally(() => setLoading(false));
    },
    [scheduleId],
  );
  useEffect(() => load(null), [load, refreshKey]);

  // While the tab is shown, the newest page is read again now and then: a tick that fires
  // meanwhile appears on top (a fire, once recorded, never changes), and the page's
  // schedule is read again for its new last and next fires.
  const visible = usePageVisible();
  const known = useRef(new Set<number>());
  known.current = new Set(fires.map((f) => f.id));
  useEffect(() => {
    if (!visible) return;
    const timer = setInterval(() => {
      api<FirePage>(`/schedules/${scheduleId}/fires`, { query: { limit: PAGE } }).then(
        (page) => {
          const added = page.fires.filter((f) => !known.current.has(f.id));
          if (added.length === 0) return;
          setFires((current) => [...added.filter((f) => !current.some((c) => c.id === f.id)), ...current]);
          onNewFire();
        },
        () => undefined,
      );
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [scheduleId, visible, onNewFire]);

  return (
    <section aria-labelledby="fires-heading">
      <h2 id="fires-heading">Fire history</h2>
      <TableScroll label="Fires, scrollable">
        <table aria-label="Fires">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Kind</th>
              <th scope="col">Outcome</th>
              <th scope="col" className="hide-narrow">
                Recorded
              </th>
            </tr>
          </thead>
          <tbody>
            {fires.map((fire) => (
              <tr key={fire.id}>
                <td>{formatTime(fire.fireAt)}</td>
                <td>{fire.kind === 'run_now' ? 'run now' : 'tick'}</td>
                <td>
                  <Outcome outcome={fire.outcome} jobId={fire.jobId} error={fire.error} />
                </td>
                <td className="hide-narrow">{formatTime(fire.recordedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {loading && <Loading label="Loading the fires…" />}
      {!loading && fires.length === 0 && error === null && <p className="muted">It has not fired yet.</p>}
      {!loading && cursor !== null && (
        <button type="button" onClick={() => load(cursor)}>
          Show older fires
        </button>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

export function SchedulePage({ params }: { params: Record<string, string> }) {
  const scheduleId = Number(params.scheduleId);
  const valid = Number.isSafeInteger(scheduleId) && scheduleId > 0;
  const { user } = useSignedIn();
  const { libraries } = useLibraries();
  const rights = scheduleRights(user, libraries);
  const schedule = useApi<Schedule>(valid ? `/schedules/${scheduleId}` : null);
  const [note, setNote] = useState<ActionNote>(null);
  const [fireKey, setFireKey] = useState(0);
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const closeEditor = () => {
    setEditing(false);
    // The form goes away: the focus goes back to the button that opened it.
    requestAnimationFrame(() => editButton.current?.focus());
  };

  if (!valid) return <ErrorNote error={new Error(`'${params.scheduleId}' is not a schedule id.`)} />;
  const s = schedule.data;
  if (!s) {
    return (
      <>
        <p>
          <Link href="/schedules">← Schedules</Link>
        </p>
        {schedule.error ? <ErrorNote error={schedule.error} /> : <Loading label="Loading the schedule…" />}
      </>
    );
  }
  const onNote = (next: ActionNote) => {
    setNote(next);
    if (next?.kind === 'started') {
      schedule.reload();
      setFireKey((k) => k + 1);
    }
  };

  return (
    <>
      <p>
        <Link href="/schedules">← Schedules</Link>
      </p>
      <h1>{scheduleName(s)}</h1>
      <ActionNoteView note={note} />
      <div className="row schedule-actions">
        {rights.canSubmit(s.libraryId, s.type) && (
          <button type="button" ref={editButton} aria-expanded={editing} aria-label={`Edit ${scheduleName(s)}`} onClick={() => (editing ? closeEditor() : setEditing(true))}>
            Edit
          </button>
        )}
        <ScheduleRowActions schedule={s} rights={rights} onNote={onNote} onChanged={(updated) => schedule.setData(() => updated)} onDeleted={() => navigate('/schedules')} />
      </div>
      {editing && (
        <ScheduleForm
          rights={rights}
          schedule={s}
          onCancel={closeEditor}
          onSaved={(updated) => {
            schedule.setData(() => updated);
            setNote({ kind: 'done', text: `${scheduleName(updated)} saved.` });
            closeEditor();
          }}
        />
      )}
      <dl className="schedule-details">
        <dt>Library</dt>
        <dd>
          <Link href={`/libraries/${encodeURIComponent(s.libraryId)}/files`}>{libraryName(libraries, s.libraryId)}</Link>
        </dd>
        <dt>Job</dt>
        <dd>
          {s.type} <code>{JSON.stringify(s.params)}</code>
        </dd>
        <dt>When</dt>
        <dd>
          <When schedule={s} />
        </dd>
        <dt>Enabled</dt>
        <dd>{s.enabled ? 'yes' : 'no'}</dd>
        <dt>While the last job runs</dt>
        <dd>{s.overlap === 'skip' ? 'skip the fire' : 'start another job'}</dd>
        <dt>After downtime</dt>
        <dd>{s.catchUp === 'once' ? 'fire the missed tick once' : 'pass missed ticks over'}</dd>
        <dt>Next fires</dt>
        <dd>
          {s.nextFires.length === 0 ? (
            'none (disabled)'
          ) : (
            <ul className="plain-list">
              {s.nextFires.map((at) => (
                <li key={at}>{formatTime(at)}</li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Last fire</dt>
        <dd>
          <LastFire schedule={s} />
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(s.createdAt)}</dd>
      </dl>
      <FireHistory scheduleId={scheduleId} refreshKey={fireKey} onNewFire={schedule.reload} />
    </>
  );
}
