/**
 * `POST /api/v1/jobs/actions` on every driver: exact counts on a dry run that
 * changes nothing, cancelling every job a filter selects (past one batch of
 * the walk), retrying ended jobs' failed items, a list of ids, the
 * single-job routes' rights (a reader acts on no one else's jobs), bad input.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import type { JobStatus } from '../../src/domain/jobs.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`job actions on ${factory.name}`, () => {
    let t: TestApp;
    let lib: string;
    beforeEach(async () => {
      t = await startTestApp(factory, { BATCHYARD_ENABLE_BENCH_JOBS: '1' });
      const made = await t.call('POST', '/api/v1/libraries', { json: { name: 'actions' } });
      expect(made.status).toBe(201);
      lib = made.body.libraryId;
    });
    afterEach(async () => {
      await t.dispose();
    });

    async function submit(token?: string, type = 'noop', params: Record<string, unknown> = { count: 1 }): Promise<number> {
      const res = await t.call('POST', '/api/v1/jobs', { token, json: { type, libraryId: lib, params } });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return res.body.id;
    }

    /** Ends a job as the engine would have: a final status and its counters. */
    async function end(id: number, status: JobStatus, failed = 0) {
      await t.app.store.jobSetStatus({ id, status, now: Date.now(), finished: true });
      if (failed > 0) await t.app.store.jobAddCounts({ id, delta: { total: failed, failed }, now: Date.now() });
    }

    const act = (json: unknown, token?: string) => t.call('POST', '/api/v1/jobs/actions', { token, json });
    const statusOf = async (id: number) => (await t.call('GET', `/api/v1/jobs/${id}`)).body.status as string;

    async function addUser(email: string, role: 'READER' | 'WRITER') {
      const user = await t.call('POST', '/api/v1/users', { json: { email } });
      expect(user.status).toBe(201);
      const token = (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token as string;
      const perms = await t.call('PUT', `/api/v1/libraries/${lib}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: email, role }] },
      });
      expect(perms.status, JSON.stringify(perms.body)).toBe(200);
      return token;
    }

    it('counts exactly on a dry run and changes nothing', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 7; i++) ids.push(await submit());
      await end(ids[0]!, 'completed');
      await end(ids[1]!, 'cancelled');
      const dry = await act({ action: 'cancel', filter: {}, dryRun: true });
      expect(dry.status, JSON.stringify(dry.body)).toBe(200);
      expect(dry.body).toEqual({
        action: 'cancel',
        matched: 7,
        eligible: 5,
        acted: 0,
        skipped: expect.arrayContaining([
          { id: ids[0], reason: expect.stringContaining('already ended (completed)') },
          { id: ids[1], reason: expect.stringContaining('already ended (cancelled)') },
        ]),
        dryRun: true,
      });
      expect(dry.body.skipped).toHaveLength(2);
      for (const id of ids.slice(2)) expect(await statusOf(id)).toBe('queued');

      const filtered = await act({ action: 'cancel', filter: { libraryId: lib, status: ['completed', 'queued'], createdAfter: '2000-01-01T00:00:00Z' }, dryRun: true });
      expect(filtered.body).toMatchObject({ matched: 6, eligible: 5, acted: 0 });
      const none = await act({ action: 'cancel', filter: { libraryId: 'no-such-library' }, dryRun: true });
      expect(none.body).toEqual({ action: 'cancel', matched: 0, eligible: 0, acted: 0, skipped: [], dryRun: true });
    });

    it('cancels every job a filter selects, walking past one batch', async () => {
      const me = (await t.call('GET', '/api/v1/me')).body;
      const domainId = (await t.app.store.domainGetByName('example.com'))!.id;
      // 510 queued jobs (more than one step of the walk), written straight to the database for speed.
      await t.app.store.transaction(async (tx) => {
        for (let i = 0; i < 510; i++) {
          await tx.jobInsert({ domainId, libraryId: lib, targetLibraryId: null, type: 'noop', requestorId: me.id, origin: 'admin', params: { count: 1 }, priority: 0, retryOf: null, now: 1_000_000 + i });
        }
      });
      const ended = await submit();
      await end(ended, 'completed');
      const res = await act({ action: 'cancel', filter: { libraryId: lib } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ action: 'cancel', matched: 511, eligible: 510, acted: 510, dryRun: false });
      expect(res.body.skipped).toEqual([{ id: ended, reason: expect.stringContaining('already ended') }]);
      const left = await act({ action: 'cancel', filter: { libraryId: lib, status: ['queued'] }, dryRun: true });
      expect(left.body).toMatchObject({ matched: 0, eligible: 0 });
      const page = await t.call('GET', `/api/v1/jobs?libraryId=${lib}&limit=1000`);
      const statuses = new Set((page.body.jobs as Array<{ status: string }>).map((j) => j.status));
      expect([...statuses].every((s) => ['cancelling', 'cancelled', 'completed'].includes(s))).toBe(true);
      // 510 cancels, each its own transaction, on a busy test machine.
    }, 120_000);

    it('retries the failed items of ended jobs: those with failures, not the running or the clean ones', async () => {
      const failed1 = await submit();
      const failed2 = await submit();
      const clean = await submit();
      const running = await submit();
      await end(failed1, 'completed_with_errors', 2);
      await end(failed2, 'failed', 1);
      await end(clean, 'completed');
      const dry = await act({ action: 'retry', filter: {}, dryRun: true });
      expect(dry.body).toMatchObject({ matched: 4, eligible: 2, acted: 0 });
      expect(dry.body.skipped).toEqual(
        expect.arrayContaining([
          { id: clean, reason: expect.stringContaining('no failed items') },
          { id: running, reason: expect.stringContaining('still queued') },
        ]),
      );
      const res = await act({ action: 'retry', filter: { status: ['completed_with_errors', 'failed', 'completed'] } });
      expect(res.body).toMatchObject({ matched: 3, eligible: 2, acted: 2 });
      const jobs = (await t.call('GET', '/api/v1/jobs?limit=100')).body.jobs as Array<{ id: number; retryOf: number | null; status: string }>;
      expect(jobs.filter((j) => j.retryOf !== null).map((j) => j.retryOf).sort()).toEqual([failed1, failed2].sort());
    });

    it('acts on a list of ids; unknown ids are skipped as not found', async () => {
      const a = await submit();
      const b = await submit();
      const c = await submit();
      const res = await act({ action: 'cancel', ids: [a, b, a, 987654] });
      expect(res.body).toMatchObject({ action: 'cancel', matched: 2, eligible: 2, acted: 2, dryRun: false });
      expect(res.body.skipped).toEqual([{ id: 987654, reason: 'not found' }]);
      expect(['cancelling', 'cancelled']).toContain(await statusOf(a));
      expect(await statusOf(c)).toBe('queued');
      const again = await act({ action: 'cancel', ids: [a], dryRun: true });
      expect(again.body).toMatchObject({ matched: 1, eligible: 0 });
    });

    it('keeps the single-job rules: a reader acts on no one else’s jobs, and a retry needs the rights its re-run needs', async () => {
      const adminJob = await submit();
      const readerToken = await addUser('reader@example.com', 'READER');
      const readerJob = await submit(readerToken);
      const everything = await act({ action: 'cancel', filter: {} }, readerToken);
      expect(everything.body).toMatchObject({ matched: 1, eligible: 1, acted: 1 });
      expect(await statusOf(adminJob)).toBe('queued');
      expect(['cancelling', 'cancelled']).toContain(await statusOf(readerJob));
      const byId = await act({ action: 'cancel', ids: [adminJob] }, readerToken);
      expect(byId.body).toMatchObject({ matched: 0, eligible: 0, acted: 0, skipped: [{ id: adminJob, reason: 'not found' }] });
      expect(await statusOf(adminJob)).toBe('queued');

      // A writer's trash job, retried after they were made a reader: trash needs WRITER.
      const put = await t.call('PUT', `/api/v1/libraries/${lib}/files/a.txt`, { body: 'a' });
      expect(put.status).toBe(201);
      const writerToken = await addUser('writer@example.com', 'WRITER');
      const trash = await submit(writerToken, 'trash', { paths: ['/a.txt'] });
      await end(trash, 'completed_with_errors', 1);
      await t.call('PUT', `/api/v1/libraries/${lib}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: 'writer@example.com', role: 'READER' }] },
      });
      const refused = await act({ action: 'retry', filter: {} }, writerToken);
      expect(refused.body).toMatchObject({ matched: 1, eligible: 0, acted: 0 });
      expect(refused.body.skipped).toEqual([{ id: trash, reason: expect.stringContaining('WRITER') }]);
    });

    it('answers bad input with a 400 naming the field', async () => {
      const both = await act({ action: 'cancel', filter: {}, ids: [1] });
      expect(both.status).toBe(400);
      expect(both.body.error.details.field).toBe('filter');
      expect((await act({ action: 'cancel' })).status).toBe(400);
      const verb = await act({ action: 'delete', filter: {} });
      expect(verb.status).toBe(400);
      expect(verb.body.error.message).toContain('action');
      const many = await act({ action: 'cancel', ids: Array.from({ length: 1001 }, (_, i) => i + 1) });
      expect(many.status).toBe(400);
      expect(many.body.error.message).toContain('ids');
      const status = await act({ action: 'cancel', filter: { status: ['finished'] } });
      expect(status.status).toBe(400);
      expect(status.body.error.details.field).toBe('filter.status');
      const time = await act({ action: 'cancel', filter: { createdAfter: '2026-01-01T00:00:00' } });
      expect(time.status).toBe(400);
      expect(time.body.error.message).toContain('createdAfter');
      const extra = await act({ action: 'cancel', filter: { colour: 'red' } });
      expect(extra.status).toBe(400);
      expect(extra.body.error.message).toContain('colour');
    });
  });
}
