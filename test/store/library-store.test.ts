/** Libraries by name and state, app types, permissions and administered libraries, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedLibrary } from './seed.js';
import { ConflictError } from '../../src/domain/errors.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`library store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('libraryGetByName finds a name within its domain only, byte for byte', async () => {
      const { store } = db;
      const a = await seedLibrary(store, 'Docs');
      const b = await seedLibrary(store, 'Docs', { domainName: 'other.example' });
      expect(await store.libraryGetByName({ domainId: a.domain.id, name: 'Docs' })).toEqual(a.library);
      expect(await store.libraryGetByName({ domainId: b.domain.id, name: 'Docs' })).toEqual(b.library);
      expect(await store.libraryGetByName({ domainId: a.domain.id, name: 'docs' })).toBeUndefined();
      expect(await store.libraryGetByName({ domainId: a.domain.id, name: 'Docs ' })).toBeUndefined();
      expect(await store.libraryGetByName({ domainId: a.domain.id + b.domain.id + 1, name: 'Docs' })).toBeUndefined();
    });

    it("libraryAppTypes maps each of the domain's libraries to its appType and leaves out the rest", async () => {
      const { store } = db;
      const gmail = await seedLibrary(store, 'gmail', { appType: 1 });
      const chat = await seedLibrary(store, 'chat', { appType: 4096 });
      const foreign = await seedLibrary(store, 'foreign', { appType: 8, domainName: 'other.example' });
      const types = await store.libraryAppTypes({ domainId: gmail.domain.id, ids: [gmail.library.id, chat.library.id, foreign.library.id, 'missing'] });
      expect([...types].sort()).toEqual([[chat.library.id, 4096], [gmail.library.id, 1]]);
      expect(await store.libraryAppTypes({ domainId: gmail.domain.id, ids: [] })).toEqual(new Map());
    });

    it('libraryListByState returns exactly the libraries in the given states', async () => {
      const { store } = db;
      await seedLibrary(store, 'standard');
      const deleting = await seedLibrary(store, 'deleting', { state: 'DELETING' });
      const initializing = await seedLibrary(store, 'initializing', { state: 'INITIALIZING', domainName: 'other.example' });
      const ids = async (states: string[]) => (await store.libraryListByState({ states })).map((l) => l.id).sort();
      expect(await ids(['DELETING'])).toEqual([deleting.library.id]);
      expect(await ids(['INITIALIZING', 'DELETING'])).toEqual([initializing.library.id, deleting.library.id].sort());
      expect(await ids(['ARCHIVED'])).toEqual([]);
      const [row] = await store.libraryListByState({ states: ['DELETING'] });
      expect(row).toEqual(deleting.library);
    });

    it('libraryPermissionsGet lists the permissions by type then value; a replace swaps the whole set', async () => {
      const { store } = db;
      const { library } = await seedLibrary(store, 'a');
      const other = await seedLibrary(store, 'b');
      expect(await store.libraryPermissionsGet(library.id)).toEqual([]);
      await store.libraryPermissionsReplace({
        libraryId: library.id,
        permissions: [
          { type: 'user', value: 'zed@example.com', role: 'READER' },
          { type: 'domain', value: 'example.com', role: 'READER' },
          { type: 'user', value: 'amy@example.com', role: 'ADMIN' },
        ],
      });
      await store.libraryPermissionsReplace({ libraryId: other.library.id, permissions: [{ type: 'user', value: 'bo@example.com', role: 'WRITER' }] });
      expect(await store.libraryPermissionsGet(library.id)).toEqual([
        { type: 'domain', value: 'example.com', role: 'READER' },
        { type: 'user', value: 'amy@example.com', role: 'ADMIN' },
        { type: 'user', value: 'zed@example.com', role: 'READER' },
      ]);
      await store.libraryPermissionsReplace({ libraryId: library.id, permissions: [{ type: 'user', value: 'zed@example.com', role: 'WRITER' }] });
      expect(await store.libraryPermissionsGet(library.id)).toEqual([{ type: 'user', value: 'zed@example.com', role: 'WRITER' }]);
      await store.libraryPermissionsReplace({ libraryId: library.id, permissions: [] });
      expect(await store.libraryPermissionsGet(library.id)).toEqual([]);
      expect(await store.libraryPermissionsGet(other.library.id)).toEqual([{ type: 'user', value: 'bo@example.com', role: 'WRITER' }]);
      expect(await store.libraryPermissionsGet('missing')).toEqual([]);
    });

    it("libraryIdsAdministeredBy lists, once and by id, the domain's libraries the user administers directly or through the domain", async () => {
      const { store } = db;
      const direct = await seedLibrary(store, 'direct');
      const viaDomain = await seedLibrary(store, 'via-domain');
      const both = await seedLibrary(store, 'both');
      const writer = await seedLibrary(store, 'writer');
      const foreign = await seedLibrary(store, 'foreign', { domainName: 'other.example' });
      const email = 'amy@example.com';
      await store.libraryPermissionsReplace({ libraryId: direct.library.id, permissions: [{ type: 'user', value: email, role: 'ADMIN' }] });
      await store.libraryPermissionsReplace({ libraryId: viaDomain.library.id, permissions: [{ type: 'domain', value: 'example.com', role: 'ADMIN' }] });
      await store.libraryPermissionsReplace({
        libraryId: both.library.id,
        permissions: [{ type: 'user', value: email, role: 'ADMIN' }, { type: 'domain', value: 'example.com', role: 'ADMIN' }],
      });
      await store.libraryPermissionsReplace({ libraryId: writer.library.id, permissions: [{ type: 'user', value: email, role: 'WRITER' }] });
      // A permission naming the user on another domain's library does not count in this domain.
      await store.libraryPermissionsReplace({ libraryId: foreign.library.id, permissions: [{ type: 'user', value: email, role: 'ADMIN' }] });
      const ids = await store.libraryIdsAdministeredBy({ email, domainName: 'example.com', domainId: direct.domain.id });
      expect(ids).toEqual([both.library.id, direct.library.id, viaDomain.library.id].sort());
      expect(await store.libraryIdsAdministeredBy({ email: 'bo@example.com', domainName: 'example.com', domainId: direct.domain.id })).toEqual(
        [both.library.id, viaDomain.library.id].sort(),
      );
      expect(await store.libraryIdsAdministeredBy({ email, domainName: 'other.example', domainId: foreign.domain.id })).toEqual([foreign.library.id]);
    });

    it('libraryUpdate refuses a name taken in the domain (ConflictError) and answers undefined for a missing library', async () => {
      const { store } = db;
      const a = await seedLibrary(store, 'a');
      await seedLibrary(store, 'b');
      await seedLibrary(store, 'c', { domainName: 'other.example' });
      await expect(store.libraryUpdate({ id: a.library.id, changes: { name: 'b' }, configChanged: false, now: 9 })).rejects.toBeInstanceOf(ConflictError);
      expect(await store.libraryGetById(a.library.id)).toEqual(a.library);
      const renamed = await store.libraryUpdate({ id: a.library.id, changes: { name: 'c' }, configChanged: false, now: 9 });
      expect(renamed).toMatchObject({ name: 'c', lastModified: 9, lastConfigModified: a.library.lastConfigModified, sequenceId: a.library.sequenceId + 1 });
      expect(await store.libraryUpdate({ id: 'missing', changes: { name: 'x' }, configChanged: false, now: 9 })).toBeUndefined();
    });

    it('libraryDelete removes the library with its items, permissions and user state; a second delete answers false', async () => {
      const { store } = db;
      const { library, user, root } = await seedLibrary(store, 'gone');
      const kept = await seedLibrary(store, 'kept');
      for (const id of [library.id, kept.library.id]) {
        await store.libraryPermissionsReplace({ libraryId: id, permissions: [{ type: 'user', value: user.email, role: 'ADMIN' }] });
        await store.libraryUserStateSet({ libraryId: id, userId: user.id, favorited: true });
      }
      expect(await store.libraryDelete(library.id)).toBe(true);
      expect(await store.libraryDelete(library.id)).toBe(false);
      expect(await store.libraryGetById(library.id)).toBeUndefined();
      expect(await store.libraryPermissionsGet(library.id)).toEqual([]);
      expect(await store.libraryUserStateGet({ libraryId: library.id, userId: user.id })).toEqual({ favorited: false, lastAccessed: null });
      expect(await store.itemGetById({ libraryId: library.id, id: root.id })).toBeUndefined();
      expect(await store.libraryPermissionsGet(kept.library.id)).toHaveLength(1);
      expect(await store.libraryUserStateGet({ libraryId: kept.library.id, userId: user.id })).toEqual({ favorited: true, lastAccessed: null });
      expect(await store.itemGetById({ libraryId: kept.library.id, id: kept.root.id })).toEqual(kept.root);
    });
  });
}
