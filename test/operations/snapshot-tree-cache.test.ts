/**
 * What a restore reads its tree tasks' entries through: a stored tree's
 * entries by storage and hash (on every driver), and an entry found by name
 * in them by binary search, in the order the backup sorted them (UTF-16 code
 * units), whatever the names hold.
 */
import { describe, expect, it } from 'vitest';
import { driverFactories, useMigratedStore } from '../support/drivers.js';
import { buildTree, parseTreeEntries, type SnapshotEntry } from '../../src/domain/snapshot-tree.js';
import { entryNamed, snapshotTreeEntries } from '../../src/operations/snapshot-tree-cache.js';

const factories = await driverFactories();

function file(name: string, i: number): SnapshotEntry {
  return { name, kind: 'file', size: i, sha256: null, contentType: 'text/plain', createdAt: 1_000 + i, modifiedAt: 2_000 + i, tree: null };
}

const names = ['p0', 'p0 b.txt', 'p0.txt', 'a', 'B', 'é', 'e\u0301', '\u4e2d', '\uE000', '\uFFFD', '\u{1F600}', 'z (1).txt', '~', 'résumé – été.txt'];

describe('entryNamed', () => {
  it('finds every entry of a built tree by its name, and nothing for a name it lacks', () => {
    const tree = buildTree(names.map(file), () => ({ files: 0, folders: 0, bytes: 0 }));
    for (const name of names) expect(entryNamed(tree.entries, name)?.name, name).toBe(name);
    for (const absent of ['p', 'p0 ', 'E', '\u{1F601}', '', 'zz']) expect(entryNamed(tree.entries, absent), absent).toBeUndefined();
    expect(entryNamed([], 'a')).toBeUndefined();
  });
});

for (const factory of factories) {
  describe(`snapshotTreeEntries on ${factory.name}`, () => {
    const db = useMigratedStore(factory);

    it("reads a stored tree's entries in their stored order, and names a tree the location does not hold", async () => {
      const tree = buildTree(names.map(file), () => ({ files: 0, folders: 0, bytes: 0 }));
      await db.store.snapshotTreesPut({ storage: 'default', trees: [tree], blobs: 'create', now: 1 });
      const entries = await snapshotTreeEntries(db.store, 'default', tree.hash);
      expect(entries).toEqual(parseTreeEntries(tree.json));
      expect(entries.map((e) => e.name)).toEqual([...names].sort());
      await expect(snapshotTreeEntries(db.store, 'elsewhere', tree.hash)).rejects.toThrow(`snapshot tree ${tree.hash} is not stored in 'elsewhere'`);
    });
  });
}
