/** Transactions, savepoints and the classification of database errors, on every driver. */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { seedLibrary } from './seed.js';
import { ConflictError } from '../../src/domain/errors.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`transaction store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('transaction commits every write and returns the result; a nested call joins the same transaction', async () => {
      const { store } = db;
      expect(store.inTransaction).toBe(false);
      const result = await store.transaction(async (tx) => {
        expect(tx.inTransaction).toBe(true);
        const a = await tx.domainCreate({ name: 'a.example', now: 1 });
        const inner = await tx.transaction(async (same) => {
          expect(same).toBe(tx);
          return same.domainCreate({ name: 'b.example', now: 1 });
        });
        return [a.id, inner.id];
      });
      expect(result).toHaveLength(2);
      expect(await store.domainCount()).toBe(2);
      // A failure after a nested call rolls back the nested writes too.
      await expect(
        store.transaction(async (tx) => {
          await tx.transaction((same) => same.domainCreate({ name: 'c.example', now: 1 }));
          throw new Error('late failure');
        }),
      ).rejects.toThrow('late failure');
      expect(await store.domainGetByName('c.example')).toBeUndefined();
    });

    it.runIf(factory.name === 'postgres')("transaction: others do not see a transaction's writes before it commits", async () => {
      const { store } = db;
      let seen: unknown = 'unset';
      await store.transaction(async (tx) => {
        await tx.domainCreate({ name: 'hidden.example', now: 1 });
        seen = await store.domainGetByName('hidden.example');
      });
      expect(seen).toBeUndefined();
      expect(await store.domainGetByName('hidden.example')).toBeDefined();
    });

    it('rollbackToSavepoint undoes only the work after the savepoint, and recovers a transaction after a failed statement', async () => {
      const { store } = db;
      await store.transaction(async (tx) => {
        await tx.domainCreate({ name: 'kept.example', now: 1 });
        await tx.savepoint('attempt');
        await tx.domainCreate({ name: 'undone.example', now: 1 });
        await tx.rollbackToSavepoint('attempt');
        // A statement that fails (a unique violation) must not doom the transaction once rolled back to a savepoint.
        await tx.savepoint('attempt');
        await expect(tx.domainCreate({ name: 'kept.example', now: 2 })).rejects.toBeInstanceOf(ConflictError);
        await tx.rollbackToSavepoint('attempt');
        await tx.domainCreate({ name: 'after.example', now: 1 });
        await tx.releaseSavepoint('attempt');
      });
      expect(await store.domainGetByName('kept.example')).toBeDefined();
      expect(await store.domainGetByName('undone.example')).toBeUndefined();
      expect(await store.domainGetByName('after.example')).toBeDefined();
      expect(await store.domainCount()).toBe(2);
    });

    it('releaseSavepoint keeps the work and forgets the savepoint; savepoint names are checked before any SQL', async () => {
      const { store } = db;
      await store.transaction(async (tx) => {
        await tx.savepoint('outer_1');
        await tx.domainCreate({ name: 'a.example', now: 1 });
        await tx.savepoint('inner_2');
        await tx.domainCreate({ name: 'b.example', now: 1 });
        await tx.releaseSavepoint('inner_2');
        // Rolling back to the outer savepoint also undoes what the released inner one held.
        await tx.rollbackToSavepoint('outer_1');
        await tx.domainCreate({ name: 'c.example', now: 1 });
        await tx.releaseSavepoint('outer_1');
      });
      expect((await Promise.all(['a', 'b', 'c'].map((n) => store.domainGetByName(`${n}.example`)))).map((d) => d !== undefined)).toEqual([false, false, true]);
      for (const bad of ['x; DROP TABLE domains', 'Upper', '1st', '', 'a'.repeat(40)]) {
        await expect(store.transaction((tx) => tx.savepoint(bad))).rejects.toThrow(/invalid savepoint name/);
        await expect(store.transaction((tx) => tx.releaseSavepoint(bad))).rejects.toThrow(/invalid savepoint name/);
        await expect(store.transaction((tx) => tx.rollbackToSavepoint(bad))).rejects.toThrow(/invalid savepoint name/);
      }
      await expect(store.transaction((tx) => tx.rollbackToSavepoint('never_made'))).rejects.toThrow();
      expect(await store.domainCount()).toBe(1);
    });

    it('savepoints outside a transaction are refused alike, and leave no transaction open behind later writes', async () => {
      const { store } = db;
      await expect(store.savepoint('loose')).rejects.toThrow(/outside a transaction/);
      await expect(store.releaseSavepoint('loose')).rejects.toThrow(/outside a transaction/);
      await expect(store.rollbackToSavepoint('loose')).rejects.toThrow(/outside a transaction/);
      await store.domainCreate({ name: 'durable.example', now: 1 });
      await expect(store.transaction((tx) => tx.rollbackToSavepoint('never_made'))).rejects.toThrow();
      expect(await store.domainGetByName('durable.example')).toBeDefined();
    });

    it('isTransient: a busy or locked database is transient; a unique violation, a typed error or a plain one is not', async () => {
      const { store, t } = db;
      const { library } = await seedLibrary(store);
      let busy: unknown;
      await store.transaction(async (tx) => {
        // This transaction holds the database's write lock (SQLite) or the library row (PostgreSQL).
        await tx.libraryGetForContentChange(library.id);
        await tx.domainCreate({ name: 'writer.example', now: 1 });
        if (factory.name === 'sqlite') {
          const other = new BetterSqlite3(path.join(t.dir, 'batchyard.sqlite'));
          try {
            other.pragma('busy_timeout = 0');
            other.exec('BEGIN IMMEDIATE');
          } catch (e) {
            busy = e;
          } finally {
            other.close();
          }
        } else {
          // The share lock lets another reader share it and refuses a writer's lock.
          await t.driver.db.transaction().execute((trx) => sql`SELECT id FROM libraries WHERE id = ${library.id} FOR SHARE NOWAIT`.execute(trx));
          try {
            await t.driver.db.transaction().execute((trx) => sql`SELECT id FROM libraries WHERE id = ${library.id} FOR UPDATE NOWAIT`.execute(trx));
          } catch (e) {
            busy = e;
          }
        }
      });
      expect(busy).toBeDefined();
      expect(store.isTransient(busy)).toBe(true);
      let unique: unknown;
      try {
        await store.tokenCreate({ id: 't', userId: library.creatorId, name: 'a', secretHash: 'h', expiresAt: null, now: 1 });
        await store.tokenCreate({ id: 't', userId: library.creatorId, name: 'b', secretHash: 'h2', expiresAt: null, now: 1 });
      } catch (e) {
        unique = e;
      }
      expect(store.isUniqueViolation(unique)).toBe(true);
      expect(store.isTransient(unique)).toBe(false);
      expect(store.isTransient(new ConflictError('taken'))).toBe(false);
      expect(store.isTransient(new Error('database is locked'))).toBe(false);
      expect(store.isTransient(null)).toBe(false);
    });
  });
}
