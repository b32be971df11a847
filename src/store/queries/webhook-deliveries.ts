/**
 * The webhook outbox: one row per Standard Webhooks message. A row is inserted in the
 * transaction that made its event true; the engine claims due rows with a lease (the row's
 * `next_attempt_at` moves to the lease's end and `attempts` counts the claim, which fences the
 * outcome), so an engine that dies mid-attempt leaves the row to be claimed again, same id.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { WebhookDeliveryStatus } from '../../domain/webhook-events.js';

export interface WebhookDelivery {
  id: string;
  webhookId: number;
  eventType: string;
  /** The message body as sent (JSON text). */
  payload: string;
  createdAt: number;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  leaseOwner: string | null;
  lastAttemptAt: number | null;
  response: { status: number | null; headers: Record<string, string> | null; body: string | null } | null;
  lastError: string | null;
  deliveredAt: number | null;
}

type Row = Selectable<Database['webhook_deliveries']>;

function num(v: number | string | null): number | null {
  return v === null ? null : Number(v);
}

function toDelivery(row: Row): WebhookDelivery {
  const answered = row.response_status !== null;
  return {
    id: row.id,
    webhookId: Number(row.webhook_id),
    eventType: row.event_type,
    payload: row.payload,
    createdAt: Number(row.created_at),
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: num(row.next_attempt_at),
    leaseOwner: row.lease_owner,
    lastAttemptAt: num(row.last_attempt_at),
    response: answered
      ? { status: num(row.response_status), headers: row.response_headers === null ? null : (JSON.parse(row.response_headers) as Record<string, string>), body: row.response_body }
      : null,
    lastError: row.last_error,
    deliveredAt: num(row.delivered_at),
  };
}

/** New pending deliveries, due at `now`. */
export async function webhookDeliveryInsertMany(
  db: Kysely<Database>,
  p: { deliveries: ReadonlyArray<{ id: string; webhookId: number; eventType: string; payload: string }>; now: number },
): Promise<void> {
  if (p.deliveries.length === 0) return;
  await db
    .insertInto('webhook_deliveries')
    .values(p.deliveries.map((d) => ({ id: d.id, webhook_id: d.webhookId, event_type: d.eventType, payload: d.payload, created_at: p.now, status: 'pending' as const, attempts: 0, next_attempt_at: p.now })))
    .execute();
}

export async function webhookDeliveryGetById(db: Kysely<Database>, p: { id: string }): Promise<WebhookDelivery | undefined> {
  const row = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', p.id).executeTakeFirst();
  return row ? toDelivery(row) : undefined;
}

/** A webhook's deliveries, newest first, by (created_at, id) keyset after `before`. */
export async function webhookDeliveryList(
  db: Kysely<Database>,
  p: { webhookId: number; limit: number; before?: { createdAt: number; id: string } },
): Promise<WebhookDelivery[]> {
  let q = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', p.webhookId);
  if (p.before) {
    const b = p.before;
    q = q.where((eb) => eb.or([eb('created_at', '<', b.createdAt), eb.and([eb('created_at', '=', b.createdAt), eb('id', '<', b.id)])]));
  }
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(p.limit).execute();
  return rows.map(toDelivery);
}

/**
 * Claims up to `limit` due deliveries of enabled webhooks for `owner` until `leaseUntil`
 * (skipping rows another engine is claiming, where supported). Each claim counts an attempt.
 */
export async function webhookDeliveryClaim(
  db: Kysely<Database>,
  p: { owner: string; now: number; leaseUntil: number; limit: number; skipLocked: boolean },
): Promise<WebhookDelivery[]> {
  // The due rows chosen once (a CTE, materialized), so the limit holds however the update is planned.
  const rows = await db
    .with('due', (qb) => {
      const due = qb
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', p.now)
        .where('webhook_id', 'in', qb.selectFrom('webhooks').select('id').where('enabled', '=', 1))
        .orderBy('next_attempt_at')
        .limit(p.limit);
      return p.skipLocked ? due.forUpdate().skipLocked() : due;
    })
    .updateTable('webhook_deliveries')
    .set({ lease_owner: p.owner, next_attempt_at: p.leaseUntil, attempts: sql<number>`attempts + 1` })
    .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', p.now)
    .returningAll()
    .execute();
  return rows.map(toDelivery).sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0) || a.createdAt - b.createdAt);
}

/**
 * Records a claimed attempt's outcome if the claim still holds (same owner, same attempt):
 * `delivered`, `pending` again at `nextAttemptAt`, or ended (`failed`, `dead`). False when the
 * claim was lost (its lease ran out and another engine took the row).
 */
export async function webhookDeliveryFinishAttempt(
  db: Kysely<Database>,
  p: {
    id: string;
    owner: string;
    attempt: number;
    status: WebhookDeliveryStatus;
    nextAttemptAt: number | null;
    now: number;
    response: { status: number; headers: Record<string, string>; body: string } | null;
    error: string | null;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({
      status: p.status,
      next_attempt_at: p.status === 'pending' ? p.nextAttemptAt : null,
      lease_owner: null,
      last_attempt_at: p.now,
      response_status: p.response?.status ?? null,
      response_headers: p.response ? JSON.stringify(p.response.headers) : null,
      response_body: p.response?.body ?? null,
      last_error: p.error,
      ...(p.status === 'delivered' ? { delivered_at: p.now } : {}),
    })
    .where('id', '=', p.id)
    .where('lease_owner', '=', p.owner)
    .where('attempts', '=', p.attempt)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Makes the delivery due now again, whatever its status (a replay: a new attempt of the same message). False when there is none. */
export async function webhookDeliveryReplay(db: Kysely<Database>, p: { id: string; webhookId: number; now: number }): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: p.now, lease_owner: null })
    .where('id', '=', p.id)
    .where('webhook_id', '=', p.webhookId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The earliest time a pending delivery of an enabled webhook is due (a lease's end counts), or undefined when none is pending. */
export async function webhookDeliveryNextDue(db: Kysely<Database>): Promise<number | undefined> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.min('next_attempt_at').as('next'))
    .where('status', '=', 'pending')
    .where('webhook_id', 'in', db.selectFrom('webhooks').select('id').where('enabled', '=', 1))
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
}
