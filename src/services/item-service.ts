/**
 * Items: uploads (bytes first, made durable in a pass shared with concurrent
 * uploads, then the catalog in one transaction), folders,
 * folder listings with keyset cursors, the trash listing, downloads, and the
 * trash or move of one item (item-changes.ts).
 */
import type { Readable } from 'node:stream';
import type { Store } from '../store/store.js';
import type { ChildOrder } from '../store/queries/items.js';
import type { Item, Library, Principal } from '../domain/types.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { BlobCollectedError, ConflictError, ForbiddenError, InvalidArgumentError, NotFoundError, PayloadTooLargeError, PreconditionFailedError } from '../domain/errors.js';
import { assertWritable, canDownload } from '../domain/library-rules.js';
import { joinPath, parsePath, validateName } from '../domain/item-path.js';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import { resolveContentType } from '../domain/content-type.js';
import type { LibraryService } from './library-service.js';
import { systemClock, type Clock } from './clock.js';
import { CommitBatcher } from './commit-batcher.js';
import { ensureFolder } from './folders.js';
import { addBlobRef } from './blob-refs.js';
import { liveItemAt, moveOne, trashOne, type ItemChange } from './item-changes.js';

export { INLINE_SUBTREE_LIMIT, type ItemChange } from './item-changes.js';

export interface BlobStoreLookup {
  get(name: string): BlobStore;
}

/**
 * How long an upload waits for the collector to finish with its content (a
 * row being collected refuses references until it is gone; then the upload
 * stores its bytes again). The collector takes milliseconds; one that died
 * half-way leaves the row to its next pass, and the upload answers 503.
 */
const COLLECTED_WAIT_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** An item named by its path (live items) or by its id (live or trashed). */
export type ItemRef = { path: string } | { id: number };

export interface PutFileOptions {
  /** Declared Content-Length, if any: refused at once when over the limit. */
  contentLength?: number;
  /** `If-None-Match: *`: refuse to replace an existing file. */
  mustNotExist?: boolean;
  /** `If-Match: "<sha256>"`: replace only that version. */
  mustMatchSha256?: string;
  /** The upload's Content-Type header, if any (else the type is guessed from the name). */
  contentType?: string;
}

export class ItemService {
  /** Uploads and folder creations commit through here (grouped on a single-writer database). */
  private readonly commits: CommitBatcher;

  constructor(
    private readonly store: Store,
    private readonly libraries: LibraryService,
    private readonly blobs: BlobStoreLookup,
    private readonly maxUploadBytes: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.commits = new CommitBatcher(store);
  }

  async putFile(caller: Principal, libraryId: string, rawPath: string, body: Readable, options: PutFileOptions = {}) {
    const segments = parsePath(rawPath);
    if (segments.length === 0) throw new InvalidArgumentError('path: the root folder is not a file', { field: 'path' });
    const contentType = resolveContentType(options.contentType, segments.at(-1)!);
    const { library } = await this.libraries.access(caller, libraryId, 'WRITER');
    assertWritable(library.state);
    if (options.contentLength !== undefined && options.contentLength > this.maxUploadBytes) {
      throw new PayloadTooLargeError(`the file is ${options.contentLength} bytes; the limit is ${this.maxUploadBytes}`, {
        limit: this.maxUploadBytes,
      });
    }
    // The bytes are kept aside (pinned) until the catalog commit: identical content whose last
    // reference went may be collected meanwhile, and the upload then stores them again. They are
    // made durable with the other uploads of the moment in one pass (persist), before the commit.
    const blobs = this.blobs.get(library.storage);
    const blob = await blobs.write(body, { maxBytes: this.maxUploadBytes, pin: true, defer: true });
    try {
      await blobs.persist([blob]);
      const deadline = Date.now() + COLLECTED_WAIT_MS;
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.commitFile(libraryId, segments, contentType, blob, options);
        } catch (error) {
          if (!(error instanceof BlobCollectedError) || !blob.pin || Date.now() > deadline) throw error;
          await sleep(Math.min(250, 10 * 2 ** attempt));
          await blob.pin.restore();
        }
      }
    } finally {
      await blob.pin?.release();
    }
  }

  /** The catalog side of an upload whose bytes are stored: parent folders, the item, the blob's reference, atomically. */
  private commitFile(libraryId: string, segments: string[], contentType: string, blob: { sha256: string; size: number }, options: PutFileOptions) {
    return this.commits.run(async (tx) => {
      const current = await tx.libraryGetForContentChange(libraryId);
      if (!current) throw new NotFoundError(`library '${libraryId}' not found`);
      assertWritable(current.state);
      const now = this.clock();
      const path = joinPath(segments);
      const parent = await ensureFolder(tx, current, segments.slice(0, -1), now);
      const name = segments.at(-1)!;
      let item = await tx.itemInsertIfAbsent({ libraryId, parentId: parent.id, name, path, kind: 'file', size: blob.size, sha256: blob.sha256, contentType, now });
      let created = item !== undefined;
      if (!item) {
        const existing = await tx.itemGetByPath({ libraryId, path });
        if (!existing) throw new ConflictError(`'${path}' changed concurrently; retry`);
        if (existing.kind === 'folder') throw new ConflictError(`'${path}' is a folder`, { path });
        if (options.mustNotExist) throw new PreconditionFailedError(`'${path}' already exists`, { path });
        if (options.mustMatchSha256 !== undefined && options.mustMatchSha256 !== existing.sha256) {
          throw new PreconditionFailedError(`'${path}' does not match If-Match`, { path });
        }
        if (existing.sha256 !== null) await tx.blobRelease({ storage: current.storage, sha256: existing.sha256 });
        item = await tx.itemUpdateContent({ id: existing.id, sha256: blob.sha256, size: blob.size, contentType, now });
        created = false;
      } else if (options.mustMatchSha256 !== undefined) {
        throw new PreconditionFailedError(`'${path}' does not exist (If-Match)`, { path });
      }
      await addBlobRef(tx, this.blobs.get(current.storage), { sha256: blob.sha256, size: blob.size, now });
      return { item, created };
    });
  }

  async createFolder(caller: Principal, libraryId: string, rawPath: string): Promise<Item> {
    const segments = parsePath(rawPath);
    if (segments.length === 0) throw new ConflictError("'/' already exists", { path: '/' });
    const { library } = await this.libraries.access(caller, libraryId, 'WRITER');
    assertWritable(library.state);
    return this.commits.run(async (tx) => {
      const current = await tx.libraryGetForContentChange(libraryId);
      if (!current) throw new NotFoundError(`library '${libraryId}' not found`);
      assertWritable(current.state);
      const now = this.clock();
      const parent = await ensureFolder(tx, current, segments.slice(0, -1), now);
      const path = joinPath(segments);
      const item = await tx.itemInsertIfAbsent({ libraryId, parentId: parent.id, name: segments.at(-1)!, path, kind: 'folder', size: 0, sha256: null, contentType: null, now });
      if (!item) throw new ConflictError(`'${path}' already exists`, { path });
      return item;
    });
  }

  /**
   * `DELETE …/files/{path}`: the item to the trash (restorable), or — a folder
   * of more than INLINE_SUBTREE_LIMIT items — `deferred`, for a trash job.
   */
  async trash(caller: Principal, libraryId: string, rawPath: string): Promise<ItemChange> {
    const segments = parsePath(rawPath);
    if (segments.length === 0) throw new InvalidArgumentError('path: the root folder cannot be trashed', { field: 'path' });
    return this.change(caller, libraryId, async (tx) => trashOne(tx, await liveItemAt(tx, libraryId, joinPath(segments)), this.clock()));
  }

  /**
   * `PATCH …/files/{path}`: moves one item within its library to a new
   * `path`, or renames it in its folder (`name`); or — a folder of more than
   * INLINE_SUBTREE_LIMIT items keeping its name — `deferred`, for a move job
   * into the new parent.
   */
  async move(caller: Principal, libraryId: string, rawPath: string, target: { path: string } | { name: string }): Promise<ItemChange> {
    const segments = parsePath(rawPath);
    if (segments.length === 0) throw new InvalidArgumentError('path: the root folder cannot be moved', { field: 'path' });
    const to = 'name' in target ? [...segments.slice(0, -1), validateName(target.name)] : parsePath(target.path);
    if (to.length === 0) throw new InvalidArgumentError("path: '/' is the root folder; give the item's new path", { field: 'path' });
    return this.change(caller, libraryId, async (tx, library) => moveOne(tx, library, await liveItemAt(tx, libraryId, joinPath(segments)), to, this.clock()));
  }

  /** A content change of a writable library, committed with the uploads; a live path taken concurrently is a 409. */
  private async change<T>(caller: Principal, libraryId: string, work: (tx: Store, library: Library) => Promise<T>): Promise<T> {
    const { library } = await this.libraries.access(caller, libraryId, 'WRITER');
    assertWritable(library.state);
    try {
      return await this.commits.run(async (tx) => {
        const current = await tx.libraryGetForContentChange(libraryId);
        if (!current) throw new NotFoundError(`library '${libraryId}' not found`);
        assertWritable(current.state);
        return work(tx, current);
      });
    } catch (error) {
      if (this.store.isUniqueViolation(error)) throw new ConflictError('the destination was taken concurrently; retry');
      throw error;
    }
  }

  /** The item a reference names: a live item by path, or any item (live or in the trash) by id. */
  private async resolve(libraryId: string, ref: ItemRef): Promise<Item> {
    if ('id' in ref) {
      const item = await this.store.itemGetById({ libraryId, id: ref.id });
      if (!item) throw new NotFoundError(`item ${ref.id} not found`, { id: ref.id });
      return item;
    }
    const path = joinPath(parsePath(ref.path));
    const item = await this.store.itemGetByPath({ libraryId, path });
    if (!item) throw new NotFoundError(`'${path}' not found`, { path });
    return item;
  }

  async get(caller: Principal, libraryId: string, ref: ItemRef): Promise<Item> {
    if ('path' in ref) parsePath(ref.path); // bad input is a 400 before any lookup
    await this.libraries.access(caller, libraryId, 'READER');
    return this.resolve(libraryId, ref);
  }

  /** A file's bytes; readers of a restricted-download library are refused. */
  async openDownload(caller: Principal, libraryId: string, ref: ItemRef) {
    if ('path' in ref) parsePath(ref.path);
    const { library, right } = await this.libraries.access(caller, libraryId, 'READER');
    if (!canDownload(right, library.restrictedDownload)) {
      throw new ForbiddenError('downloads are restricted to writers in this library');
    }
    const item = await this.resolve(libraryId, ref);
    if (item.kind !== 'file' || item.sha256 === null) {
      throw new InvalidArgumentError(`'${item.path}' is a folder; list its children instead`, { path: item.path });
    }
    return { item, blobStore: this.blobs.get(library.storage) };
  }

  /** A page of a live folder's children, by name unless `order` says otherwise (a cursor belongs to its order). */
  async listChildren(caller: Principal, libraryId: string, p: { folder: ItemRef; limit: number; cursor?: string; order?: ChildOrder }): Promise<Page<Item>> {
    if ('path' in p.folder) parsePath(p.folder.path, 'path');
    await this.libraries.access(caller, libraryId, 'READER');
    const folder = await this.resolve(libraryId, p.folder);
    if (folder.kind !== 'folder') throw new InvalidArgumentError(`path: '${folder.path}' is a file, not a folder`, { field: 'path' });
    if (folder.trashedAt !== null) throw new NotFoundError(`folder ${folder.id} is in the trash`, { id: folder.id });
    const order = p.order ?? { by: 'name', desc: false };
    // Name ascending keeps the cursors it always had; the other orders carry the sort value too.
    const kind = order.by === 'name' && !order.desc ? `items:${folder.id}` : `items:${folder.id}:${order.by}:${order.desc ? 'desc' : 'asc'}`;
    const byName = order.by === 'name';
    let after: { name: string; v?: number } | undefined;
    if (p.cursor !== undefined) after = byName ? decodeCursor(kind, p.cursor, { name: 'string' }) : decodeCursor(kind, p.cursor, { name: 'string', v: 'number' });
    const rows = await this.store.itemListChildren({
      libraryId,
      parentId: folder.id,
      parentPath: folder.path,
      afterName: after?.name,
      afterValue: after?.v,
      order,
      limit: p.limit + 1,
    });
    const items = rows.slice(0, p.limit);
    const last = items.at(-1);
    if (!(rows.length > p.limit && last)) return { items, nextCursor: null };
    const key: Record<string, string | number> = byName ? { name: last.name } : { name: last.name, v: order.by === 'size' ? last.size : last.modifiedAt };
    return { items, nextCursor: encodeCursor(kind, key) };
  }

  /**
   * A job's selection of a library's whole content: the paths of its top-level entries
   * (a vendor's "whole bucket" copy, say). 400 naming `libraryId` when the library is
   * empty (nothing to select), naming `paths` when it has more than `max` entries.
   */
  async selectAll(caller: Principal, libraryId: string, max: number): Promise<string[]> {
    const paths: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.listChildren(caller, libraryId, { folder: { path: '/' }, limit: 1000, cursor });
      paths.push(...page.items.map((item) => item.path));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && paths.length <= max);
    if (paths.length === 0) throw new InvalidArgumentError('libraryId: the library is empty; nothing to select', { field: 'libraryId' });
    if (paths.length > max) throw new InvalidArgumentError(`paths: the library has more than ${max} top-level entries; select paths`, { field: 'paths' });
    return paths;
  }

  async listTrash(caller: Principal, libraryId: string, p: { limit: number; cursor?: string }): Promise<Page<Item>> {
    await this.libraries.access(caller, libraryId, 'READER');
    const after = p.cursor === undefined ? undefined : decodeCursor(`trash:${libraryId}`, p.cursor, { trashedAt: 'number', id: 'number' });
    const rows = await this.store.itemListTrashRoots({ libraryId, after, limit: p.limit + 1 });
    const items = rows.slice(0, p.limit);
    const last = items.at(-1);
    const nextCursor =
      rows.length > p.limit && last ? encodeCursor(`trash:${libraryId}`, { trashedAt: last.trashedAt ?? 0, id: last.id }) : null;
    return { items, nextCursor };
  }
}
