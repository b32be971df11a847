import { useEffect, useId, useRef, type ReactNode } from 'react';
import './job-ui.css';
import { ErrorNote } from './error-note';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  /** The button that leaves things as they are. */
  dismissLabel?: string;
  /** Shown on the confirm button while the action runs. */
  busyLabel?: string;
  busy?: boolean;
  /** Nothing to confirm (e.g. no job is eligible): only "Close". */
  confirmDisabled?: boolean;
  error?: unknown;
  onConfirm(): void;
  onClose(): void;
}

/**
 * A modal question (the native <dialog>: focus moves into it and stays there,
 * Escape closes it, focus returns to what opened it). The safe choice has the
 * focus first.
 */
export function ConfirmDialog({ open, title, children, confirmLabel, dismissLabel = 'Go back', busyLabel, busy = false, confirmDisabled = false, error, onConfirm, onClose }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      {open && (
        <div className="stack">
          <h2 id={titleId}>{title}</h2>
          {children}
          <ErrorNote error={error} />
          <div className="row dialog-buttons">
            <button type="button" onClick={onClose} disabled={busy} autoFocus>
              {confirmDisabled ? 'Close' : dismissLabel}
            </button>
            {!confirmDisabled && (
              <button type="button" className="primary" onClick={onConfirm} disabled={busy}>
                {busy ? (busyLabel ?? confirmLabel) : confirmLabel}
              </button>
            )}
          </div>
        </div>
      )}
    </dialog>
  );
}
