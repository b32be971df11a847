/**
 * The form that adds a webhook, or changes one (`webhook` given): its URL, the
 * events it receives, whether it sends; when changing one, a new signing secret
 * on request (made here as the server makes one, sent with the change, shown
 * once by the page). A secret for a new webhook is made by the server and shown
 * once by the page. The server's refusal is shown under the field it names (url,
 * events, secret).
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import { WEBHOOK_EVENTS, type CreatedWebhook, type Webhook } from './webhook-api';
import { newWebhookSecret } from './webhook-secret';

type FieldName = 'url' | 'events' | 'secret';

function fieldOf(error: unknown): FieldName | null {
  if (!(error instanceof ApiError) || error.field === undefined) return null;
  if (error.field === 'url' || error.field === 'secret') return error.field;
  return error.field === 'events' || error.field.startsWith('events[') ? 'events' : null;
}

interface Props {
  /** The webhook to change; without it the form adds one. */
  webhook?: Webhook;
  /** The server's answer, and the signing secret to show once: a new webhook's, or the one made for it. */
  onSaved(webhook: Webhook, secret?: string): void;
  /** Edit only: closes the form unchanged. */
  onCancel?(): void;
}

export function WebhookForm({ webhook, onSaved, onCancel }: Props) {
  const id = useId();
  const editing = webhook !== undefined;
  const [url, setUrl] = useState(webhook?.url ?? '');
  const [events, setEvents] = useState<string[]>(webhook?.events ?? ['job.completed', 'job.completed_with_errors', 'job.failed']);
  const [enabled, setEnabled] = useState(webhook?.enabled ?? true);
  const [rotate, setRotate] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const at = fieldOf(error);
  const urlField = useRef<HTMLInputElement>(null);
  // Opened to change a webhook: the focus goes into the form.
  useEffect(() => {
    if (editing) urlField.current?.focus();
  }, [editing]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (editing) {
        const secret = rotate ? newWebhookSecret() : undefined;
        // Events in the server's order, whatever order they were ticked in.
        const body = { url: url.trim(), events: WEBHOOK_EVENTS.filter((e) => events.includes(e)), enabled, ...(secret ? { secret } : {}) };
        onSaved(await api<Webhook>(`/webhooks/${webhook.id}`, { method: 'PATCH', body, idempotent: true }), secret);
      } else {
        const { secret, ...made } = await api<CreatedWebhook>('/webhooks', { method: 'POST', body: { url: url.trim(), events, enabled } });
        onSaved(made, secret);
        setUrl('');
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="stack webhook-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>{editing ? 'Change the webhook' : 'Add a webhook'}</h2>
      <div className="stack-tight">
        <label htmlFor={`${id}-url`}>URL</label>
        <input
          ref={urlField}
          id={`${id}-url`}
          type="url"
          value={url}
          placeholder="https://ci.example.com/batchyard"
          onChange={(e) => setUrl(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={at === 'url' ? true : undefined}
          aria-describedby={at === 'url' ? `${id}-url-error` : undefined}
        />
        {at === 'url' && <ErrorNote error={error} id={`${id}-url-error`} />}
      </div>
      <fieldset className="webhook-events" aria-describedby={at === 'events' ? `${id}-events-error` : undefined}>
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((name) => (
          <label key={name} className="check">
            <input
              type="checkbox"
              checked={events.includes(name)}
              onChange={(e) => setEvents((current) => (e.target.checked ? [...current, name] : current.filter((x) => x !== name)))}
            />
            <code>{name}</code>
          </label>
        ))}
        {at === 'events' && <ErrorNote error={error} id={`${id}-events-error`} />}
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        Enabled (sends its messages; while disabled they wait)
      </label>
      {editing ? (
        <div className="stack-tight">
          <label className="check">
            <input
              type="checkbox"
              checked={rotate}
              onChange={(e) => setRotate(e.target.checked)}
              aria-describedby={`${id}-rotate-help${at === 'secret' ? ` ${id}-secret-error` : ''}`}
              aria-invalid={at === 'secret' ? true : undefined}
            />
            Make a new signing secret
          </label>
          <span className="muted" id={`${id}-rotate-help`}>
            Shown once, when you save. From then on every message, those still waiting too, is signed with it: give it to the receiver first.
          </span>
          {at === 'secret' && <ErrorNote error={error} id={`${id}-secret-error`} />}
        </div>
      ) : (
        <p className="muted">A signing secret is made for it and shown once, when it is added.</p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {editing ? (busy ? 'Saving…' : 'Save changes') : busy ? 'Adding…' : 'Add webhook'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        )}
      </div>
      {at === null && <ErrorNote error={error} />}
    </form>
  );
}
