/** Changing a user (name, role, password hash) and listing every domain, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`account changes on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('userUpdate changes only the fields given and answers undefined for an unknown user', async () => {
      const { store } = db;
      const d = await store.domainCreate({ name: 'a.example', now: 1 });
      const amy = await store.userCreate({ domainId: d.id, email: 'amy@a.example', name: 'Amy', role: 'user', passwordHash: 'old', now: 2 });
      const bo = await store.userCreate({ domainId: d.id, email: 'bo@a.example', name: 'Bo', role: 'user', passwordHash: null, now: 2 });
      expect(await store.userUpdate({ id: amy.id, role: 'admin' })).toEqual({ ...amy, role: 'admin' });
      expect(await store.userUpdate({ id: amy.id, name: 'Amy B.' })).toEqual({ ...amy, role: 'admin', name: 'Amy B.' });
      expect((await store.userGetByEmail('amy@a.example'))?.passwordHash).toBe('old');
      await store.userUpdate({ id: amy.id, passwordHash: 'new' });
      expect((await store.userGetByEmail('amy@a.example'))?.passwordHash).toBe('new');
      expect(await store.userUpdate({ id: amy.id })).toEqual({ ...amy, role: 'admin', name: 'Amy B.' });
      expect(await store.userGetById(bo.id)).toEqual(bo);
      expect(await store.userUpdate({ id: amy.id + bo.id + 1000, name: 'x' })).toBeUndefined();
    });

    it('domainList pages every domain by id after a cursor', async () => {
      const { store } = db;
      const a = await store.domainCreate({ name: 'a.example', now: 1 });
      const b = await store.domainCreate({ name: 'b.example', now: 2 });
      const c = await store.domainCreate({ name: 'c.example', now: 3 });
      expect(await store.domainList({ limit: 10 })).toEqual([a, b, c]);
      expect(await store.domainList({ limit: 2 })).toEqual([a, b]);
      expect(await store.domainList({ afterId: b.id, limit: 2 })).toEqual([c]);
      expect(await store.domainList({ afterId: c.id, limit: 2 })).toEqual([]);
    });
  });
}
