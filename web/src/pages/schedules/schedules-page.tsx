/**
 * /schedules: the schedules the caller may see (a domain admin the domain's, a
 * library ADMIN that library's, anyone those they made), oldest first, a page
 * at a time: when each fires (in words where easy), its next fires, its last
 * fire and the job it started; run now, enable/disable, delete; and the form
 * that adds one.
 */
import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import { formatTime } from '../../components/format';
import { Link } from '../../components/link';
import { Loading } from '../../components/loading';
import { TableScroll } from '../../components/table-scroll';
import { libraryName, useLibraries } from '../../components/use-libraries';
import { useSignedIn } from '../../session/session-context';
import { scheduleRights, type Schedule, type SchedulePage } from './schedule-api';
import { ActionNoteView, LastFire, scheduleName, When, type ActionNote } from './schedule-bits';
import { ScheduleForm } from './schedule-form';
import { ScheduleRowActions } from './schedule-row-actions';
import './schedules.css';

const PAGE = 50;

export function SchedulesPage() {
  const { user } = useSignedIn();
  const { libraries } = useLibraries();
  const rights = scheduleRights(user, libraries);
  const [schedules, setSchedules] = useState<Schedule[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<ActionNote>(null);

  const load = useCallback((from: string | null) => {
    setLoading(true);
    api<SchedulePage>('/schedules', { query: { limit: PAGE, cursor: from ?? undefined } })
      .then((page) => {
        setSchedules((current) => (from === null ? page.schedules : [...current, ...page.schedules]));
        setCursor(page.nextCursor);
        setError(null);
      })
      .catch(setError)
      .finally(() => setLoading(false));
  }, []);
  useEffect(() => load(null), [load]);

  const replace = (updated: Schedule) => setSchedules((current) => current.map((s) => (s.id === updated.id ? updated : s)));
  const onNote = (next: ActionNote) => {
    setNote(next);
    // A run now is the schedule's last fire now: read the row again to show it.
    if (next?.kind === 'started') api<Schedule>(`/schedules/${next.schedule.id}`).then(replace, () => undefined);
  };
  const mayAdd = libraries !== undefined && rights.libraries.some((l) => rights.typesFor(l.libraryId).length > 0);

  return (
    <>
      <h1>Schedules</h1>
      <p className="muted">Jobs submitted again and again on a cron expression. Each fire runs as the schedule’s creator, with their rights at that moment.</p>
      <ActionNoteView note={note} />
      <TableScroll label="Schedules, scrollable">
        <table aria-label="Schedules" className="schedules-table">
          <thead>
            <tr>
              <th scope="col">Schedule</th>
              <th scope="col">Library</th>
              <th scope="col">When</th>
              <th scope="col">Enabled</th>
              <th scope="col" className="hide-narrow">
                Next fires
              </th>
              <th scope="col">Last fire</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {schedules.map((schedule) => (
              <tr key={schedule.id}>
                <td>
                  <Link href={`/schedules/${schedule.id}`}>{scheduleName(schedule)}</Link>
                </td>
                <td>{libraryName(libraries, schedule.libraryId)}</td>
                <td>
                  <When schedule={schedule} />
                </td>
                <td>{schedule.enabled ? 'yes' : 'no'}</td>
                <td className="hide-narrow">
                  {schedule.nextFires.length === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    <ul className="plain-list">
                      {schedule.nextFires.slice(0, 3).map((at) => (
                        <li key={at}>{formatTime(at)}</li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  <LastFire schedule={schedule} />
                </td>
                <td>
                  <ScheduleRowActions
                    schedule={schedule}
                    rights={rights}
                    onNote={onNote}
                    onChanged={replace}
                    onDeleted={(gone) => setSchedules((current) => current.filter((s) => s.id !== gone.id))}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {loading && <Loading label="Loading the schedules…" />}
      {!loading && schedules.length === 0 && error === null && <p className="muted">No schedules you can see yet.</p>}
      {!loading && cursor !== null && (
        <button type="button" onClick={() => load(cursor)}>
          Show more
        </button>
      )}
      <ErrorNote error={error} />
      {mayAdd && (
        <ScheduleForm
          rights={rights}
          onSaved={(created) => {
            // The form says it was added, with its next fires.
            setSchedules((current) => (cursor === null ? [...current, created] : current));
            setNote(null);
          }}
        />
      )}
    </>
  );
}
