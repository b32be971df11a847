/** A webhook's buttons: enable/disable, delete (with a question first). */
import { useState } from 'react';
import { DeleteWithQuestion } from '../../components/delete-with-question';
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
      <DeleteWithQuestion
        ariaLabel={`Delete ${name}`}
        title={`Delete ${name}?`}
        confirmLabel="Delete webhook"
        disabled={busy}
        remove={() => deleteWebhook(webhook)}
        onDeleted={() => {
          onDeleted(webhook);
          onNote({ kind: 'done', text: `${name} deleted.` });
        }}
      >
        <p>
          Nothing more is sent to <code>{webhook.url}</code>, and its delivery log goes with it.
        </p>
      </DeleteWithQuestion>
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
