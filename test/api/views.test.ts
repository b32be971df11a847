/** Saved views over HTTP, on every driver: each user's own, names unique per user, deleted only by their owner. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`saved views API on ${factory.name}`, () => {
    let t: TestApp;
    let bob: string;
    beforeEach(async () => {
      t = await startTestApp(factory);
      const user = await t.call('POST', '/api/v1/users', { json: { email: 'bob@example.com' } });
      bob = (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token;
    });
    afterEach(async () => {
      await t.dispose();
    });

    it('saves, lists and deletes the caller’s own views', async () => {
      expect((await t.call('GET', '/api/v1/views')).body).toEqual({ views: [] });
      const made = await t.call('POST', '/api/v1/views', { json: { name: 'Failed today', query: 'status:failed created:>-1d' } });
      expect(made.status).toBe(201);
      expect(made.body).toEqual({ id: expect.any(Number), name: 'Failed today', query: 'status:failed created:>-1d', createdAt: expect.any(String) });
      expect(Math.abs(Date.parse(made.body.createdAt) - Date.now())).toBeLessThan(60_000);
      const second = await t.call('POST', '/api/v1/views', { json: { name: 'Everything', query: '' } });
      expect(second.status).toBe(201);
      expect((await t.call('GET', '/api/v1/views')).body.views.map((v: { name: string }) => v.name)).toEqual(['Failed today', 'Everything']);

      expect((await t.call('DELETE', `/api/v1/views/${made.body.id}`)).status).toBe(204);
      expect((await t.call('GET', '/api/v1/views')).body.views).toEqual([second.body]);
      expect((await t.call('DELETE', `/api/v1/views/${made.body.id}`)).status).toBe(404);
    });

    it('keeps names unique per user (409), and each user’s views their own (others’ are 404)', async () => {
      const mine = await t.call('POST', '/api/v1/views', { json: { name: 'mine', query: 'requestor:me' } });
      const again = await t.call('POST', '/api/v1/views', { json: { name: ' mine ', query: 'other' } });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('CONFLICT');
      // Another user may use the same name; neither sees the other's.
      const theirs = await t.call('POST', '/api/v1/views', { token: bob, json: { name: 'mine', query: 'type:copy' } });
      expect(theirs.status).toBe(201);
      expect((await t.call('GET', '/api/v1/views', { token: bob })).body.views).toEqual([theirs.body]);
      expect((await t.call('GET', '/api/v1/views')).body.views).toEqual([mine.body]);
      const steal = await t.call('DELETE', `/api/v1/views/${mine.body.id}`, { token: bob });
      expect(steal.status).toBe(404);
      expect(steal.body.error.code).toBe('NOT_FOUND');
      expect((await t.call('GET', '/api/v1/views')).body.views).toHaveLength(1);
    });

    it('answers bad input with a 400 naming the field', async () => {
      const long = await t.call('POST', '/api/v1/views', { json: { name: 'long', query: 'x'.repeat(2001) } });
      expect(long.status).toBe(400);
      expect(long.body.error.message).toContain('query');
      expect((await t.call('POST', '/api/v1/views', { json: { name: 'at the limit', query: 'x'.repeat(2000) } })).status).toBe(201);
      const blank = await t.call('POST', '/api/v1/views', { json: { name: '   ', query: 'q' } });
      expect(blank.status).toBe(400);
      expect(blank.body.error.details.field).toBe('name');
      const missing = await t.call('POST', '/api/v1/views', { json: { name: 'x' } });
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toContain('query');
      const badId = await t.call('DELETE', '/api/v1/views/abc');
      expect(badId.status).toBe(400);
      expect(badId.body.error.message).toContain('viewId');
      expect((await t.call('GET', '/api/v1/views', { token: null })).status).toBe(401);
    });
  });
}
