/** Group commit: each change is atomic on its own, failures roll back alone, and every promise reports its own outcome. */
import { describe, expect, it } from 'vitest';
import { driverFactories, useMigratedStore } from '../support/drivers.js';
import { CommitBatcher } from '../../src/services/commit-batcher.js';
import { ConflictError } from '../../src/domain/errors.js';

for (const factory of await driverFactories()) {
  describe(`commit batcher on ${factory.name}`, () => {
    const db = useMigratedStore(factory);

    it('commits concurrent changes, rolling back only the ones that fail (including their earlier writes)', async () => {
      const batcher = new CommitBatcher(db.store, 8);
      // The conflicting name exists beforehand: where changes run concurrently (PostgreSQL),
      // a name another change of the batch creates could be taken by either one first.
      await db.store.domainCreate({ name: 'taken.test', now: 0 });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          batcher.run(async (tx) => {
            const domain = await tx.domainCreate({ name: `d${i}.test`, now: i });
            if (i % 5 === 0) throw new Error(`change ${i} fails after writing`);
            if (i % 7 === 0) await tx.domainCreate({ name: 'taken.test', now: i }); // a conflict
            return domain.name;
          }),
        ),
      );
      outcomes.forEach((outcome, i) => {
        if (i % 5 === 0) expect(outcome.status === 'rejected' && String(outcome.reason)).toContain(`change ${i} fails`);
        else if (i % 7 === 0) expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(ConflictError);
        else expect(outcome).toEqual({ status: 'fulfilled', value: `d${i}.test` });
      });
      const names = (await db.t.driver.db.selectFrom('domains').select('name').execute()).map((r) => r.name).sort();
      const expected = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 5 !== 0 && i % 7 !== 0).map((i) => `d${i}.test`).concat('taken.test').sort();
      expect(names).toEqual(expected);
    });
  });
}
