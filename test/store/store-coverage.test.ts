/**
 * Every public Store method has a case in the shared driver suite: a method
 * added without one fails here, naming it (see store-coverage.ts for what counts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { createSqliteDriver } from '../../src/store/drivers/sqlite/sqlite-driver.js';
import type { Driver } from '../../src/store/driver.js';
import { exercisedNamesByFile, storeCoverage, storeMethodNames, storePublicMemberNames } from './store-coverage.js';

describe('store method coverage', () => {
  let driver: Driver;
  let store: Store;
  beforeAll(() => {
    driver = createSqliteDriver({ filename: ':memory:' });
    store = new Store(driver);
  });
  afterAll(async () => {
    await driver.close();
  });

  it('derives the methods from the class: prototype methods and function fields, not private helpers or data', () => {
    const names = storeMethodNames(store);
    expect(names).toEqual(expect.arrayContaining(['transaction', 'savepoint', 'notify', 'taskClaim', 'itemInsertIfAbsent', 'domainCreate', 'eventInsert']));
    for (const hidden of ['constructor', 'run', 'unique', 'capabilities', 'label', 'inTransaction', 'driver', 'db', 'afterCommit']) expect(names).not.toContain(hidden);
    // Prototype methods are the minority: most methods are `readonly x = this.run(...)` fields on the instance.
    const publicMembers = new Set(storePublicMemberNames());
    const prototypeMethods = Object.getOwnPropertyNames(Store.prototype).filter((n) => publicMembers.has(n));
    expect(names).toEqual(expect.arrayContaining(prototypeMethods));
    expect(names.length).toBeGreaterThan(prototypeMethods.length * 2);
  });

  it('counts only calls inside running tests (and the file\'s helpers they call) of files that run on every driver', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchyard-coverage-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'a.test.ts'),
        `const factories = await driverFactories();
         async function helper(store) { await store.viaHelper(); await deeper(store); }
         const deeper = async (store) => { await store.viaDeeperHelper(); };
         async function unused(store) { await store.helperOnly(); }
         describe('x', () => {
           it('runs', async () => { await db.store.called({}); await helper(db.store); await seedElsewhere(db.store); });
           it.runIf(true)('runs if', async () => { await tx.calledIf(); });
           it.skip('skipped', async () => { await store.skippedOnly(); });
           it.todo('todo');
           test.each([1])('each %s', async () => { await store.calledEach(); });
         });`,
      );
      fs.writeFileSync(path.join(dir, 'b.test.ts'), `it('one driver only', async () => { await store.notShared(); });`);
      const byFile = exercisedNamesByFile(dir);
      expect([...byFile.keys()]).toEqual(['a.test.ts']);
      const names = byFile.get('a.test.ts')!;
      for (const name of ['called', 'calledIf', 'calledEach', 'viaHelper', 'viaDeeperHelper']) expect(names).toContain(name);
      for (const name of ['helperOnly', 'skippedOnly', 'notShared']) expect(names).not.toContain(name);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has a driver-suite case for every Store method', () => {
    const missing = storeCoverage(store).filter((row) => row.files.length === 0).map((row) => row.method);
    expect(missing, `Store methods without a case in test/store/*.test.ts (run on every driver): ${missing.join(', ')}`).toEqual([]);
  });
});
