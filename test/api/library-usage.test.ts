/** `usage` on the library resource: native API only (AODocs' ApiLibrary has no such field), read-only. Every driver. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { startTestApp, type TestApp } from '../support/app.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`library usage in the API on ${factory.name}`, () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await startTestApp(factory);
    });
    afterEach(async () => {
      await t.dispose();
    });

    it('GET shows usage {items, bytes}; uploads change it; PATCH cannot set it; AODocs does not show it', async () => {
      const created = await t.call('POST', '/api/v1/libraries', { json: { name: 'usage' } });
      expect(created.status).toBe(201);
      expect(created.body.usage).toEqual({ items: 0, bytes: 0 });
      const id = created.body.libraryId as string;
      expect((await t.call('PUT', `/api/v1/libraries/${id}/files/a/b.txt`, { body: Buffer.from('12345') })).status).toBe(201);
      expect((await t.call('PUT', `/api/v1/libraries/${id}/files/c.txt`, { body: Buffer.from('xy') })).status).toBe(201);
      expect((await t.call('GET', `/api/v1/libraries/${id}`)).body.usage).toEqual({ items: 3, bytes: 7 });
      const listed = await t.call('GET', '/api/v1/libraries');
      expect(listed.body.libraries.find((l: { libraryId: string }) => l.libraryId === id).usage).toEqual({ items: 3, bytes: 7 });

      const patched = await t.call('PATCH', `/api/v1/libraries/${id}`, { json: { usage: { items: 0, bytes: 0 } } });
      expect(patched.status).toBe(400);
      expect(JSON.stringify(patched.body)).toContain('usage');

      const aodocs = await t.call('GET', `/api/library/v1/${id}`);
      expect(aodocs.status).toBe(200);
      expect(aodocs.body).not.toHaveProperty('usage');
    });
  });
}
