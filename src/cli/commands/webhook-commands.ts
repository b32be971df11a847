/**
 * `webhook add|list|show|update|rm|deliveries|replay`: the domain's webhooks over the API
 * (`/api/v1/webhooks`, domain administrators). `add` prints the signing secret once (the API
 * shows it only in that answer); `update --rotate-secret` makes a new one here and prints it
 * once too. The rows and the secret's form are pure functions, exported for tests.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { ApiClient } from '../client.js';
import { usageError } from '../errors.js';
import { printJson, printTable, shortTime, type Column } from '../output.js';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhook-events.js';
import { clientFor, globalsOf, parseIntegerFlag, type ResolvedIO } from './context.js';

export interface WebhookView {
  id: number;
  url: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
  secret?: string;
}

export interface DeliveryView {
  id: string;
  eventType: string;
  payload: unknown;
  createdAt: string;
  status: 'pending' | 'delivered' | 'failed' | 'dead';
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  response: { status: number | null; headers: Record<string, string> | null; body: string | null } | null;
  error: string | null;
}

export const WEBHOOK_COLUMNS: readonly Column[] = [{ header: 'ID', align: 'right' }, { header: 'STATE' }, { header: 'EVENTS' }, { header: 'URL' }];

export const DELIVERY_COLUMNS: readonly Column[] = [
  { header: 'ID' },
  { header: 'EVENT' },
  { header: 'STATUS' },
  { header: 'ATTEMPTS', align: 'right' },
  { header: 'WHEN' },
  { header: 'HTTP', align: 'right' },
  { header: 'ERROR' },
];

/** What a webhook is doing: sending, failing since when, or disabled and why. */
export function webhookState(w: WebhookView): string {
  if (!w.enabled) return w.disabledReason ? `disabled (${w.disabledReason})` : 'disabled';
  return w.failingSince === null ? 'sending' : `failing since ${shortTime(w.failingSince)}`;
}

export function webhookRow(w: WebhookView): string[] {
  return [String(w.id), webhookState(w), w.events.join(','), w.url];
}

/** One delivery: its time is the next attempt while pending, else when it was delivered or last tried. */
export function deliveryRow(d: DeliveryView): string[] {
  const when = d.status === 'pending' ? (d.nextAttemptAt ? `next ${shortTime(d.nextAttemptAt)}` : '-') : shortTime(d.deliveredAt ?? d.lastAttemptAt ?? d.createdAt);
  return [d.id, d.eventType, d.status, String(d.attempts), when, d.response?.status == null ? '-' : String(d.response.status), d.error ?? '-'];
}

/** A new signing secret in Standard Webhooks form, as the server makes one: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** A webhook id argument: a positive integer, or a usage error. */
export function parseWebhookId(value: string): number {
  return parseIntegerFlag(value, 'webhook id', 1)!;
}

/** A delivery id argument (a message's webhook-id, `msg_…`), or a usage error. */
export function parseDeliveryId(value: string): string {
  if (!/^msg_[A-Za-z0-9_]+$/.test(value) || value.length > 64) throw usageError(`delivery id: expected a message id such as msg_2j6yq3c4kbtd5wcxg7ae3hmoiq, got '${value}'`);
  return value;
}

/** `--event a --event b,c` → [a, b, c] (the server says which name it does not know). */
function collectEvents(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((e) => e.trim()).filter((e) => e !== '')];
}

const EVENTS_HELP = `event to send (repeat, or comma-separate): ${WEBHOOK_EVENT_TYPES.join(', ')}`;

function printWebhook(write: (s: string) => void, w: WebhookView): void {
  write(`webhook ${w.id}\n`);
  write(`  url:     ${w.url}\n`);
  write(`  events:  ${w.events.join(', ')}\n`);
  write(`  state:   ${webhookState(w)}\n`);
  write(`  created: ${w.createdAt}\n`);
  write(`  updated: ${w.updatedAt}\n`);
}

async function deliveryPages(client: ApiClient, id: number, query: { limit?: number; cursor?: string }, all: boolean) {
  const deliveries: DeliveryView[] = [];
  let cursor = query.cursor;
  for (;;) {
    const page = await client.request<{ deliveries: DeliveryView[]; nextCursor: string | null }>('GET', `/webhooks/${id}/deliveries`, { query: { limit: query.limit, cursor } });
    deliveries.push(...page.deliveries);
    if (!all || page.nextCursor === null) return { deliveries, nextCursor: page.nextCursor };
    cursor = page.nextCursor;
  }
}

type UpdateFlags = { endpoint?: string; event?: string[]; secret?: string; rotateSecret?: boolean; enable?: boolean; disable?: boolean; json?: boolean };

export function registerWebhookCommands(program: Command, io: ResolvedIO): void {
  const webhook = program.command('webhook').description("the domain's webhooks (domain administrators): add, list, show, update, remove, deliveries, replay");

  webhook
    .command('add <url>')
    .description('add a webhook: a POST to <url> for each event it names, signed with its secret (printed once)')
    .requiredOption('--event <name>', EVENTS_HELP, collectEvents)
    .option('--secret <whsec>', 'the signing secret (whsec_ and base64 of 24 to 64 bytes); generated when omitted')
    .option('--disabled', 'create it switched off')
    .option('--json', 'print the webhook (with its secret) as JSON')
    .action(async (url: string, options: { event: string[]; secret?: string; disabled?: boolean }, command: Command) => {
      const body = { url, events: options.event, ...(options.secret !== undefined ? { secret: options.secret } : {}), ...(options.disabled ? { enabled: false } : {}) };
      const created = await clientFor(command).request<WebhookView>('POST', '/webhooks', { json: body });
      if (globalsOf(command).json) return printJson(io.stdout, created);
      io.stdout(`webhook ${created.id} ${created.enabled ? 'enabled' : 'disabled'}\n`);
      io.stdout(`  secret: ${created.secret ?? '-'}\n`);
      io.stderr('batchyard: the secret is shown only now; keep it where the receiver can read it\n');
    });

  webhook
    .command('list')
    .description("list the domain's webhooks")
    .option('--json', 'print them as JSON ({webhooks})')
    .action(async (_options: unknown, command: Command) => {
      const { webhooks } = await clientFor(command).request<{ webhooks: WebhookView[] }>('GET', '/webhooks');
      if (globalsOf(command).json) return printJson(io.stdout, { webhooks });
      if (webhooks.length > 0) printTable(io.stdout, WEBHOOK_COLUMNS, webhooks.map(webhookRow));
    });

  webhook
    .command('show <id>')
    .description('show one webhook')
    .option('--json', 'print it as JSON')
    .action(async (idArg: string, _options: unknown, command: Command) => {
      const w = await clientFor(command).request<WebhookView>('GET', `/webhooks/${parseWebhookId(idArg)}`);
      if (globalsOf(command).json) return printJson(io.stdout, w);
      printWebhook(io.stdout, w);
    });

  webhook
    .command('update <id>')
    .description('change a webhook: URL, events (the list replaces the old one), secret; enable or disable it')
    .option('--endpoint <url>', 'the new URL to POST to (--url is the server\'s)')
    .option('--event <name>', `${EVENTS_HELP}; replaces the list`, collectEvents)
    .option('--secret <whsec>', 'a new signing secret')
    .option('--rotate-secret', 'make a new signing secret and print it once (messages still waiting are signed with it)')
    .option('--enable', 'send again (clears why it was disabled; waiting messages go out)')
    .option('--disable', 'stop sending (messages wait)')
    .option('--json', 'print the webhook as JSON')
    .action(async (idArg: string, options: UpdateFlags, command: Command) => {
      const id = parseWebhookId(idArg);
      if (options.enable && options.disable) throw usageError('--enable and --disable: give one');
      if (options.secret !== undefined && options.rotateSecret) throw usageError('--secret and --rotate-secret: give one');
      const secret = options.rotateSecret ? newWebhookSecret() : options.secret;
      const body = {
        ...(options.endpoint !== undefined ? { url: options.endpoint } : {}),
        ...(options.event !== undefined ? { events: options.event } : {}),
        ...(secret !== undefined ? { secret } : {}),
        ...(options.enable ? { enabled: true } : options.disable ? { enabled: false } : {}),
      };
      if (Object.keys(body).length === 0) throw usageError('nothing to change: give --endpoint, --event, --secret, --rotate-secret, --enable or --disable');
      const updated = await clientFor(command).request<WebhookView>('PATCH', `/webhooks/${id}`, { json: body });
      if (globalsOf(command).json) return printJson(io.stdout, options.rotateSecret ? { ...updated, secret } : updated);
      printWebhook(io.stdout, updated);
      if (options.rotateSecret) {
        io.stdout(`  secret:  ${secret}\n`);
        io.stderr('batchyard: the new secret is shown only now; messages still waiting are signed with it\n');
      }
    });

  webhook
    .command('rm <id>')
    .description('delete a webhook and its delivery log')
    .action(async (idArg: string, _options: unknown, command: Command) => {
      const id = parseWebhookId(idArg);
      await clientFor(command).request('DELETE', `/webhooks/${id}`);
      io.stdout(`webhook ${id} deleted\n`);
    });

  webhook
    .command('deliveries <id>')
    .description("a webhook's deliveries, newest first, with the last attempt's HTTP status and error")
    .option('--limit <n>', 'deliveries per page, 1 to 1000 (default 100)')
    .option('--cursor <cursor>', 'continue from a previous page’s nextCursor')
    .option('--all', 'follow nextCursor to the last page')
    .option('--json', 'print the page as JSON ({deliveries, nextCursor}, each with its payload and response)')
    .action(async (idArg: string, options: { limit?: string; cursor?: string; all?: boolean }, command: Command) => {
      const id = parseWebhookId(idArg);
      const limit = parseIntegerFlag(options.limit, '--limit', 1, 1000);
      const { deliveries, nextCursor } = await deliveryPages(clientFor(command), id, { limit, cursor: options.cursor }, options.all === true);
      if (globalsOf(command).json) return printJson(io.stdout, { deliveries, nextCursor });
      if (deliveries.length > 0) printTable(io.stdout, DELIVERY_COLUMNS, deliveries.map(deliveryRow));
      if (nextCursor !== null) io.stderr(`batchyard: more deliveries: --cursor ${nextCursor} (or --all)\n`);
    });

  webhook
    .command('replay <id> <delivery>')
    .description('send a delivery again now: the same message (same webhook-id), a fresh timestamp and signature')
    .option('--json', 'print the delivery as JSON')
    .action(async (idArg: string, deliveryArg: string, _options: unknown, command: Command) => {
      const id = parseWebhookId(idArg);
      const deliveryId = parseDeliveryId(deliveryArg);
      const d = await clientFor(command).request<DeliveryView>('POST', `/webhooks/${id}/deliveries/${deliveryId}/replay`);
      if (globalsOf(command).json) return printJson(io.stdout, d);
      io.stdout(`delivery ${d.id} ${d.status}, due now (webhook ${id})\n`);
    });
}
