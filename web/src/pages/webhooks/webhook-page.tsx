/**
 * /webhooks/:webhookId (domain administrators): one webhook, its buttons (Edit:
 * URL, events, enabled, a new signing secret shown once), and
 * its deliveries, newest first: status, attempts, the last response's code and
 * the start of its body, why the last attempt failed; replay one. The newest
 * page is read again every few seconds (a replay or a retry shows up by itself).
 */
import { useRef, useState } from 'react';
import { ErrorNote } from '../../components/error-note';
import { formatTime } from '../../components/format';
import { Link } from '../../components/link';
import { Loading } from '../../components/loading';
import { TableScroll } from '../../components/table-scroll';
import { useApi } from '../../components/use-api';
import { usePolling } from '../../components/use-polling';
import { api } from '../../api/client';
import { navigate } from '../../router';
import { useSignedIn } from '../../session/session-context';
import '../schedules/schedules.css';
import './webhooks.css';
import { WebhookActions, WebhookNoteView, type WebhookNote } from './webhook-actions';
import { replayDelivery, webhookName, type Delivery, type DeliveryPage, type Webhook } from './webhook-api';
import { WebhookForm } from './webhook-form';
import { SecretNote } from './webhook-secret';
import { WebhookState } from './webhooks-page';

const PAGE = 25;
const POLL_MS = 2_000;

function Response({ delivery }: { delivery: Delivery }) {
  const r = delivery.response;
  if (!r && !delivery.error) return <span className="muted">none yet</span>;
  const code = r?.status != null ? `HTTP ${r.status}` : null;
  return (
    <span className="stack-tight">
      {code && <span>{code}</span>}
      {delivery.error && delivery.error !== code && <span className="muted">{delivery.error}</span>}
      {r?.body ? (
        <details>
          <summary>Body</summary>
          <pre className="response-body">{r.body}</pre>
        </details>
      ) : null}
    </span>
  );
}

function Deliveries({ webhookId, onNote }: { webhookId: number; onNote(note: WebhookNote): void }) {
  const newest = usePolling<DeliveryPage>(`/webhooks/${webhookId}/deliveries?limit=${PAGE}`, POLL_MS);
  const [older, setOlder] = useState<Delivery[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [olderError, setOlderError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const first = newest.data?.deliveries ?? [];
  const shownIds = new Set(first.map((d) => d.id));
  const rows = [...first, ...older.filter((d) => !shownIds.has(d.id))];
  const next = cursor === undefined ? (newest.data?.nextCursor ?? null) : cursor;

  const more = () => {
    if (next === null) return;
    api<DeliveryPage>(`/webhooks/${webhookId}/deliveries`, { query: { limit: PAGE, cursor: next } })
      .then((page) => {
        setOlder((current) => [...current, ...page.deliveries]);
        setCursor(page.nextCursor);
        setOlderError(null);
      })
      .catch(setOlderError);
  };

  const replay = async (delivery: Delivery) => {
    setBusy(delivery.id);
    onNote(null);
    try {
      await replayDelivery(webhookId, delivery.id);
      onNote({ kind: 'done', text: `Delivery ${delivery.id} is due again now: it is sent with the same webhook-id.` });
    } catch (error) {
      onNote({ kind: 'error', error });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Deliveries</h2>
      <TableScroll label="Deliveries, scrollable">
        <table aria-label="Deliveries">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Response</th>
              <th scope="col" className="hide-narrow">
                Created
              </th>
              <th scope="col" className="hide-narrow">
                Last attempt
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td>
                  <code>{d.eventType}</code>
                  <br />
                  <span className="muted delivery-id">{d.id}</span>
                </td>
                <td>
                  <span className={`delivery-status delivery-${d.status}`}>{d.status}</span>
                  {d.status === 'pending' && d.nextAttemptAt && <span className="muted"> (next {formatTime(d.nextAttemptAt)})</span>}
                </td>
                <td>{d.attempts}</td>
                <td>
                  <Response delivery={d} />
                </td>
                <td className="hide-narrow">{formatTime(d.createdAt)}</td>
                <td className="hide-narrow">{formatTime(d.lastAttemptAt)}</td>
                <td>
                  <button type="button" disabled={busy === d.id} aria-label={`Replay ${d.id}`} onClick={() => void replay(d)}>
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {!newest.data && !newest.error && <Loading label="Loading the deliveries…" />}
      {newest.data && rows.length === 0 && <p className="muted">Nothing has been sent yet.</p>}
      {next !== null && newest.data && (
        <button type="button" onClick={more}>
          Show older deliveries
        </button>
      )}
      <ErrorNote error={newest.error ?? olderError} />
    </section>
  );
}

export function WebhookPage({ params }: { params: Record<string, string> }) {
  const webhookId = Number(params.webhookId);
  const valid = Number.isSafeInteger(webhookId) && webhookId > 0;
  const { user } = useSignedIn();
  const isAdmin = user.role === 'admin' || user.role === 'super_admin';
  const webhook = useApi<Webhook>(valid && isAdmin ? `/webhooks/${webhookId}` : null);
  const [note, setNote] = useState<WebhookNote>(null);
  const [editing, setEditing] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const closeEditor = () => {
    setEditing(false);
    // The form goes away: the focus goes back to the button that opened it.
    requestAnimationFrame(() => editButton.current?.focus());
  };

  const back = (
    <p>
      <Link href="/webhooks">← Webhooks</Link>
    </p>
  );
  if (!isAdmin) return <p className="notice">The webhooks page is for administrators.</p>;
  if (!valid) return <ErrorNote error={new Error(`'${params.webhookId}' is not a webhook id.`)} />;
  const w = webhook.data;
  if (!w) return <>{back}{webhook.error ? <ErrorNote error={webhook.error} /> : <Loading label="Loading the webhook…" />}</>;

  return (
    <>
      {back}
      <h1>{webhookName(w)}</h1>
      {secret && <SecretNote secret={secret} text={`${webhookName(w)} has a new signing secret.`} />}
      <WebhookNoteView note={note} />
      <div className="row schedule-actions">
        <button type="button" ref={editButton} aria-expanded={editing} aria-label={`Edit ${webhookName(w)}`} onClick={() => (editing ? closeEditor() : setEditing(true))}>
          Edit
        </button>
        <WebhookActions
          webhook={w}
          onNote={(next) => {
            setNote(next);
            setSecret(null);
          }}
          onChanged={(updated) => webhook.setData(() => updated)}
          onDeleted={() => navigate('/webhooks')}
        />
      </div>
      {editing && (
        <WebhookForm
          webhook={w}
          onCancel={closeEditor}
          onSaved={(updated, made) => {
            webhook.setData(() => updated);
            setSecret(made ?? null);
            setNote(made ? null : { kind: 'done', text: `${webhookName(updated)} saved.` });
            closeEditor();
          }}
        />
      )}
      <dl className="schedule-details">
        <dt>URL</dt>
        <dd>
          <code>{w.url}</code>
        </dd>
        <dt>Events</dt>
        <dd>{w.events.join(', ')}</dd>
        <dt>State</dt>
        <dd>
          <WebhookState webhook={w} />
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(w.createdAt)}</dd>
      </dl>
      <Deliveries webhookId={webhookId} onNote={setNote} />
    </>
  );
}
