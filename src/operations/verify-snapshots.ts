/**
 * verify's snapshot check (a whole-library verify): every blob a snapshot of
 * the library lists must be in the snapshot's storage location. The blobs are
 * looked up (not re-hashed: content-addressed locations already proved each
 * one's hash when it was written) once per snapshot, its trees walked once.
 * A snapshot missing any is one failure, BLOB_MISSING, naming each missing
 * hash with a path that lists it; the result counts the missing blobs.
 */
import type { OperationContext } from '../jobs/operation.js';
import type { CheckOutcome } from './verify-checks.js';

export interface SnapshotVerdict {
  snapshotId: number;
  /** Gone since planning: nothing to check. */
  gone?: true;
  missing: Array<{ sha256: string; path: string }>;
  storage: string;
}

const NAMED = 10;

export async function readSnapshotBlobs(ctx: Pick<OperationContext, 'store' | 'blobs' | 'signal'>, snapshotIds: number[]): Promise<SnapshotVerdict[]> {
  const verdicts: SnapshotVerdict[] = [];
  for (const snapshotId of snapshotIds) {
    ctx.signal?.throwIfAborted();
    const snapshot = await ctx.store.snapshotGetById({ id: snapshotId });
    if (!snapshot) {
      verdicts.push({ snapshotId, gone: true, missing: [], storage: '' });
      continue;
    }
    const pathOf = new Map<string, string>();
    const seen = new Set<string>();
    const walk = async (hash: string, dir: string) => {
      if (seen.has(hash)) return;
      seen.add(hash);
      const tree = await ctx.store.snapshotTreeGet({ storage: snapshot.storage, hash });
      if (!tree) throw new Error(`snapshot ${snapshot.id}: tree ${hash} is not stored in '${snapshot.storage}'`);
      for (const e of tree.entries) {
        const p = dir === '/' ? `/${e.name}` : `${dir}/${e.name}`;
        if (e.kind === 'file' && e.sha256 && !pathOf.has(e.sha256)) pathOf.set(e.sha256, p);
        if (e.tree) await walk(e.tree, p);
      }
    };
    await walk(snapshot.rootTree, snapshot.path);
    const absent = await ctx.blobs.get(snapshot.storage).absent([...pathOf.keys()]);
    verdicts.push({ snapshotId, storage: snapshot.storage, missing: absent.map((sha256) => ({ sha256, path: pathOf.get(sha256)! })) });
  }
  return verdicts;
}

export function checkSnapshots(verdicts: SnapshotVerdict[]): CheckOutcome {
  let succeeded = 0;
  let skipped = 0;
  let missing = 0;
  const failures: CheckOutcome['outcome']['failures'] = [];
  for (const v of verdicts) {
    if (v.gone) skipped++;
    else if (v.missing.length === 0) succeeded++;
    else {
      missing += v.missing.length;
      const named = v.missing.slice(0, NAMED).map((m) => `${m.sha256} (${m.path})`).join(', ');
      const more = v.missing.length > NAMED ? ` and ${v.missing.length - NAMED} more` : '';
      failures.push({
        entry: { snapshotId: v.snapshotId }, itemId: null, path: `snapshot ${v.snapshotId}`, code: 'BLOB_MISSING',
        message: `BLOB_MISSING: ${v.missing.length} blob(s) of snapshot ${v.snapshotId} missing in storage '${v.storage}': ${named}${more}`,
      });
    }
  }
  return {
    outcome: { succeeded, skipped, failures },
    result: { checked: { snapshots: verdicts.length - skipped }, mismatches: missing > 0 ? { BLOB_MISSING: missing } : {}, repaired: {}, fixes: [] },
  };
}
