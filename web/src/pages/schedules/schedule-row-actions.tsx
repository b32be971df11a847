/** A schedule's buttons: run now, enable/disable, delete (with a question first); only those the caller's rights allow. */
import { useState } from 'react';
import { DeleteWithQuestion } from '../../components/delete-with-question';
import { deleteSchedule, runNow, setEnabled } from './schedule-actions';
import type { Schedule, ScheduleRights } from './schedule-api';
import { scheduleName, type ActionNote } from './schedule-bits';

interface Props {
  schedule: Schedule;
  rights: ScheduleRights;
  onNote(note: ActionNote): void;
  onChanged(schedule: Schedule): void;
  onDeleted(schedule: Schedule): void;
}

export function ScheduleRowActions({ schedule, rights, onNote, onChanged, onDeleted }: Props) {
  const [busy, setBusy] = useState(false);
  const name = scheduleName(schedule);
  // Whoever sees a schedule may delete it; running and changing it also need the rights its job needs.
  const mayChange = rights.canSubmit(schedule.libraryId, schedule.type);

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    onNote(null);
    try {
      await what();
    } catch (error) {
      onNote({ kind: 'error', error });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="row schedule-actions">
      {mayChange && (
        <>
          <button type="button" disabled={busy} aria-label={`Run now: ${name}`} onClick={() => void act(async () => onNote({ kind: 'started', schedule, job: await runNow(schedule) }))}>
            Run now
          </button>
          <button
            type="button"
            disabled={busy}
            aria-label={`${schedule.enabled ? 'Disable' : 'Enable'} ${name}`}
            onClick={() =>
              void act(async () => {
                const updated = await setEnabled(schedule, !schedule.enabled);
                onChanged(updated);
                onNote({ kind: 'done', text: `${name} ${updated.enabled ? 'enabled' : 'disabled'}.` });
              })
            }
          >
            {schedule.enabled ? 'Disable' : 'Enable'}
          </button>
        </>
      )}
      <DeleteWithQuestion
        ariaLabel={`Delete ${name}`}
        title={`Delete ${name}?`}
        confirmLabel="Delete schedule"
        disabled={busy}
        remove={() => deleteSchedule(schedule)}
        onDeleted={() => {
          onDeleted(schedule);
          onNote({ kind: 'done', text: `${name} deleted.` });
        }}
      >
        <p>It stops firing, and its fire history goes with it. The jobs it started stay.</p>
      </DeleteWithQuestion>
    </div>
  );
}
