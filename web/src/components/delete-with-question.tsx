/**
 * A Delete button that asks first: the question (ConfirmDialog, "Go back"
 * focused) runs `remove` on confirmation; a refusal stays in the question with
 * the server's words, a success closes it and calls `onDeleted`.
 */
import { useState, type ReactNode } from 'react';
import { ConfirmDialog } from './confirm-dialog';

interface Props {
  /** The button's accessible name (`Delete <what>`). */
  ariaLabel: string;
  title: string;
  confirmLabel: string;
  /** The button's class (default `danger`). */
  className?: string;
  disabled?: boolean;
  remove(): Promise<void>;
  onDeleted(): void;
  /** What the question says. */
  children: ReactNode;
}

export function DeleteWithQuestion({ ariaLabel, title, confirmLabel, className = 'danger', disabled = false, remove, onDeleted, children }: Props) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <button type="button" className={className} disabled={disabled || busy} aria-label={ariaLabel} onClick={() => setConfirming(true)}>
        Delete
      </button>
      <ConfirmDialog
        open={confirming}
        title={title}
        confirmLabel={confirmLabel}
        busyLabel="Deleting…"
        busy={busy}
        error={error}
        onClose={() => {
          setConfirming(false);
          setError(null);
        }}
        onConfirm={() => {
          setBusy(true);
          setError(null);
          remove().then(
            () => {
              setBusy(false);
              setConfirming(false);
              onDeleted();
            },
            (caught: unknown) => {
              setBusy(false);
              setError(caught);
            },
          );
        }}
      >
        {children}
      </ConfirmDialog>
    </>
  );
}
