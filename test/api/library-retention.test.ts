/** A library's retention policy over HTTP: set at creation or with PATCH, shown on GET, checked field by field, hidden from AODocs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';

const factories = await driverFactories();
const OFF = { keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0, keepWithin: null };

for (const factory of factories) {
  describe(`library retention API on ${factory.name}`, () => {
    let t: TestApp;
    let bob: string;
    beforeAll(async () => {
      t = await startTestApp(factory);
      const user = await t.call('POST', '/api/v1/users', { json: { email: 'bob@example.com' } });
      bob = (await t.call('POST', '/api/v1/tokens', { json: { userId: user.body.id } })).body.token;
    });
    afterAll(async () => {
      await t?.dispose();
    });

    async function create(name: string, extra: Record<string, unknown> = {}) {
      const res = await t.call('POST', '/api/v1/libraries', { json: { name, ...extra } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    }

    it('a new library keeps every snapshot; PATCH replaces the policy, GET and the listing show it; AODocs does not', async () => {
      const lib = await create('Mail');
      expect(lib.retention).toEqual(OFF);
      const patched = await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, {
        json: { retention: { keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepWithin: '2m10d' } },
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      const expected = { ...OFF, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepWithin: '2m10d' };
      expect(patched.body.retention).toEqual(expected);
      expect((await t.call('GET', `/api/v1/libraries/${lib.libraryId}`)).body.retention).toEqual(expected);
      const listed = (await t.call('GET', '/api/v1/libraries')).body.libraries.find((l: { libraryId: string }) => l.libraryId === lib.libraryId);
      expect(listed.retention).toEqual(expected);
      // The object replaces the policy: fields left out are off; null clears it.
      expect((await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, { json: { retention: { keepLast: 2, keepWithin: null } } })).body.retention).toEqual({ ...OFF, keepLast: 2 });
      expect((await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, { json: { retention: null } })).body.retention).toEqual(OFF);
      const aodocs = await t.call('GET', `/api/library/v1/${lib.libraryId}`);
      expect(aodocs.status).toBe(200);
      expect(aodocs.body).not.toHaveProperty('retention');
    });

    it('a policy given at creation is kept', async () => {
      const lib = await create('Drive', { retention: { keepYearly: 5, keepWithin: '36h' } });
      expect(lib.retention).toEqual({ ...OFF, keepYearly: 5, keepWithin: '36h' });
    });

    it('bad policies are 400s naming the field, and change nothing', async () => {
      const lib = await create('Checked', { retention: { keepLast: 1 } });
      const cases: Array<[unknown, string]> = [
        [{ keepDaily: -1 }, 'retention.keepDaily'],
        [{ keepWeekly: 1.5 }, 'retention.keepWeekly'],
        [{ keepMonthly: '3' }, 'retention.keepMonthly'],
        [{ keepYearly: 1e12 }, 'retention.keepYearly'],
        [{ keepLast: true }, 'retention.keepLast'],
        [{ keepWithin: '1w' }, 'retention.keepWithin'],
        [{ keepWithin: '-3d' }, 'retention.keepWithin'],
        [{ keepWithin: '3d3d' }, 'retention.keepWithin'],
        [{ keepWithin: '' }, 'retention.keepWithin'],
        [{ keepWithin: 30 }, 'retention.keepWithin'],
        [{ keepHourly: 3 }, 'retention.keepHourly'],
        ['7d', 'retention'],
        [[1], 'retention'],
      ];
      for (const [retention, field] of cases) {
        const res = await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, { json: { retention } });
        expect(res.status, JSON.stringify(retention)).toBe(400);
        expect(res.body.error.code).toBe('INVALID_ARGUMENT');
        expect(res.body.error.message).toContain(field);
        expect(res.body.error.details).toMatchObject({ field });
      }
      const created = await t.call('POST', '/api/v1/libraries', { json: { name: 'Refused', retention: { keepDaily: -2 } } });
      expect(created.status).toBe(400);
      expect(created.body.error.details).toMatchObject({ field: 'retention.keepDaily' });
      expect((await t.call('GET', `/api/v1/libraries/${lib.libraryId}`)).body.retention).toEqual({ ...OFF, keepLast: 1 });
    });

    it('only the library admin may change it', async () => {
      const lib = await create('Shared');
      await t.call('PUT', `/api/v1/libraries/${lib.libraryId}/permissions`, {
        json: { permissions: [{ type: 'user', value: 'admin@example.com', role: 'ADMIN' }, { type: 'user', value: 'bob@example.com', role: 'WRITER' }] },
      });
      const res = await t.call('PATCH', `/api/v1/libraries/${lib.libraryId}`, { token: bob, json: { retention: { keepLast: 1 } } });
      expect(res.status).toBe(403);
      expect((await t.call('GET', `/api/v1/libraries/${lib.libraryId}`, { token: bob })).body.retention).toEqual(OFF);
    });
  });
}
