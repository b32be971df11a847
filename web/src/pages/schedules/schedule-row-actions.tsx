/** A schedule's buttons: run now, enable/disable, delete (with a question first); only those the caller's rights allow. */
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
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
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
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
      <button type="button" className="danger" disabled={busy} aria-label={`Delete ${name}`} onClick={() => setConfirming(true)}>
        Delete
      </button>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${name}?`}
        confirmLabel="Delete schedule"
        busyLabel="Deleting…"
        busy={busy}
        error={deleteError}
        onClose={() => {
          setConfirming(false);
          setDeleteError(null);
        }}
        onConfirm={() => {
          setBusy(true);
          setDeleteError(null);
          deleteSchedule(schedule).then(
            () => {
              setBusy(false);
              setConfirming(false);
              onDeleted(schedule);
              onNote({ kind: 'done', text: `${name} deleted.` });
            },
            (error: unknown) => {
              setBusy(false);
              setDeleteError(error);
            },
          );
        }}
      >
        <p>It stops firing, and its fire history goes with it. The jobs it started stay.</p>
      </ConfirmDialog>
    </div>
  );
}
