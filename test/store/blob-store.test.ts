/** Blob reference counts and the collector's mark / delete protocol, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { TransientError } from '../../src/domain/errors.js';
import { SHA_A, SHA_B, SHA_C } from './seed.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`blob store on ${factory.name}`, () => {
    const db = useSharedStore(factory);
    const ref = (sha256: string, storage = 'default') => ({ storage, sha256 });

    it('blobAddRef creates the row at its count and adds to it after; each storage counts apart', async () => {
      const { store } = db;
      expect(await store.blobGetRefcount(ref(SHA_A))).toBeUndefined();
      expect(await store.blobAddRef({ ...ref(SHA_A), size: 5, now: 1 })).toBe(1);
      expect(await store.blobAddRef({ ...ref(SHA_A), size: 5, now: 2 })).toBe(2);
      expect(await store.blobAddRef({ ...ref(SHA_A), size: 5, count: 3, now: 3 })).toBe(5);
      expect(await store.blobAddRef({ ...ref(SHA_A, 'cold'), size: 5, count: 2, now: 3 })).toBe(2);
      expect(await store.blobGetRefcount(ref(SHA_A))).toBe(5);
      expect(await store.blobGetRefcount(ref(SHA_A, 'cold'))).toBe(2);
    });

    it('blobRelease takes one reference or `count`; releasing an unknown blob changes nothing', async () => {
      const { store } = db;
      await store.blobAddRef({ ...ref(SHA_A), size: 5, count: 4, now: 1 });
      await store.blobRelease(ref(SHA_A));
      expect(await store.blobGetRefcount(ref(SHA_A))).toBe(3);
      await store.blobRelease({ ...ref(SHA_A), count: 3 });
      expect(await store.blobGetRefcount(ref(SHA_A))).toBe(0);
      await store.blobRelease({ ...ref(SHA_B), count: 2 });
      expect(await store.blobGetRefcount(ref(SHA_B))).toBeUndefined();
      expect(await store.blobListUnreferenced({ limit: 10 })).toEqual([{ storage: 'default', sha256: SHA_A, refcount: 0 }]);
    });

    it('blobReleaseMany releases each blob by its refs, and concurrent releases in opposite orders both finish', async () => {
      const { store } = db;
      for (const sha256 of [SHA_A, SHA_B, SHA_C]) await store.blobAddRef({ ...ref(sha256), size: 1, count: 10, now: 1 });
      await store.blobReleaseMany({ storage: 'default', blobs: [{ sha256: SHA_C, refs: 3 }, { sha256: SHA_A, refs: 1 }] });
      expect(await store.blobGetRefcount(ref(SHA_A))).toBe(9);
      expect(await store.blobGetRefcount(ref(SHA_B))).toBe(10);
      expect(await store.blobGetRefcount(ref(SHA_C))).toBe(7);
      await store.blobReleaseMany({ storage: 'default', blobs: [] });
      // Each transaction locks the rows it releases; the fixed order keeps two of them from waiting on each other.
      await Promise.all([
        store.transaction((tx) => tx.blobReleaseMany({ storage: 'default', blobs: [{ sha256: SHA_A, refs: 2 }, { sha256: SHA_B, refs: 2 }, { sha256: SHA_C, refs: 2 }] })),
        store.transaction((tx) => tx.blobReleaseMany({ storage: 'default', blobs: [{ sha256: SHA_C, refs: 1 }, { sha256: SHA_B, refs: 1 }, { sha256: SHA_A, refs: 1 }] })),
      ]);
      expect(await store.blobGetRefcount(ref(SHA_A))).toBe(6);
      expect(await store.blobGetRefcount(ref(SHA_B))).toBe(7);
      expect(await store.blobGetRefcount(ref(SHA_C))).toBe(4);
      // Another storage's row of the same content is untouched.
      await store.blobAddRef({ ...ref(SHA_A, 'cold'), size: 1, now: 1 });
      await store.blobReleaseMany({ storage: 'default', blobs: [{ sha256: SHA_A, refs: 6 }] });
      expect(await store.blobGetRefcount(ref(SHA_A, 'cold'))).toBe(1);
    });

    it('blobListUnreferenced lists rows at 0 or being collected (-1), up to the limit', async () => {
      const { store } = db;
      await store.blobAddRef({ ...ref(SHA_A), size: 1, now: 1 });
      await store.blobAddRef({ ...ref(SHA_B), size: 1, now: 1 });
      await store.blobAddRef({ ...ref(SHA_C), size: 1, now: 1 });
      expect(await store.blobListUnreferenced({ limit: 10 })).toEqual([]);
      await store.blobRelease(ref(SHA_A));
      await store.blobRelease(ref(SHA_B));
      expect(await store.blobMarkCollecting(ref(SHA_B))).toBe(true);
      const listed = await store.blobListUnreferenced({ limit: 10 });
      expect([...listed].sort((x, y) => x.refcount - y.refcount)).toEqual([
        { storage: 'default', sha256: SHA_B, refcount: -1 },
        { storage: 'default', sha256: SHA_A, refcount: 0 },
      ]);
      expect(await store.blobListUnreferenced({ limit: 1 })).toHaveLength(1);
    });

    it('blobMarkCollecting marks only unreferenced rows; a marked blob refuses references until it is deleted', async () => {
      const { store } = db;
      await store.blobAddRef({ ...ref(SHA_A), size: 1, now: 1 });
      expect(await store.blobMarkCollecting(ref(SHA_A))).toBe(false);
      expect(await store.blobMarkCollecting(ref(SHA_B))).toBe(false);
      await store.blobRelease(ref(SHA_A));
      expect(await store.blobMarkCollecting(ref(SHA_A))).toBe(true);
      expect(await store.blobGetRefcount(ref(SHA_A))).toBe(-1);
      // A pass that crashed after marking: the next pass marks it again and finishes.
      expect(await store.blobMarkCollecting(ref(SHA_A))).toBe(true);
      await expect(store.blobAddRef({ ...ref(SHA_A), size: 1, now: 2 })).rejects.toBeInstanceOf(TransientError);
      expect(await store.blobGetRefcount(ref(SHA_A))).toBe(-1);
    });

    it('blobDeleteCollected deletes only a marked row; the content can then be referenced afresh', async () => {
      const { store } = db;
      await store.blobAddRef({ ...ref(SHA_A), size: 1, now: 1 });
      await store.blobAddRef({ ...ref(SHA_B), size: 1, now: 1 });
      await store.blobRelease(ref(SHA_B));
      await store.blobDeleteCollected(ref(SHA_A));
      await store.blobDeleteCollected(ref(SHA_B));
      expect(await store.blobGetRefcount(ref(SHA_A))).toBe(1);
      expect(await store.blobGetRefcount(ref(SHA_B))).toBe(0);
      expect(await store.blobMarkCollecting(ref(SHA_B))).toBe(true);
      await store.blobDeleteCollected(ref(SHA_B));
      expect(await store.blobGetRefcount(ref(SHA_B))).toBeUndefined();
      expect(await store.blobListUnreferenced({ limit: 10 })).toEqual([]);
      expect(await store.blobAddRef({ ...ref(SHA_B), size: 1, now: 3 })).toBe(1);
    });

    it('an upload racing the collector either adds its reference before the mark or is refused after it', async () => {
      const { store } = db;
      await store.blobAddRef({ ...ref(SHA_A), size: 1, now: 1 });
      await store.blobRelease(ref(SHA_A));
      const [marked, added] = await Promise.allSettled([
        store.transaction((tx) => tx.blobMarkCollecting(ref(SHA_A))),
        store.transaction((tx) => tx.blobAddRef({ ...ref(SHA_A), size: 1, now: 2 })),
      ]);
      if (added.status === 'fulfilled') {
        // The reference came first: the row is referenced and the collector left it.
        expect(added.value).toBe(1);
        expect(marked).toEqual({ status: 'fulfilled', value: false });
        expect(await store.blobGetRefcount(ref(SHA_A))).toBe(1);
      } else {
        expect(added.reason).toBeInstanceOf(TransientError);
        expect(marked).toEqual({ status: 'fulfilled', value: true });
        expect(await store.blobGetRefcount(ref(SHA_A))).toBe(-1);
      }
    });
  });
}
