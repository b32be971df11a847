/**
 * The form that adds a schedule, or changes one (`schedule` given): library, job
 * type, params as JSON, cron, time zone (the browser's by default), overlap,
 * catch-up, enabled. The server checks it all; its error is shown next to the
 * field it names (cron, timeZone, params.x…). A schedule added is followed by
 * its next five fires, as the server's answer gives them.
 */
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { formatTime } from '../../components/format';
import { api, ApiError, errorMessage } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import { browserTimeZone, cronInWords, type Schedule, type ScheduleRights } from './schedule-api';
import { scheduleName } from './schedule-bits';

type FieldName = 'libraryId' | 'type' | 'params' | 'cron' | 'timeZone';
const FIELDS: readonly FieldName[] = ['libraryId', 'type', 'params', 'cron', 'timeZone'];

/** The form field an API error names (`params.format` → params), if any. */
function fieldOf(error: unknown): FieldName | null {
  if (!(error instanceof ApiError) || error.field === undefined) return null;
  const field = error.field.replace(/^body\./, '');
  return FIELDS.find((name) => field === name || field.startsWith(`${name}.`) || field.startsWith(`${name}[`)) ?? null;
}

function zones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf?(key: string): string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

interface Props {
  rights: ScheduleRights;
  /** The schedule to change; without it the form adds one. */
  schedule?: Schedule;
  /** The server's answer: the schedule as added or changed. */
  onSaved(schedule: Schedule): void;
  /** Edit only: closes the form unchanged. */
  onCancel?(): void;
}

/** The schedule's next fires, as the server's answer gives them (five; none while disabled). */
export function NextFires({ schedule, label }: { schedule: Schedule; label: string }) {
  if (schedule.nextFires.length === 0) return <p>{label}: none while it is disabled.</p>;
  return (
    <>
      <p>{label}:</p>
      <ol className="plain-list">
        {schedule.nextFires.map((at) => (
          <li key={at}>{formatTime(at)}</li>
        ))}
      </ol>
    </>
  );
}

export function ScheduleForm({ rights, schedule, onSaved, onCancel }: Props) {
  const id = useId();
  const editing = schedule !== undefined;
  const [libraryId, setLibraryId] = useState(schedule?.libraryId ?? rights.libraries[0]?.libraryId ?? '');
  const offered = rights.typesFor(libraryId);
  // A schedule's own type stays offered on its own library, whatever the list leaves out (restore_backup).
  const types = schedule && schedule.libraryId === libraryId && !offered.includes(schedule.type) ? [schedule.type, ...offered] : offered;
  const [type, setType] = useState(schedule?.type ?? (types.includes('report') ? 'report' : (types[0] ?? '')));
  const [params, setParams] = useState(schedule ? JSON.stringify(schedule.params, null, 2) : '{}');
  const [cron, setCron] = useState(schedule?.cron ?? '0 2 * * *');
  const [timeZone, setTimeZone] = useState(schedule?.timeZone ?? browserTimeZone);
  const [overlap, setOverlap] = useState<string>(schedule?.overlap ?? 'skip');
  const [catchUp, setCatchUp] = useState<string>(schedule?.catchUp ?? 'once');
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<Schedule | null>(null);
  const zoneList = useMemo(zones, []);
  const chosenType = types.includes(type) ? type : (types[0] ?? '');
  const firstField = useRef<HTMLSelectElement>(null);
  // Opened to change a schedule: the focus goes into the form.
  useEffect(() => {
    if (editing) firstField.current?.focus();
  }, [editing]);

  const at = fieldOf(error);
  const note = (name: FieldName) => (at === name ? <ErrorNote error={error} id={`${id}-${name}-error`} /> : null);
  const invalid = (name: FieldName) => (at === name ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-${name}-error` } : {});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = params.trim() === '' ? {} : JSON.parse(params);
    } catch (caught) {
      setError(new ApiError(400, 'INVALID_JSON', `params: not JSON (${errorMessage(caught)})`, 'params'));
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      setError(new ApiError(400, 'INVALID_JSON', 'params: must be a JSON object, e.g. {"format": "csv"}', 'params'));
      return;
    }
    setBusy(true);
    setAdded(null);
    try {
      const body = { libraryId, type: chosenType, params: parsed, cron: cron.trim(), timeZone: timeZone.trim(), overlap, catchUp, enabled };
      const saved = await api<Schedule>(editing ? `/schedules/${schedule.id}` : '/schedules', { method: editing ? 'PATCH' : 'POST', body });
      if (!editing) setAdded(saved);
      onSaved(saved);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const words = cronInWords(cron);
  return (
    <form className="stack schedule-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>{editing ? 'Change the schedule' : 'Add a schedule'}</h2>
      <div className="schedule-fields">
        <div className="stack-tight">
          <label htmlFor={`${id}-library`}>Library</label>
          <select ref={firstField} id={`${id}-library`} value={libraryId} onChange={(e) => setLibraryId(e.target.value)} {...invalid('libraryId')}>
            {rights.libraries.map((l) => (
              <option key={l.libraryId} value={l.libraryId}>
                {l.name}
              </option>
            ))}
          </select>
          {note('libraryId')}
        </div>
        <div className="stack-tight">
          <label htmlFor={`${id}-type`}>Job type</label>
          <select id={`${id}-type`} value={chosenType} onChange={(e) => setType(e.target.value)} {...invalid('type')}>
            {types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          {note('type')}
        </div>
        <div className="stack-tight">
          <label htmlFor={`${id}-cron`}>Cron expression</label>
          <input id={`${id}-cron`} value={cron} onChange={(e) => setCron(e.target.value)} spellCheck={false} autoComplete="off" aria-describedby={at === 'cron' ? `${id}-cron-error` : `${id}-cron-help`} aria-invalid={at === 'cron' ? true : undefined} />
          <span className="muted" id={`${id}-cron-help`}>
            {words ? `Fires ${words}.` : 'minute hour day-of-month month day-of-week (seconds first if six fields)'}
          </span>
          {note('cron')}
        </div>
        <div className="stack-tight">
          <label htmlFor={`${id}-zone`}>Time zone</label>
          <input id={`${id}-zone`} value={timeZone} onChange={(e) => setTimeZone(e.target.value)} list={`${id}-zones`} autoComplete="off" spellCheck={false} {...invalid('timeZone')} />
          <datalist id={`${id}-zones`}>
            {zoneList.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          {note('timeZone')}
        </div>
        <div className="stack-tight">
          <label htmlFor={`${id}-overlap`}>While the last job runs</label>
          <select id={`${id}-overlap`} value={overlap} onChange={(e) => setOverlap(e.target.value)}>
            <option value="skip">Skip the fire (never two at once)</option>
            <option value="queue">Start another job</option>
          </select>
        </div>
        <div className="stack-tight">
          <label htmlFor={`${id}-catchup`}>After downtime</label>
          <select id={`${id}-catchup`} value={catchUp} onChange={(e) => setCatchUp(e.target.value)}>
            <option value="once">Fire the missed tick once</option>
            <option value="none">Pass missed ticks over</option>
          </select>
        </div>
      </div>
      <div className="stack-tight">
        <label htmlFor={`${id}-params`}>Params (JSON)</label>
        <textarea id={`${id}-params`} rows={3} value={params} onChange={(e) => setParams(e.target.value)} spellCheck={false} {...invalid('params')} />
        {note('params')}
      </div>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        Enabled
      </label>
      <div className="row">
        <button type="submit" className="primary" disabled={busy || libraryId === '' || chosenType === ''}>
          {editing ? (busy ? 'Saving…' : 'Save changes') : busy ? 'Adding…' : 'Add schedule'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        )}
      </div>
      {at === null && <ErrorNote error={error} />}
      {added && (
        <div className="notice" role="status">
          <p>{scheduleName(added)} added.</p>
          <NextFires schedule={added} label="Its next fires" />
        </div>
      )}
    </form>
  );
}
