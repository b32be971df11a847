/**
 * The catalog side of an import task, whatever the files came from (a server
 * directory or an uploaded archive): inside the task's fenced transaction,
 * the entries whose bytes `prepare` stored become items under the
 * destination. Missing folders are made on the way (`mkdir -p`; an existing
 * folder is merged into); a name already taken follows `onConflict` as a copy
 * does (fail, skip, rename to `a (1).txt`, overwrite: the item in the way
 * goes to the trash). A folder whose name a file holds is a CONFLICT unless
 * `overwrite` (a folder is not renamed: its contents would not follow it).
 */
import type { Store } from '../store/store.js';
import type { Item, Library } from '../domain/types.js';
import type { OnConflict } from '../domain/jobs.js';
import type { ItemFailureOutcome, TaskOutcome } from '../jobs/operation.js';
import type { BlobPin, BlobStore } from '../blobs/blob-store.js';
import type { NewItemRow } from '../store/queries/items-bulk.js';
import { BatchyardError } from '../domain/errors.js';
import { childPath, parentPath, parsePath, validateName } from '../domain/item-path.js';
import { resolveContentType } from '../domain/content-type.js';
import { ensureFolder, freeName } from '../services/folders.js';
import { addBlobRefs } from '../services/blob-refs.js';

/** One file or folder to import: its path under the source (segments joined by '/'), kind, bytes. */
export interface ImportEntry {
  p: string;
  k: 'file' | 'folder' | 'link' | 'special';
  s: number;
}

/** What `prepare` did with a file entry: its stored content, or why it was not read. */
export type PreparedFile = { sha256: string; size: number; modifiedAt: number } | { code: string; message: string };

/**
 * A task's bytes: each file entry's outcome, and the pins of its deferred
 * writes (made durable together by `persist` before the catalog commit; the
 * pins only guard them against the collector until the references are in).
 */
export interface ImportBytes {
  files: Map<string, PreparedFile>;
  pins: BlobPin[];
}

/** Drops the task's pins (its bytes are durable at their addresses by then); never throws. */
export async function releaseImportPins(bytes: ImportBytes | undefined): Promise<void> {
  if (!bytes) return;
  const pins = bytes.pins.splice(0);
  await Promise.all(pins.map((pin) => pin.release().catch(() => {})));
}

export interface ImportRun {
  tx: Store;
  library: Library;
  blobs: BlobStore;
  destination: string;
  onConflict: OnConflict;
  now: number;
}

/** The library path an entry lands at, its names validated (NFC); throws InvalidArgumentError for a name a library refuses. */
export function targetPathOf(destination: string, rel: string): string {
  let path = destination;
  for (const segment of rel.split('/')) path = childPath(path, validateName(segment, 'name'));
  return path;
}

async function trashInTheWay(tx: Store, item: Item, now: number): Promise<void> {
  if (item.kind === 'folder') await tx.itemTrashSubtreeRest({ libraryId: item.libraryId, prefix: `${item.path}/`, rootId: item.id, now });
  await tx.itemTrashMany({ ids: [item.id], rootId: item.id, now });
}

export async function applyImport(r: ImportRun, entries: ImportEntry[], prepared: Map<string, PreparedFile>): Promise<TaskOutcome> {
  const out: TaskOutcome = { succeeded: 0, skipped: 0, failures: [], bytesDone: 0 };
  const fail = (entry: ImportEntry, path: string, code: string, message: string) => {
    const failure: ItemFailureOutcome = { entry, itemId: null, path, code, message };
    out.failures.push(failure);
  };
  const targets = new Map<ImportEntry, string>();
  for (const entry of entries) {
    try {
      targets.set(entry, targetPathOf(r.destination, entry.p));
    } catch (error) {
      if (!(error instanceof BatchyardError)) throw error;
      fail(entry, `${r.destination === '/' ? '' : r.destination}/${entry.p}`, 'INVALID_NAME', error.message.replace(/^name: /, `'${entry.p}': `));
    }
  }
  const existing = new Map((await r.tx.itemGetLiveByPaths({ libraryId: r.library.id, paths: [...new Set(targets.values())] })).map((i) => [i.path, i]));
  const folders = new Map<string, number>();
  const parentIdOf = async (path: string): Promise<number> => {
    const cached = folders.get(path);
    if (cached !== undefined) return cached;
    const folder = await ensureFolder(r.tx, r.library, parsePath(path), r.now);
    folders.set(path, folder.id);
    return folder.id;
  };
  let rows: NewItemRow[] = [];
  const refs = new Map<string, { size: number; count: number }>();
  const flush = async () => {
    for (let k = 0; k < rows.length; k += 500) await r.tx.itemInsertMany(rows.slice(k, k + 500));
    rows = [];
  };
  const seen = new Set<string>();
  for (const entry of entries) {
    let path = targets.get(entry);
    if (path === undefined) continue;
    if (seen.has(path)) {
      fail(entry, path, 'DUPLICATE_ENTRY', `'${entry.p}' lands at '${path}', where another entry of this import went`);
      continue;
    }
    seen.add(path);
    const file = entry.k === 'folder' ? undefined : prepared.get(entry.p);
    if (entry.k !== 'folder') {
      if (!file) {
        fail(entry, path, 'NOT_FOUND', `'${entry.p}' was not read`);
        continue;
      }
      if ('code' in file) {
        fail(entry, path, file.code, file.message);
        continue;
      }
    }
    try {
      const clash = existing.get(path);
      if (entry.k === 'folder') {
        if (clash?.kind === 'folder') {
          folders.set(path, clash.id);
          out.succeeded++;
          continue;
        }
        if (clash) {
          if (r.onConflict === 'skip') {
            out.skipped++;
            continue;
          }
          if (r.onConflict !== 'overwrite') {
            fail(entry, path, 'CONFLICT', `'${path}' is a file in the library; a folder cannot take its place (onConflict: ${r.onConflict})`);
            continue;
          }
          await trashInTheWay(r.tx, clash, r.now);
        }
        const folder = await ensureFolder(r.tx, r.library, parsePath(path), r.now);
        folders.set(path, folder.id);
        out.succeeded++;
        continue;
      }
      const content = file as { sha256: string; size: number; modifiedAt: number };
      let name = path.slice(path.lastIndexOf('/') + 1);
      if (clash) {
        if (r.onConflict === 'skip') {
          out.skipped++;
          continue;
        }
        if (r.onConflict === 'fail') {
          fail(entry, path, 'CONFLICT', `'${path}' exists in the library`);
          continue;
        }
        if (r.onConflict === 'rename') {
          await flush(); // names this task already placed count as taken
          name = await freeName(r.tx, r.library.id, parentPath(path), name);
          path = childPath(parentPath(path), name);
        } else {
          await trashInTheWay(r.tx, clash, r.now);
        }
      }
      const parentId = await parentIdOf(parentPath(path));
      rows.push({
        libraryId: r.library.id,
        parentId,
        name,
        path,
        kind: 'file',
        size: content.size,
        sha256: content.sha256,
        contentType: resolveContentType(undefined, name),
        createdAt: r.now,
        modifiedAt: Math.floor(content.modifiedAt),
      });
      const ref = refs.get(content.sha256) ?? { size: content.size, count: 0 };
      ref.count++;
      refs.set(content.sha256, ref);
      out.succeeded++;
      out.bytesDone! += content.size;
    } catch (error) {
      // A file in the way of a parent folder (ensureFolder's 409): this entry fails, the others go on.
      if (!(error instanceof BatchyardError) || error.transient) throw error;
      fail(entry, path, error.code, error.message);
    }
  }
  await flush();
  await addBlobRefs(r.tx, r.blobs, [...refs].map(([sha256, ref]) => ({ sha256, ...ref })), r.now);
  return out;
}
