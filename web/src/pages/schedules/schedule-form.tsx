/**
 * The form that adds a schedule: library, job type, params as JSON, cron, time
 * zone (the browser's by default), overlap, catch-up. The server checks it all;
 * its error is shown next to the field it names (cron, timeZone, params.x…).
 */
import { useId, useMemo, useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import { browserTimeZone, cronInWords, type Schedule, type ScheduleRights } from './schedule-api';

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

export function ScheduleForm({ rights, onCreated }: { rights: ScheduleRights; onCreated(schedule: Schedule): void }) {
  const id = useId();
  const [libraryId, setLibraryId] = useState(rights.libraries[0]?.libraryId ?? '');
  const types = rights.typesFor(libraryId);
  const [type, setType] = useState(types.includes('report') ? 'report' : (types[0] ?? ''));
  const [params, setParams] = useState('{}');
  const [cron, setCron] = useState('0 2 * * *');
  const [timeZone, setTimeZone] = useState(browserTimeZone);
  const [overlap, setOverlap] = useState('skip');
  const [catchUp, setCatchUp] = useState('once');
  const [enabled, setEnabled] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const zoneList = useMemo(zones, []);
  const chosenType = types.includes(type) ? type : (types[0] ?? '');

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
    try {
      const body = { libraryId, type: chosenType, params: parsed, cron: cron.trim(), timeZone: timeZone.trim(), overlap, catchUp, enabled };
      onCreated(await api<Schedule>('/schedules', { method: 'POST', body }));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const words = cronInWords(cron);
  return (
    <form className="stack schedule-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Add a schedule</h2>
      <div className="schedule-fields">
        <div className="stack-tight">
          <label htmlFor={`${id}-library`}>Library</label>
          <select id={`${id}-library`} value={libraryId} onChange={(e) => setLibraryId(e.target.value)} {...invalid('libraryId')}>
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
          {busy ? 'Adding…' : 'Add schedule'}
        </button>
      </div>
      {at === null && <ErrorNote error={error} />}
    </form>
  );
}
