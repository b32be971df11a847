/**
 * What the retention job reads and changes in the store, on every driver: a
 * library's retention policy (migration 16), stored with the library and
 * changed by libraryUpdate; the expired artifacts of one library's jobs.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { SHA_A, seedJob, seedLibrary } from './seed.js';

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

    it('artifactListExpired with libraryId lists only the expired artifacts of that library\'s jobs', async () => {
      const { store } = db;
      const mine = await seedJob(store, { libraryId: 'mine' });
      const theirs = await seedJob(store, { libraryId: 'theirs' });
      const fresh = await seedJob(store, { libraryId: 'mine' });
      const put = (jobId: number, expiresAt: number) =>
        store.artifactPut({ jobId, part: 0, storage: 'default', sha256: SHA_A, size: 1, name: 'r.zip', mediaType: 'application/zip', meta: null, createdAt: 1, expiresAt });
      await put(mine.id, 10);
      await put(theirs.id, 10);
      await put(fresh.id, 1_000);
      const ids = async (libraryId?: string) => (await store.artifactListExpired({ now: 100, limit: 10, libraryId })).map((a) => a.jobId).sort((a, b) => a - b);
      expect(await ids('mine')).toEqual([mine.id]);
      expect(await ids('theirs')).toEqual([theirs.id]);
      expect(await ids('nobody')).toEqual([]);
      expect(await ids()).toEqual([mine.id, theirs.id]);
    });
  });
}
