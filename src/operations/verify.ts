/**
 * `verify {path?, repair?}`: re-reads every file under the selection (live
 * and trashed) through SHA-256 against the catalog, and checks the catalog
 * itself — parents, paths, duplicates, blob reference counts, the library's
 * usage (verify-checks.ts). Each mismatch is a per-item failure with its
 * code; `repair` fixes what the catalog alone can fix and says so in the
 * job's result: `{checked: {items, files, bytes, blobs, usage}, mismatches:
 * {CODE: n}, repaired: {CODE: n}, fixes: [first 100 {code, path, fix}]}`.
 *
 * Bytes are read in `prepare` (outside any transaction, stopping between
 * files and mid-file on cancel); the catalog checks and repairs run in the
 * task's transaction. Units counted in the job's total: the items, the
 * distinct blobs they reference, for the whole library its snapshots (each
 * blob a snapshot lists must be in its storage: verify-snapshots.ts), and
 * the library's usage (one).
 */
import type { Operation } from '../jobs/operation.js';
import { VerifyParams } from '../domain/job-params/index.js';
import { normalizePath } from '../domain/item-path.js';
import { assertWritable, hasRight } from '../domain/library-rules.js';
import { ForbiddenError } from '../domain/errors.js';
import { planVerify, type VerifyContext, type VerifyCursor, type VerifyEntry } from './verify-planner.js';
import { checkBlobs, checkItems, checkUsage, type ByteVerdict, type CheckOutcome } from './verify-checks.js';
import { hashStoredBlob } from './blob-hash.js';
import { checkSnapshots, readSnapshotBlobs, type SnapshotVerdict } from './verify-snapshots.js';
import { addToJobResult } from './job-result.js';

export const verifyOperation: Operation<typeof VerifyParams, VerifyCursor, VerifyContext | null, VerifyEntry, ByteVerdict[] | SnapshotVerdict[]> = {
  type: 'verify',
  params: VerifyParams,
  sourceRight: 'READER',
  async validate(params, ctx) {
    const path = normalizePath(params.path ?? '/', 'params.path');
    const repair = params.repair ?? false;
    if (repair) {
      if (!hasRight(ctx.library.right, 'ADMIN')) {
        throw new ForbiddenError('params.repair: repairing the catalog needs the ADMIN role on the library', { field: 'params.repair' });
      }
      assertWritable(ctx.library.library.state);
    }
    return { params: { path, repair }, targetLibraryId: null };
  },
  async plan(ctx, job, cursor) {
    const library = await ctx.library(job.libraryId, ctx.store);
    return planVerify({ store: ctx.store, library, path: job.params.path ?? '/' }, cursor);
  },
  async prepare(ctx, job, task) {
    if (task.context?.check === 'snapshots') return readSnapshotBlobs(ctx, (task.entries as Array<{ snapshotId: number }>).map((e) => e.snapshotId));
    if (task.context?.check !== 'items') return [];
    const library = await ctx.library(job.libraryId, ctx.store);
    const blobs = ctx.blobs.get(library.storage);
    const items = await ctx.store.itemGetMany({ ids: task.entries as number[] });
    const read = new Map<string, { sha256: string; size: number } | null>();
    const verdicts: ByteVerdict[] = [];
    for (const item of items) {
      if (item.kind !== 'file' || item.sha256 === null) continue;
      ctx.signal?.throwIfAborted();
      let bytes = read.get(item.sha256);
      if (bytes === undefined) {
        bytes = await hashStoredBlob(blobs, item.sha256, ctx.signal);
        read.set(item.sha256, bytes);
      }
      const verdict: ByteVerdict = { id: item.id, sha256: item.sha256 };
      if (bytes === null) Object.assign(verdict, { code: 'BLOB_MISSING', message: `its content ${item.sha256} is not in storage '${library.storage}'` });
      else if (bytes.size !== item.size) Object.assign(verdict, { code: 'SIZE_MISMATCH', message: `the stored content has ${bytes.size} bytes, the catalog says ${item.size}` });
      else if (bytes.sha256 !== item.sha256) Object.assign(verdict, { code: 'HASH_MISMATCH', message: `the stored content hashes to ${bytes.sha256}` });
      verdicts.push(verdict);
    }
    return verdicts;
  },
  async apply(tx, ctx, job, task, verdicts) {
    const library = await ctx.library(job.libraryId, tx);
    const repair = job.params.repair ?? false;
    const now = ctx.now();
    let checked: CheckOutcome;
    const context = task.context;
    if (context?.check === 'items') {
      checked = await checkItems(tx, { library, ids: task.entries as number[], verdicts: (verdicts ?? []) as ByteVerdict[], repair, now });
    } else if (context?.check === 'snapshots') {
      checked = checkSnapshots((verdicts ?? []) as SnapshotVerdict[]);
    } else if (context?.check === 'blobs') {
      const hashes = (task.entries as Array<{ sha256: string }>).map((e) => e.sha256);
      checked = await checkBlobs(tx, { storage: context.storage, hashes, repair, now });
    } else if (context?.check === 'usage') {
      checked = await checkUsage(tx, { libraryId: library.id, repair });
    } else {
      // A retry replaying a selection that did not resolve: it fails again unless it now does (then the job to run is a new verify).
      const failures = [];
      for (const entry of task.entries as Array<{ path: string }>) {
        if (!(await tx.itemGetByPath({ libraryId: library.id, path: entry.path }))) {
          failures.push({ entry, itemId: null, path: entry.path, code: 'NOT_FOUND', message: `${entry.path} not found` });
        }
      }
      return { succeeded: 0, skipped: task.entries.length - failures.length, failures };
    }
    await addToJobResult(tx, job.id, checked.result);
    return checked.outcome;
  },
};
