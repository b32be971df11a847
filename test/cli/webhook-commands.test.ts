/**
 * `webhook add|list|show|update|rm|deliveries|replay`, run in-process against a real server
 * (HTTP on a port) on every driver: the secret printed once on add and on --rotate-secret
 * (and the server signs with it), deliveries paged with their answers, a replay due again, the
 * server's refusals as the CLI's errors and exit codes; and the rows, pure.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { runCli } from '../support/cli-in-process.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/app.js';
import { registerWebhookCommands, deliveryRow, newWebhookSecret, parseDeliveryId, webhookRow, type DeliveryView } from '../../src/cli/commands/webhook-commands.js';
import { recordWebhookEvent } from '../../src/jobs/webhook-events.js';
import { WEBHOOK_SECRET_PATTERN } from '../../src/domain/webhook-events.js';
import { CliError, EXIT } from '../../src/cli/errors.js';

const factories = await driverFactories();

beforeAll(() => {
  delete process.env.BATCHYARD_TOKEN;
});

describe('webhook commands (pure)', () => {
  it('renders rows: the state says sending, failing since, or disabled and why; a delivery its next attempt or its answer', () => {
    const base = { id: 3, url: 'https://ci.example.com/in', events: ['job.completed', 'job.failed'], enabled: true, disabledReason: null, failingSince: null, createdAt: '2030-01-01T00:00:00.000Z', updatedAt: '2030-01-01T00:00:00.000Z' };
    expect(webhookRow(base)).toEqual(['3', 'sending', 'job.completed,job.failed', 'https://ci.example.com/in']);
    expect(webhookRow({ ...base, failingSince: '2030-01-02T03:04:05.000Z' })[1]).toBe('failing since 2030-01-02 03:04');
    expect(webhookRow({ ...base, enabled: false, disabledReason: 'the endpoint answered 410 Gone' })[1]).toBe('disabled (the endpoint answered 410 Gone)');
    const d: DeliveryView = { id: 'msg_a', eventType: 'job.failed', payload: {}, createdAt: '2030-01-01T00:00:00.000Z', status: 'pending', attempts: 2, nextAttemptAt: '2030-01-01T00:05:00.000Z', lastAttemptAt: '2030-01-01T00:00:05.000Z', deliveredAt: null, response: { status: 500, headers: {}, body: 'x' }, error: 'HTTP 500' };
    expect(deliveryRow(d)).toEqual(['msg_a', 'job.failed', 'pending', '2', 'next 2030-01-01 00:05', '500', 'HTTP 500']);
    expect(deliveryRow({ ...d, status: 'delivered', deliveredAt: '2030-01-01T00:10:00.000Z', nextAttemptAt: null, response: { status: 204, headers: {}, body: '' }, error: null })).toEqual(['msg_a', 'job.failed', 'delivered', '2', '2030-01-01 00:10', '204', '-']);
    expect(newWebhookSecret()).toMatch(WEBHOOK_SECRET_PATTERN);
    expect(() => parseDeliveryId('../x')).toThrow(CliError);
  });
});

for (const factory of factories) {
  describe(`webhook commands against a real server on ${factory.name}`, () => {
    let t: TestApp;
    let url: string;
    beforeEach(async () => {
      t = await startTestApp(factory);
      await t.http.listen({ port: 0, host: '127.0.0.1' });
      url = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      await t.dispose();
    });

    const run = (args: string[], token = ADMIN_TOKEN) => runCli(registerWebhookCommands, { url, token, args });
    async function ok(args: string[]): Promise<string> {
      const ran = await run(args);
      expect(ran.code, `${args.join(' ')}: ${ran.stderr}`).toBe(0);
      return ran.stdout;
    }
    const secretOf = async (id: number) => (await t.app.store.webhookGetById({ id }))!.secret;

    it('adds (secret printed once), lists, shows, updates (secret rotated, events replaced, disabled, enabled) and removes', async () => {
      const added = await run(['webhook', 'add', 'https://ci.example.com/in', '--event', 'job.completed', '--event', 'job.failed,job.cancelled']);
      expect(added.code, added.stderr).toBe(0);
      const [, idText, secret] = /^webhook (\d+) enabled\n {2}secret: (whsec_\S+)\n$/.exec(added.stdout)!;
      const id = Number(idText);
      expect(secret).toBe(await secretOf(id));
      expect(added.stderr).toContain('shown only now');
      const given = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
      const second = JSON.parse(await ok(['webhook', 'add', 'https://other.example.com/x', '--event', 'schedule.fired', '--secret', given, '--disabled', '--json']));
      expect(second).toMatchObject({ url: 'https://other.example.com/x', events: ['schedule.fired'], enabled: false, secret: given });

      const table = (await ok(['webhook', 'list'])).trim().split('\n');
      expect(table[0]).toMatch(/^\s*ID\s+STATE\s+EVENTS\s+URL$/);
      expect(table[1]).toMatch(new RegExp(`^\\s*${id}\\s+sending\\s+job.completed,job.failed,job.cancelled\\s+https://ci.example.com/in$`));
      expect(table[2]).toMatch(/^\s*\d+\s+disabled\s+schedule.fired\s+https:\/\/other.example.com\/x$/);
      expect(JSON.parse(await ok(['webhook', 'list', '--json'])).webhooks).toHaveLength(2);
      expect(await ok(['webhook', 'show', String(id)])).toMatch(/^webhook \d+\n {2}url: +https:\/\/ci.example.com\/in\n {2}events: +job.completed, job.failed, job.cancelled\n {2}state: +sending\n/);
      expect(JSON.stringify(JSON.parse(await ok(['webhook', 'show', String(id), '--json'])))).not.toContain('whsec_');

      const rotated = await ok(['webhook', 'update', String(id), '--rotate-secret', '--event', 'job.failed', '--endpoint', 'https://ci.example.com/v2']);
      const fresh = /\n {2}secret: +(whsec_\S+)\n$/.exec(rotated)![1]!;
      expect(fresh).not.toBe(secret);
      expect(await secretOf(id)).toBe(fresh);
      expect(rotated).toContain('events:  job.failed\n');
      expect(rotated).toContain('url:     https://ci.example.com/v2\n');
      expect(JSON.parse(await ok(['webhook', 'update', String(id), '--disable', '--json']))).toMatchObject({ enabled: false, disabledReason: 'disabled by an administrator' });
      expect(await ok(['webhook', 'update', String(id), '--enable'])).toContain('state:   sending\n');

      expect(await ok(['webhook', 'rm', String(id)])).toBe(`webhook ${id} deleted\n`);
      const gone = await run(['webhook', 'show', String(id)]);
      expect(gone.code).toBe(EXIT.NOT_FOUND);
      expect(gone.stderr).toMatch(/NOT_FOUND/);
    });

    it('lists deliveries newest first with their answers, pages them, replays one; refusals keep their exit codes', async () => {
      const made = JSON.parse(await ok(['webhook', 'add', 'https://ci.example.com/in', '--event', 'job.completed', '--json'])) as { id: number };
      const { domainId } = (await t.app.store.webhookGetById({ id: made.id }))!;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(...(await recordWebhookEvent(t.app.store, { domainId, type: 'job.completed', data: { jobId: i }, now: 1_000 + i })));
      const [claimed] = await t.app.store.webhookDeliveryClaim({ owner: 'e', now: 1_000, leaseUntil: 2_000, limit: 1 });
      await t.app.store.webhookDeliveryFinishAttempt({ id: claimed!.id, owner: 'e', attempt: 1, status: 'dead', nextAttemptAt: null, now: 1_500, response: { status: 500, headers: {}, body: 'boom' }, error: 'HTTP 500' });

      const table = (await ok(['webhook', 'deliveries', String(made.id)])).trim().split('\n');
      expect(table[0]).toMatch(/^ID\s+EVENT\s+STATUS\s+ATTEMPTS\s+WHEN\s+HTTP\s+ERROR$/);
      expect(table.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([ids[2], ids[1], ids[0]]);
      expect(table[3]).toMatch(new RegExp(`^${claimed!.id}\\s+job.completed\\s+dead\\s+1\\s+1970-01-01 00:00\\s+500\\s+HTTP 500$`));
      const paged = await run(['webhook', 'deliveries', String(made.id), '--limit', '2']);
      expect(paged.stdout.trim().split('\n')).toHaveLength(3);
      expect(paged.stderr).toMatch(/more deliveries: --cursor \S+ \(or --all\)/);
      const all = JSON.parse(await ok(['webhook', 'deliveries', String(made.id), '--limit', '1', '--all', '--json']));
      expect(all.deliveries.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1], ids[0]]);
      expect(all.nextCursor).toBeNull();

      expect(await ok(['webhook', 'replay', String(made.id), claimed!.id])).toBe(`delivery ${claimed!.id} pending, due now (webhook ${made.id})\n`);
      expect((await t.app.store.webhookDeliveryGetById({ id: claimed!.id }))!.status).toBe('pending');
      expect((await run(['webhook', 'replay', String(made.id), 'msg_unknown'])).code).toBe(EXIT.NOT_FOUND);
      expect((await run(['webhook', 'replay', String(made.id), 'nope'])).code).toBe(EXIT.USAGE);

      const badEvent = await run(['webhook', 'add', 'https://ci.example.com/in', '--event', 'job.done']);
      expect(badEvent.code).toBe(EXIT.FAILURE);
      expect(badEvent.stderr).toMatch(/INVALID_ARGUMENT: events\[0\]: unknown event 'job.done'/);
      const privateUrl = await run(['webhook', 'add', 'http://127.0.0.1:9/x', '--event', 'job.failed']);
      expect(privateUrl.stderr).toMatch(/url: .*loopback/);
      expect((await run(['webhook', 'add', 'https://ci.example.com/in'])).code).toBe(EXIT.USAGE);
      expect((await run(['webhook', 'update', String(made.id)])).stderr).toMatch(/nothing to change/);
      expect((await run(['webhook', 'update', String(made.id), '--enable', '--disable'])).code).toBe(EXIT.USAGE);
      expect((await run(['webhook', 'show', '0'])).code).toBe(EXIT.USAGE);

      const user = await t.call('POST', '/api/v1/users', { json: { email: 'bob@example.com' } });
      const bob = (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token as string;
      const refused = await run(['webhook', 'list'], bob);
      expect(refused.code).toBe(EXIT.AUTH);
      expect(refused.stderr).toMatch(/FORBIDDEN: webhooks are managed by domain administrators/);
    });
  });
}
