/** A webhook's buttons: enable/disable, delete (with a question first). */
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorNote } from '../../components/error-note';
import { deleteWebhook, setWebhookEnabled, webhookName, type Webhook } from './webhook-api';

export type WebhookNote = { kind: 'done'; text: string } | { kind: 'error'; error: unknown } | null;

interface Props {
  webhook: Webhook;
  onNote(note: WebhookNote): void;
  onChanged(webhook: Webhook): void;
  onDeleted(webhook: Webhook): void;
}

export function WebhookActions({ webhook, onNote, onChanged, onDeleted }: Props) {
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const name = webhookName(webhook);

  const toggle = async () => {
    setBusy(true);
    onNote(null);
    try {
      const updated = await setWebhookEnabled(webhook, !webhook.enabled);
      onChanged(updated);
      onNote({ kind: 'done', text: `${name} ${updated.enabled ? 'enabled' : 'disabled'}.` });
    } catch (error) {
      onNote({ kind: 'error', error });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="row schedule-actions">
      <button type="button" disabled={busy} aria-label={`${webhook.enabled ? 'Disable' : 'Enable'} ${name}`} onClick={() => void toggle()}>
        {webhook.enabled ? 'Disable' : 'Enable'}
      </button>
      <button type="button" className="danger" disabled={busy} aria-label={`Delete ${name}`} onClick={() => setConfirming(true)}>
        Delete
      </button>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${name}?`}
        confirmLabel="Delete webhook"
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
          deleteWebhook(webhook).then(
            () => {
              setBusy(false);
              setConfirming(false);
              onDeleted(webhook);
              onNote({ kind: 'done', text: `${name} deleted.` });
            },
            (error: unknown) => {
              setBusy(false);
              setDeleteError(error);
            },
          );
        }}
      >
        <p>
          Nothing more is sent to <code>{webhook.url}</code>, and its delivery log goes with it.
        </p>
      </ConfirmDialog>
    </div>
  );
}

export function WebhookNoteView({ note }: { note: WebhookNote }) {
  if (note === null) return null;
  if (note.kind === 'error') return <ErrorNote error={note.error} />;
  return (
    <p className="notice" role="status">
      {note.text}
    </p>
  );
}
