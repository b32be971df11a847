/** A library's retention policy (migration 16): stored with the library, changed by libraryUpdate, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedLibrary } from './seed.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`library retention on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('a library starts with no policy; libraryUpdate replaces it, other changes leave it alone', async () => {
      const { store } = db;
      const { library } = await seedLibrary(store, 'kept');
      expect(library.retention).toEqual({});
      const policy = { keepLast: 3, keepDaily: 7, keepWeekly: 5, keepMonthly: 12, keepYearly: 10, keepWithin: '1y2m3d4h' };
      const updated = await store.libraryUpdate({ id: library.id, changes: { retention: policy }, configChanged: true, now: 5 });
      expect(updated!.retention).toEqual(policy);
      expect(updated!.lastConfigModified).toBe(5);
      expect((await store.libraryGetById(library.id))!.retention).toEqual(policy);
      await store.libraryUpdate({ id: library.id, changes: { daysBeforeDelete: 3 }, configChanged: false, now: 6 });
      expect((await store.libraryGetById(library.id))!.retention).toEqual(policy);
      await store.libraryUpdate({ id: library.id, changes: { retention: { keepDaily: 1 } }, configChanged: true, now: 7 });
      expect((await store.libraryGetById(library.id))!.retention).toEqual({ keepDaily: 1 });
    });

    it('libraryInsert stores a policy given at creation', async () => {
      const { store } = db;
      const { library } = await seedLibrary(store, 'created', { retention: { keepWithin: '36h' } });
      expect(library.retention).toEqual({ keepWithin: '36h' });
      expect((await store.libraryGetByName({ domainId: library.domainId, name: 'created' }))!.retention).toEqual({ keepWithin: '36h' });
    });
  });
}
