/**
 * The shared driver suite: every Store operation against every driver
 * (SQLite file, PostgreSQL schema), each test on a fresh database.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { driverFactories, useMigratedStore, type TestDriver } from '../support/drivers.js';
import { migrate } from '../../src/store/migrate.js';
import type { Store } from '../../src/store/store.js';
import { ConflictError } from '../../src/domain/errors.js';
import type { Library } from '../../src/domain/types.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`store on ${factory.name}`, () => {
    const db = useMigratedStore(factory);
    let t: TestDriver;
    let store: Store;
    beforeEach(() => {
      ({ t, store } = db);
    });

    async function seedLibrary(name = 'docs', overrides: Partial<Library> = {}) {
      const domain = (await store.domainGetByName('example.com')) ?? (await store.domainCreate({ name: 'example.com', now: 1 }));
      const user = (await store.userGetByEmail('owner@example.com')) ?? (await store.userCreate({ domainId: domain.id, email: 'owner@example.com', name: 'Owner', role: 'user', passwordHash: null, now: 1 }));
      const id = `lib${name}`;
      await store.libraryInsert({
        id, domainId: domain.id, name, state: 'STANDARD', appType: 2, storage: 'default', daysBeforeDelete: 30,
        restrictedDownload: false, findableBy: 'READERS', creatorId: user.id, settings: { locale: 'en' }, config: {},
        createdAt: 1, lastModified: 1, lastConfigModified: 1, ...overrides,
      });
      const root = await store.itemInsertIfAbsent({ libraryId: id, parentId: null, name: '', path: '/', kind: 'folder', size: 0, sha256: null, contentType: null, now: 1 });
      await store.libraryUpdate({ id, changes: { rootFolderId: root!.id }, configChanged: false, now: 2 });
      return { domain, user, id, root: root! };
    }

    it('migrates once and is idempotent', async () => {
      const again = await migrate(t.driver);
      expect(again.applied).toEqual([]);
      expect(again.version).toBe(t.driver.migrations.at(-1)!.version);
    });

    it('creates and reads domains, users and tokens; ids are numbers', async () => {
      const domain = await store.domainCreate({ name: 'acme.test', now: 10 });
      expect(typeof domain.id).toBe('number');
      expect(await store.domainCount()).toBe(1);
      const user = await store.userCreate({ domainId: domain.id, email: 'a@acme.test', name: 'A', role: 'admin', passwordHash: 'h', now: 11 });
      expect(await store.userGetById(user.id)).toEqual(user);
      expect((await store.userGetByEmail('a@acme.test'))?.passwordHash).toBe('h');
      await store.tokenCreate({ id: 'tok_1', userId: user.id, name: 'cli', secretHash: 'abc', expiresAt: 99, now: 12 });
      const identity = await store.tokenGetIdentity('abc');
      expect(identity?.user.email).toBe('a@acme.test');
      expect(identity?.domain.name).toBe('acme.test');
      expect(identity?.token.expiresAt).toBe(99);
      expect(await store.tokenRevoke({ id: 'tok_1', now: 13 })).toBe(true);
      expect(await store.tokenRevoke({ id: 'tok_1', now: 14 })).toBe(false);
      expect((await store.tokenGetById('tok_1'))?.revokedAt).toBe(13);
    });

    it('keeps one server key per name: the first creator wins and every later caller reads it', async () => {
      const [a, b] = await Promise.all([
        db.store.serverKeyGetOrCreate({ name: 'k', fresh: 'first', now: 1 }),
        db.store.serverKeyGetOrCreate({ name: 'k', fresh: 'second', now: 2 }),
      ]);
      expect(a).toBe(b);
      expect(['first', 'second']).toContain(a);
      expect(await db.store.serverKeyGetOrCreate({ name: 'k', fresh: 'third', now: 3 })).toBe(a);
      expect(await db.store.serverKeyGetOrCreate({ name: 'other', fresh: 'x', now: 3 })).toBe('x');
    });

    it('turns unique violations into ConflictError', async () => {
      const domain = await store.domainCreate({ name: 'dup.test', now: 1 });
      await expect(store.domainCreate({ name: 'dup.test', now: 1 })).rejects.toBeInstanceOf(ConflictError);
      await store.userCreate({ domainId: domain.id, email: 'x@dup.test', name: 'X', role: 'user', passwordHash: null, now: 1 });
      await expect(store.userCreate({ domainId: domain.id, email: 'x@dup.test', name: 'Y', role: 'user', passwordHash: null, now: 1 })).rejects.toBeInstanceOf(ConflictError);
      await seedLibrary('same');
      await expect(seedLibrary('same')).rejects.toBeInstanceOf(ConflictError);
    });

    it('rolls a transaction back on error', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.domainCreate({ name: 'rolled.back', now: 1 });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.domainGetByName('rolled.back')).toBeUndefined();
    });

    it('updates a library, bumping sequenceId and the modification times', async () => {
      const { id } = await seedLibrary();
      const before = (await store.libraryGetById(id))!;
      const after = await store.libraryUpdate({ id, changes: { state: 'ARCHIVED', config: { views: { items: [] } } }, configChanged: true, now: 50 });
      expect(after!.state).toBe('ARCHIVED');
      expect(after!.sequenceId).toBe(before.sequenceId + 1);
      expect(after!.lastConfigModified).toBe(50);
      expect(after!.config).toEqual({ views: { items: [] } });
      expect(after!.settings).toEqual({ locale: 'en' });
      const locked = await store.transaction((tx) => tx.libraryGetForContentChange(id));
      expect(locked?.state).toBe('ARCHIVED');
      expect(await store.libraryGetForContentChange('missing')).toBeUndefined();
    });

    it('resolves the highest role and lists only findable libraries', async () => {
      const { domain } = await seedLibrary('a-readers');
      await seedLibrary('b-admins', { findableBy: 'ADMINS' });
      await seedLibrary('c-none', { findableBy: 'NONE' });
      await store.libraryPermissionsReplace({ libraryId: 'liba-readers', permissions: [{ type: 'domain', value: 'example.com', role: 'READER' }, { type: 'user', value: 'r@example.com', role: 'WRITER' }] });
      await store.libraryPermissionsReplace({ libraryId: 'libb-admins', permissions: [{ type: 'user', value: 'r@example.com', role: 'WRITER' }] });
      expect(await store.libraryRoleOf({ libraryId: 'liba-readers', email: 'r@example.com', domainName: 'example.com' })).toBe('WRITER');
      expect(await store.libraryRoleOf({ libraryId: 'liba-readers', email: 'z@example.com', domainName: 'example.com' })).toBe('READER');
      expect(await store.libraryRoleOf({ libraryId: 'libc-none', email: 'r@example.com', domainName: 'example.com' })).toBeUndefined();
      const viewer = { domainId: domain.id, seesAll: false, email: 'r@example.com', domainName: 'example.com' };
      const visible = await store.libraryListVisible({ viewer, after: undefined, limit: 10 });
      expect(visible.map((l) => l.name)).toEqual(['a-readers']);
      const all = await store.libraryListVisible({ viewer: { ...viewer, seesAll: true }, after: undefined, limit: 2 });
      expect(all.map((l) => l.name)).toEqual(['a-readers', 'b-admins']);
      const next = await store.libraryListVisible({ viewer: { ...viewer, seesAll: true }, after: { name: 'b-admins', id: 'libb-admins' }, limit: 2 });
      expect(next.map((l) => l.name)).toEqual(['c-none']);
    });

    it('keeps per-user library state', async () => {
      const { id, user } = await seedLibrary();
      expect(await store.libraryUserStateGet({ libraryId: id, userId: user.id })).toEqual({ favorited: false, lastAccessed: null });
      await store.libraryUserStateSet({ libraryId: id, userId: user.id, favorited: true });
      await store.libraryUserStateSet({ libraryId: id, userId: user.id, lastAccessed: 77 });
      expect(await store.libraryUserStateGet({ libraryId: id, userId: user.id })).toEqual({ favorited: true, lastAccessed: 77 });
    });

    it('inserts items once per live path and pages children in byte order on every driver', async () => {
      const { id, root } = await seedLibrary();
      const names = ['b', 'B', 'a', 'é', 'Z', 'a b', 'a_b', '10', '9'];
      for (const name of names) {
        const item = await store.itemInsertIfAbsent({ libraryId: id, parentId: root.id, name, path: `/${name}`, kind: 'file', size: 1, sha256: 'f'.repeat(64), contentType: 'text/plain', now: 3 });
        expect(item?.name).toBe(name);
      }
      expect(await store.itemInsertIfAbsent({ libraryId: id, parentId: root.id, name: 'b', path: '/b', kind: 'folder', size: 0, sha256: null, contentType: null, now: 4 })).toBeUndefined();
      const expected = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.itemListChildren({ libraryId: id, parentId: root.id, parentPath: '/', afterName: after, limit: 4 });
        seen.push(...page.map((i) => i.name));
        if (page.length < 4) break;
        after = page.at(-1)!.name;
      }
      expect(seen).toEqual(expected);
      const listed = await store.itemListChildren({ libraryId: id, parentId: root.id, parentPath: '/', afterName: undefined, limit: 1 });
      expect(listed[0]).toEqual(await store.itemGetByPath({ libraryId: id, path: `/${expected[0]}` }));
      expect((await store.itemGetByPath({ libraryId: id, path: '/é' }))?.name).toBe('é');
    });

    it('lists trashed roots newest first with a keyset cursor', async () => {
      const { id, root } = await seedLibrary();
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        const item = await store.itemInsertIfAbsent({ libraryId: id, parentId: root.id, name: `t${i}`, path: `/t${i}`, kind: 'folder', size: 0, sha256: null, contentType: null, now: 1 });
        ids.push(item!.id);
      }
      // Trash operations arrive with the job engine; mark rows trashed directly here.
      await t.driver.db.updateTable('items').set((eb) => ({ trashed_at: 100, trash_root_id: eb.ref('id') })).where('id', 'in', ids).execute();
      const first = await store.itemListTrashRoots({ libraryId: id, after: undefined, limit: 2 });
      expect(first.map((i) => i.id)).toEqual([ids[2], ids[1]]);
      const rest = await store.itemListTrashRoots({ libraryId: id, after: { trashedAt: 100, id: ids[1]! }, limit: 2 });
      expect(rest.map((i) => i.id)).toEqual([ids[0]]);
      // A trashed name is free again for a live item.
      expect(await store.itemInsertIfAbsent({ libraryId: id, parentId: root.id, name: 't0', path: '/t0', kind: 'file', size: 0, sha256: null, contentType: null, now: 2 })).toBeDefined();
    });

    it('counts blob references and releases them on library delete', async () => {
      const { id, root } = await seedLibrary();
      const sha = 'a'.repeat(64);
      for (const name of ['x', 'y']) {
        await store.itemInsertIfAbsent({ libraryId: id, parentId: root.id, name, path: `/${name}`, kind: 'file', size: 5, sha256: sha, contentType: 'text/plain', now: 1 });
        await store.blobAddRef({ storage: 'default', sha256: sha, size: 5, now: 1 });
      }
      expect(await store.blobGetRefcount({ storage: 'default', sha256: sha })).toBe(2);
      expect(await store.itemCountBlobRefs({ libraryId: id })).toEqual([{ sha256: sha, refs: 2 }]);
      await store.transaction(async (tx) => {
        await tx.blobRelease({ storage: 'default', sha256: sha, count: 2 });
        expect(await tx.libraryDelete(id)).toBe(true);
      });
      expect(await store.blobGetRefcount({ storage: 'default', sha256: sha })).toBe(0);
      expect(await store.libraryGetById(id)).toBeUndefined();
      expect(await store.itemGetById({ libraryId: id, id: root.id })).toBeUndefined();
    });
  });
}
