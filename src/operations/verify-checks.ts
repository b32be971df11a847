/**
 * Verify's checks inside a task's transaction, each mismatch a per-item
 * failure with its code, and with `repair` what the catalog alone can fix:
 *
 * - items: the parent of a live item is a live folder of the library
 *   (PARENT_MISSING — repaired by re-creating the folder its path names and
 *   linking the item to it —, PARENT_NOT_FOLDER), its path is its parent's
 *   path and its name (PATH_MISMATCH), no other live item has its path
 *   (DUPLICATE_PATH); a file's bytes, hashed by `prepare`, are there
 *   (BLOB_MISSING) with its size (SIZE_MISMATCH) and hash (HASH_MISMATCH);
 *   bytes cannot be restored from the catalog: these stay failures;
 * - blobs: the count equals the rows referencing the blob (REFCOUNT_MISMATCH,
 *   BLOB_ROW_MISSING — both repaired);
 * - usage: the recorded items and bytes equal the catalog's (USAGE_MISMATCH — repaired).
 */
import type { Store } from '../store/store.js';
import type { Item, Library } from '../domain/types.js';
import type { ItemFailureOutcome, TaskOutcome } from '../jobs/operation.js';
import { childPath, parentPath, parsePath } from '../domain/item-path.js';
import { ensureFolder } from '../services/folders.js';
import { BatchyardError } from '../domain/errors.js';
import type { ResultDelta } from './job-result.js';

/** What `prepare` found for a file: its hash and size as read, or that the bytes are missing. */
export interface ByteVerdict {
  id: number;
  /** The item's hash when read (a file whose content changed since gets no verdict). */
  sha256: string;
  code?: 'BLOB_MISSING' | 'SIZE_MISMATCH' | 'HASH_MISMATCH';
  message?: string;
}

interface Mismatch {
  code: string;
  message: string;
  repaired?: string;
}

export interface CheckOutcome {
  outcome: TaskOutcome;
  result: ResultDelta;
}

/** Tallies mismatches into an outcome and the result's counters. */
class Tally {
  succeeded = 0;
  skipped = 0;
  failures: ItemFailureOutcome[] = [];
  mismatches: Record<string, number> = {};
  repaired: Record<string, number> = {};
  fixes: Array<{ code: string; path: string; fix: string }> = [];

  record(entry: unknown, itemId: number | null, path: string, found: Mismatch[]): void {
    const left: Mismatch[] = [];
    for (const m of found) {
      this.mismatches[m.code] = (this.mismatches[m.code] ?? 0) + 1;
      if (m.repaired) {
        this.repaired[m.code] = (this.repaired[m.code] ?? 0) + 1;
        this.fixes.push({ code: m.code, path, fix: m.repaired });
      } else left.push(m);
    }
    if (left.length === 0) this.succeeded++;
    else this.failures.push({ entry, itemId, path, code: left[0]!.code, message: left.map((m) => `${m.code}: ${m.message}`).join('; ') });
  }

  done(checked: ResultDelta, bytesDone?: number): CheckOutcome {
    return {
      outcome: { succeeded: this.succeeded, skipped: this.skipped, failures: this.failures, bytesDone },
      result: { checked, mismatches: this.mismatches, repaired: this.repaired, fixes: this.fixes },
    };
  }
}

function countBy<T>(values: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** The parent problem of a live item, if any. */
function parentProblem(item: Item, library: Library, parent: Item | undefined): Mismatch | undefined {
  if (item.id === library.rootFolderId) {
    return item.parentId === null && item.path === '/' ? undefined : { code: 'PATH_MISMATCH', message: `the root folder has path '${item.path}'` };
  }
  if (item.parentId === null || !parent || parent.libraryId !== item.libraryId) {
    return { code: 'PARENT_MISSING', message: `its folder (item ${item.parentId ?? 'none'}) does not exist` };
  }
  if (parent.trashedAt !== null) return { code: 'PARENT_MISSING', message: `its folder ${parent.path} is in the trash, the item is not` };
  if (parent.kind !== 'folder') return { code: 'PARENT_NOT_FOLDER', message: `its parent ${parent.path} is a file` };
  const expected = childPath(parent.path, item.name);
  if (item.path !== expected) return { code: 'PATH_MISMATCH', message: `its path should be ${expected} (its folder's path and its name)` };
  return undefined;
}

/** Re-creates the folder a live item's path names and links the item to it; a reason when it cannot. */
async function relinkToFolder(tx: Store, library: Library, item: Item, now: number): Promise<string | undefined> {
  try {
    const folder = await ensureFolder(tx, library, parsePath(parentPath(item.path)), now);
    await tx.itemSetPlace({ id: item.id, parentId: folder.id, name: item.name, path: item.path, now });
    return `linked to folder ${folder.path} (item ${folder.id})`;
  } catch (error) {
    if (error instanceof BatchyardError) return undefined;
    throw error;
  }
}

export async function checkItems(
  tx: Store,
  p: { library: Library; ids: number[]; verdicts: ByteVerdict[]; repair: boolean; now: number },
): Promise<CheckOutcome> {
  const tally = new Tally();
  const items = (await tx.itemGetMany({ ids: p.ids })).filter((i) => i.libraryId === p.library.id);
  const byId = new Map(items.map((i) => [i.id, i]));
  const live = items.filter((i) => i.trashedAt === null);
  const parentIds = [...new Set(live.map((i) => i.parentId).filter((id): id is number => id !== null))];
  const parents = new Map((await tx.itemGetMany({ ids: parentIds })).map((i) => [i.id, i]));
  const samePath = countBy((await tx.itemGetLiveByPaths({ libraryId: p.library.id, paths: [...new Set(live.map((i) => i.path))] })).map((i) => i.path));
  const verdicts = new Map(p.verdicts.map((v) => [v.id, v]));
  let bytes = 0;
  let files = 0;
  for (const id of p.ids) {
    const item = byId.get(id);
    if (!item) {
      tally.skipped++; // purged since planning: nothing left to check
      continue;
    }
    const found: Mismatch[] = [];
    if (item.trashedAt === null) {
      const problem = parentProblem(item, p.library, item.parentId === null ? undefined : parents.get(item.parentId));
      if (problem) {
        if (problem.code === 'PARENT_MISSING' && p.repair) problem.repaired = await relinkToFolder(tx, p.library, item, p.now);
        found.push(problem);
      }
      const n = samePath.get(item.path) ?? 0;
      if (n > 1) found.push({ code: 'DUPLICATE_PATH', message: `${n} live items have this path` });
    }
    if (item.kind === 'file') {
      const verdict = verdicts.get(id);
      if (verdict && verdict.sha256 === item.sha256) {
        files++;
        bytes += item.size;
        if (verdict.code) found.push({ code: verdict.code, message: verdict.message ?? verdict.code });
      } else {
        tally.skipped++; // its content changed since it was read: the new content is another blob
        continue;
      }
    }
    tally.record(id, item.id, item.path, found);
  }
  return tally.done({ items: p.ids.length - tally.skipped, files, bytes }, bytes);
}

export async function checkBlobs(tx: Store, p: { storage: string; hashes: string[]; repair: boolean; now: number }): Promise<CheckOutcome> {
  const tally = new Tally();
  const checks = new Map((await tx.blobCheckRefs({ storage: p.storage, hashes: p.hashes })).map((c) => [c.sha256, c]));
  for (const sha256 of p.hashes) {
    const c = checks.get(sha256);
    const label = `blob ${sha256}`;
    const found: Mismatch[] = [];
    if (c && c.refcount === null && c.refs > 0) {
      found.push({ code: 'BLOB_ROW_MISSING', message: `${c.refs} rows reference it in storage '${p.storage}' and it has no reference count` });
    } else if (c && c.refcount !== null && c.refcount < 0 && c.refs > 0) {
      found.push({ code: 'REFCOUNT_MISMATCH', message: `the collector is removing it (count ${c.refcount}) while ${c.refs} rows reference it` });
    } else if (c && c.refcount !== null && c.refcount >= 0 && c.refcount !== c.refs) {
      found.push({ code: 'REFCOUNT_MISMATCH', message: `its reference count is ${c.refcount}; ${c.refs} rows reference it` });
    }
    const fixable = found[0] && (found[0].code === 'BLOB_ROW_MISSING' || c!.refcount! >= 0);
    if (found[0] && fixable && p.repair) {
      const fixed = await tx.blobRepairRefcount({ storage: p.storage, sha256, now: p.now });
      if (fixed.after !== null && fixed.after >= 0) found[0].repaired = `reference count ${fixed.before ?? 'none'} → ${fixed.after}`;
    }
    tally.record({ sha256 }, null, label, found);
  }
  return tally.done({ blobs: p.hashes.length });
}

export async function checkUsage(tx: Store, p: { libraryId: string; repair: boolean }): Promise<CheckOutcome> {
  const tally = new Tally();
  const { recorded, actual } = await tx.libraryUsageCheck({ libraryId: p.libraryId });
  const found: Mismatch[] = [];
  if (recorded.items !== actual.items || recorded.bytes !== actual.bytes) {
    const mismatch: Mismatch = {
      code: 'USAGE_MISMATCH',
      message: `recorded ${recorded.items} items and ${recorded.bytes} bytes; the catalog holds ${actual.items} items and ${actual.bytes} bytes`,
    };
    if (p.repair) {
      const fix = await tx.libraryUsageRepair({ libraryId: p.libraryId });
      mismatch.repaired = `usage corrected by ${fix.items} items and ${fix.bytes} bytes`;
    }
    found.push(mismatch);
  }
  tally.record({ libraryId: p.libraryId }, null, '/', found);
  return tally.done({ usage: 1 });
}
