/** The orphan sweep's blob rows: which addresses have a row, and a -1 claim on bytes nothing references, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { TransientError } from '../../src/domain/errors.js';
import { SHA_A, SHA_B, SHA_C } from './seed.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`blob orphan rows on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('blobListKnown names the addresses that have a row in that storage, at any count', async () => {
      const { store } = db;
      await store.blobAddRef({ storage: 'default', sha256: SHA_A, size: 1, now: 1 });
      await store.blobAddRef({ storage: 'default', sha256: SHA_B, size: 1, now: 1 });
      await store.blobRelease({ storage: 'default', sha256: SHA_B });
      await store.blobAddRef({ storage: 'cold', sha256: SHA_C, size: 1, now: 1 });
      expect((await store.blobListKnown({ storage: 'default', sha256s: [SHA_A, SHA_B, SHA_C] })).sort()).toEqual([SHA_A, SHA_B].sort());
      expect(await store.blobListKnown({ storage: 'cold', sha256s: [SHA_A, SHA_C] })).toEqual([SHA_C]);
      expect(await store.blobListKnown({ storage: 'default', sha256s: [] })).toEqual([]);
    });

    it('blobClaimOrphan inserts a -1 row only where none exists; a reference then waits, and the collector finishes the row', async () => {
      const { store } = db;
      await store.blobAddRef({ storage: 'default', sha256: SHA_A, size: 1, now: 1 });
      expect(await store.blobClaimOrphan({ storage: 'default', sha256: SHA_A, size: 1, now: 2 })).toBe(false);
      expect(await store.blobGetRefcount({ storage: 'default', sha256: SHA_A })).toBe(1);
      expect(await store.blobClaimOrphan({ storage: 'default', sha256: SHA_B, size: 7, now: 2 })).toBe(true);
      expect(await store.blobClaimOrphan({ storage: 'default', sha256: SHA_B, size: 7, now: 3 })).toBe(false);
      expect(await store.blobGetRefcount({ storage: 'default', sha256: SHA_B })).toBe(-1);
      await expect(store.blobAddRef({ storage: 'default', sha256: SHA_B, size: 7, now: 4 })).rejects.toBeInstanceOf(TransientError);
      await store.blobDeleteCollected({ storage: 'default', sha256: SHA_B });
      expect(await store.blobGetRefcount({ storage: 'default', sha256: SHA_B })).toBeUndefined();
      expect(await store.blobAddRef({ storage: 'default', sha256: SHA_B, size: 7, now: 5 })).toBe(1);
    });
  });
}
