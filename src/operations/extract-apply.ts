/**
 * An extract task's catalog commit, in its fenced transaction: folders made
 * (`mkdir -p`), file rows inserted with references to the blobs `prepare`
 * stored, conflicts with what the destination holds following onConflict
 * (`overwrite` moves the item in the way to the trash, as copy does), and
 * refused entries recorded as failures with their codes.
 */
import type { Static } from '@sinclair/typebox';
import type { ExtractParams } from '../domain/job-params/index.js';
import type { ItemFailureOutcome, JobOf, OperationContext, TaskBody, TaskOutcome } from '../jobs/operation.js';
import type { Item, Library } from '../domain/types.js';
import type { OnConflict } from '../domain/jobs.js';
import type { Store } from '../store/store.js';
import type { NewItemRow } from '../store/queries/items-bulk.js';
import { BatchyardError, ConflictError, UnprocessableError } from '../domain/errors.js';
import { childPath, parentPath, parsePath } from '../domain/item-path.js';
import { resolveContentType } from '../domain/content-type.js';
import { ensureFolder } from '../services/folders.js';
import { addBlobRefs } from '../services/blob-refs.js';
import type { ExtractedBytes } from './extract-bytes.js';
import { isArchiveRefusal, isPlanned, type ExtractContext, type ExtractEntry, type PlannedEntry } from './extract-model.js';

type Job = JobOf<Static<typeof ExtractParams>>;

interface Run {
  tx: Store;
  library: Library;
  onConflict: OnConflict;
  now: number;
  /** Live items at the entries' paths when the task began. */
  existing: Map<string, Item>;
  /** Paths this task takes (a renamed entry may take one another entry of the task wants). */
  taken: Set<string>;
  folders: Map<string, number>;
}

async function trashInTheWay(tx: Store, item: Item, now: number): Promise<void> {
  if (item.kind === 'folder') await tx.itemTrashSubtreeRest({ libraryId: item.libraryId, prefix: `${item.path}/`, rootId: item.id, now });
  await tx.itemTrashMany({ ids: [item.id], rootId: item.id, now });
}

async function folderId(r: Run, path: string): Promise<number> {
  const cached = r.folders.get(path);
  if (cached !== undefined) return cached;
  const folder = await ensureFolder(r.tx, r.library, parsePath(path), r.now);
  r.folders.set(path, folder.id);
  return folder.id;
}

/** `stem (n).ext` free both in the library and among the paths this task takes. */
async function freeName(r: Run, folder: string, name: string): Promise<string> {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; n < 10_000; n++) {
    const candidate = `${stem} (${n})${ext}`;
    const path = childPath(folder, candidate);
    if (!r.taken.has(path) && !(await r.tx.itemGetByPath({ libraryId: r.library.id, path }))) return candidate;
  }
  throw new ConflictError(`no free name for '${name}' in '${folder}'`);
}

/**
 * Where the entry goes once conflicts are settled: its path (perhaps
 * renamed), 'skipped', or a failure message. A folder meeting a folder merges.
 */
async function settle(r: Run, entry: PlannedEntry): Promise<{ path: string; merged?: Item } | 'skipped' | { conflict: string }> {
  const clash = r.existing.get(entry.path);
  const ownClash = r.taken.has(entry.path);
  if (!clash && !ownClash) return { path: entry.path };
  if (clash && entry.kind === 'folder' && clash.kind === 'folder') return { path: entry.path, merged: clash };
  if (r.onConflict === 'skip') return 'skipped';
  if (r.onConflict === 'fail') return { conflict: `'${entry.path}' exists in the destination` };
  if (r.onConflict === 'rename' || ownClash) {
    const folder = parentPath(entry.path);
    return { path: childPath(folder, await freeName(r, folder, entry.path.slice(folder.length === 1 ? 1 : folder.length + 1))) };
  }
  await trashInTheWay(r.tx, clash!, r.now);
  r.existing.delete(entry.path);
  return { path: entry.path };
}

export async function applyExtract(tx: Store, ctx: OperationContext, job: Job, task: TaskBody<ExtractContext | null, ExtractEntry>, bytes: ExtractedBytes | undefined): Promise<TaskOutcome> {
  const library = await ctx.library(job.libraryId, tx);
  if (library.state === 'ARCHIVED' || library.state === 'DELETING') throw new UnprocessableError(`the library is ${library.state}`);
  const out: TaskOutcome = { succeeded: 0, skipped: 0, failures: [], bytesDone: 0 };
  const fail = (entry: ExtractEntry, path: string, code: string, message: string) => out.failures.push({ entry, itemId: null, path, code, message } satisfies ItemFailureOutcome);
  const planned: PlannedEntry[] = [];
  for (const entry of task.entries) {
    if (isArchiveRefusal(entry)) fail(entry, entry.archive, entry.code, `${entry.message} (submit a new extract job once the archive or the limits allow it)`);
    else if (!isPlanned(entry)) fail(entry, entry.path ?? entry.name, entry.code, entry.message);
    else {
      const refused = bytes?.failures.get(entry.i);
      if (refused) fail(entry, entry.path, refused.code, refused.message);
      else if (entry.kind === 'file' && !bytes?.blobs.has(entry.i)) fail(entry, entry.path, 'INTERNAL', `entry ${JSON.stringify(entry.name)}: its bytes were not stored`);
      else planned.push(entry);
    }
  }
  // Parents before children, so a folder entry is made before the files placed in it.
  planned.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const existing = new Map<string, Item>();
  for (let k = 0; k < planned.length; k += 500) {
    for (const item of await tx.itemGetLiveByPaths({ libraryId: library.id, paths: planned.slice(k, k + 500).map((e) => e.path) })) existing.set(item.path, item);
  }
  const r: Run = { tx, library, onConflict: job.params.onConflict ?? 'fail', now: ctx.now(), existing, taken: new Set(), folders: new Map() };
  const rows: NewItemRow[] = [];
  const refs = new Map<string, { size: number; count: number }>();
  for (const entry of planned) {
    try {
      const place = await settle(r, entry);
      if (place === 'skipped') {
        out.skipped++;
        continue;
      }
      if ('conflict' in place) {
        fail(entry, entry.path, 'CONFLICT', place.conflict);
        continue;
      }
      const { path } = place;
      const name = path.slice(path.lastIndexOf('/') + 1);
      if (entry.kind === 'folder') {
        if (place.merged) r.folders.set(path, place.merged.id);
        else {
          const parentId = await folderId(r, parentPath(path));
          const folder =
            (await tx.itemInsertIfAbsent({ libraryId: library.id, parentId, name, path, kind: 'folder', size: 0, sha256: null, contentType: null, now: r.now })) ??
            (await tx.itemGetByPath({ libraryId: library.id, path }));
          if (!folder || folder.kind !== 'folder') {
            fail(entry, entry.path, 'CONFLICT', `'${path}' exists in the destination and is not a folder`);
            continue;
          }
          r.folders.set(path, folder.id);
        }
      } else {
        const blob = bytes!.blobs.get(entry.i)!;
        const parentId = await folderId(r, parentPath(path));
        rows.push({
          libraryId: library.id,
          parentId,
          name,
          path,
          kind: 'file',
          size: blob.size,
          sha256: blob.sha256,
          contentType: resolveContentType(undefined, name),
          createdAt: r.now,
          modifiedAt: entry.mtime ?? r.now,
        });
        const ref = refs.get(blob.sha256) ?? { size: blob.size, count: 0 };
        ref.count++;
        refs.set(blob.sha256, ref);
        out.bytesDone! += blob.size;
      }
      r.taken.add(path);
      out.succeeded++;
    } catch (error) {
      // A file where a folder of the path must be (ensureFolder): this entry fails, the task goes on.
      if (!(error instanceof BatchyardError) || error.transient) throw error;
      fail(entry, entry.path, error.code, error.message);
    }
  }
  for (let k = 0; k < rows.length; k += 500) await tx.itemInsertMany(rows.slice(k, k + 500));
  await addBlobRefs(tx, ctx.blobs.get(library.storage), [...refs].map(([sha256, ref]) => ({ sha256, ...ref })), r.now);
  return out;
}
