/**
 * /webhooks (domain administrators): the domain's webhooks, each with its URL,
 * events, whether it sends (and why not), since when it fails; enable/disable,
 * delete; and the form that adds one, whose secret is shown here once.
 */
import { useState } from 'react';
import { ErrorNote } from '../../components/error-note';
import { formatTime } from '../../components/format';
import { Link } from '../../components/link';
import { Loading } from '../../components/loading';
import { TableScroll } from '../../components/table-scroll';
import { useApi } from '../../components/use-api';
import { useSignedIn } from '../../session/session-context';
import '../schedules/schedules.css';
import './webhooks.css';
import { WebhookActions, WebhookNoteView, type WebhookNote } from './webhook-actions';
import { webhookName, type Webhook } from './webhook-api';
import { WebhookForm } from './webhook-form';
import { SecretNote } from './webhook-secret';

export function WebhookState({ webhook }: { webhook: Webhook }) {
  if (webhook.enabled) {
    return webhook.failingSince ? <span>sending, failing since {formatTime(webhook.failingSince)}</span> : <span>sending</span>;
  }
  return <span>disabled{webhook.disabledReason ? `: ${webhook.disabledReason}` : ''}</span>;
}

export function WebhooksPage() {
  const { user } = useSignedIn();
  const isAdmin = user.role === 'admin' || user.role === 'super_admin';
  const list = useApi<{ webhooks: Webhook[] }>(isAdmin ? '/webhooks' : null);
  const [note, setNote] = useState<WebhookNote>(null);
  const [created, setCreated] = useState<{ webhook: Webhook; secret: string } | null>(null);

  if (!isAdmin) {
    return (
      <>
        <h1>Webhooks</h1>
        <p className="notice">The webhooks page is for administrators.</p>
      </>
    );
  }
  const webhooks = list.data?.webhooks ?? [];
  const replace = (updated: Webhook) => list.setData((current) => current && { webhooks: current.webhooks.map((w) => (w.id === updated.id ? updated : w)) });

  return (
    <>
      <h1>Webhooks</h1>
      <p className="muted">Each webhook receives a signed POST (Standard Webhooks) for the events it names, for the whole domain.</p>
      {created && <SecretNote secret={created.secret} text={`${webhookName(created.webhook)} added.`} />}
      <WebhookNoteView note={note} />
      <TableScroll label="Webhooks, scrollable">
        <table aria-label="Webhooks">
          <thead>
            <tr>
              <th scope="col">Webhook</th>
              <th scope="col">URL</th>
              <th scope="col" className="hide-narrow">
                Events
              </th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {webhooks.map((webhook) => (
              <tr key={webhook.id}>
                <td>
                  <Link href={`/webhooks/${webhook.id}`}>{webhookName(webhook)}</Link>
                </td>
                <td className="path-cell">{webhook.url}</td>
                <td className="hide-narrow">{webhook.events.join(', ')}</td>
                <td>
                  <WebhookState webhook={webhook} />
                </td>
                <td>
                  <WebhookActions
                    webhook={webhook}
                    onNote={(next) => {
                      setNote(next);
                      setCreated(null);
                    }}
                    onChanged={replace}
                    onDeleted={(gone) => list.setData((current) => current && { webhooks: current.webhooks.filter((w) => w.id !== gone.id) })}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {list.loading && !list.data && <Loading label="Loading the webhooks…" />}
      {list.data && webhooks.length === 0 && <p className="muted">No webhooks yet.</p>}
      <ErrorNote error={list.error} />
      <WebhookForm
        onSaved={(made, secret) => {
          if (secret !== undefined) setCreated({ webhook: made, secret });
          setNote(null);
          list.setData((current) => ({ webhooks: [...(current?.webhooks ?? []), made] }));
        }}
      />
    </>
  );
}
