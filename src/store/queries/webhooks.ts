/** Webhooks: each domain's endpoints (URL, event filter, secret, enabled or why not). */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';

export interface Webhook {
  id: number;
  domainId: number;
  url: string;
  events: string[];
  secret: string;
  enabled: boolean;
  disabledReason: string | null;
  /** When the first of the current run of failed attempts happened (null once one succeeds). */
  failingSince: number | null;
  createdBy: number | null;
  createdAt: number;
  updatedAt: number;
}

type Row = Selectable<Database['webhooks']>;

function num(v: number | string | null): number | null {
  return v === null ? null : Number(v);
}

function toWebhook(row: Row): Webhook {
  return {
    id: Number(row.id),
    domainId: Number(row.domain_id),
    url: row.url,
    events: JSON.parse(row.events) as string[],
    secret: row.secret,
    enabled: Number(row.enabled) === 1,
    disabledReason: row.disabled_reason,
    failingSince: num(row.failing_since),
    createdBy: num(row.created_by),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function webhookCreate(
  db: Kysely<Database>,
  p: { domainId: number; url: string; events: readonly string[]; secret: string; enabled: boolean; createdBy: number | null; now: number },
): Promise<Webhook> {
  const row = await db
    .insertInto('webhooks')
    .values({
      domain_id: p.domainId,
      url: p.url,
      events: JSON.stringify(p.events),
      secret: p.secret,
      enabled: p.enabled ? 1 : 0,
      created_by: p.createdBy,
      created_at: p.now,
      updated_at: p.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWebhook(row);
}

export async function webhookGetById(db: Kysely<Database>, p: { id: number }): Promise<Webhook | undefined> {
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', p.id).executeTakeFirst();
  return row ? toWebhook(row) : undefined;
}

/** A domain's webhooks, oldest first (a domain keeps a handful: no paging). */
export async function webhookListByDomain(db: Kysely<Database>, p: { domainId: number }): Promise<Webhook[]> {
  const rows = await db.selectFrom('webhooks').selectAll().where('domain_id', '=', p.domainId).orderBy('id').execute();
  return rows.map(toWebhook);
}

/** The domain's enabled webhooks (one read of the (domain_id, enabled) index): what an event is recorded for. */
export async function webhookListEnabled(db: Kysely<Database>, p: { domainId: number }): Promise<Array<Pick<Webhook, 'id' | 'events'>>> {
  const rows = await db.selectFrom('webhooks').select(['id', 'events']).where('domain_id', '=', p.domainId).where('enabled', '=', 1).execute();
  return rows.map((r) => ({ id: Number(r.id), events: JSON.parse(r.events) as string[] }));
}

/**
 * Changes the given fields; enabling clears the disabled reason and the failure run.
 * Returns the webhook, or undefined when there is none with this id.
 */
export async function webhookUpdate(
  db: Kysely<Database>,
  p: { id: number; url?: string; events?: readonly string[]; secret?: string; enabled?: boolean; now: number },
): Promise<Webhook | undefined> {
  const row = await db
    .updateTable('webhooks')
    .set({
      updated_at: p.now,
      ...(p.url !== undefined ? { url: p.url } : {}),
      ...(p.events !== undefined ? { events: JSON.stringify(p.events) } : {}),
      ...(p.secret !== undefined ? { secret: p.secret } : {}),
      ...(p.enabled === true ? { enabled: 1, disabled_reason: null, failing_since: null } : {}),
      ...(p.enabled === false ? { enabled: 0, disabled_reason: 'disabled by an administrator' } : {}),
    })
    .where('id', '=', p.id)
    .returningAll()
    .executeTakeFirst();
  return row ? toWebhook(row) : undefined;
}

/** Deletes the webhook and its deliveries; false when there is none. */
export async function webhookDelete(db: Kysely<Database>, p: { id: number }): Promise<boolean> {
  await db.deleteFrom('webhook_deliveries').where('webhook_id', '=', p.id).execute();
  const result = await db.deleteFrom('webhooks').where('id', '=', p.id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Records an attempt's outcome on the webhook: a success ends a failure run; a failure starts
 * one (if none is running). Returns the failure run's start (null after a success).
 */
export async function webhookNoteAttempt(db: Kysely<Database>, p: { id: number; ok: boolean; now: number }): Promise<number | null> {
  if (p.ok) {
    await db.updateTable('webhooks').set({ failing_since: null }).where('id', '=', p.id).where('failing_since', 'is not', null).execute();
    return null;
  }
  await db.updateTable('webhooks').set({ failing_since: p.now }).where('id', '=', p.id).where('failing_since', 'is', null).execute();
  const row = await db.selectFrom('webhooks').select('failing_since').where('id', '=', p.id).executeTakeFirst();
  return row ? num(row.failing_since) : null;
}

/** Disables the webhook, saying why (its pending deliveries stay, for a replay once it is enabled again). */
export async function webhookDisable(db: Kysely<Database>, p: { id: number; reason: string; now: number }): Promise<void> {
  await db.updateTable('webhooks').set({ enabled: 0, disabled_reason: p.reason, updated_at: p.now }).where('id', '=', p.id).execute();
}
