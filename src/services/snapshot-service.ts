/**
 * Snapshots of a library (taken by `backup` jobs) as the API shows them:
 * readers of the library list them, read one and browse it like a folder;
 * the library's admins forget one (its trees and blob references are released
 * at once, the bytes by the blob collector later). A snapshot of another
 * library, or of none, is a 404.
 */
import type { Store } from '../store/store.js';
import type { Principal } from '../domain/types.js';
import type { Snapshot } from '../store/queries/snapshots.js';
import type { SnapshotEntry } from '../domain/snapshot-tree.js';
import type { LibraryService } from './library-service.js';
import { InvalidArgumentError, NotFoundError } from '../domain/errors.js';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import { childPath, normalizePath, parsePath } from '../domain/item-path.js';

export type { Snapshot };

export interface SnapshotItem extends SnapshotEntry {
  /** The entry's path in the library when the snapshot was taken. */
  path: string;
}

/** The folder of `path` inside a snapshot taken of `root`: the segments below the root, or undefined when `path` is not at or under it. */
export function segmentsBelow(root: string, path: string): string[] | undefined {
  if (root === '/') return parsePath(path);
  if (path === root) return [];
  if (!path.startsWith(`${root}/`)) return undefined;
  return parsePath(path.slice(root.length));
}

export class SnapshotService {
  constructor(
    private readonly store: Store,
    private readonly libraries: LibraryService,
  ) {}

  /** Newest first, a keyset page at a time. */
  async list(caller: Principal, libraryId: string, p: { limit: number; cursor?: string }): Promise<{ snapshots: Snapshot[]; nextCursor: string | null }> {
    await this.libraries.access(caller, libraryId, 'READER');
    const after = p.cursor === undefined ? undefined : decodeCursor('snapshots', p.cursor, { t: 'number', i: 'number' });
    const rows = await this.store.snapshotListByLibrary({ libraryId, order: 'desc', limit: p.limit + 1, after: after && { createdAt: after.t, id: after.i } });
    const page = rows.slice(0, p.limit);
    const last = page.at(-1);
    return { snapshots: page, nextCursor: rows.length > p.limit && last ? encodeCursor('snapshots', { t: last.createdAt, i: last.id }) : null };
  }

  async get(caller: Principal, libraryId: string, snapshotId: number): Promise<Snapshot> {
    await this.libraries.access(caller, libraryId, 'READER');
    return this.find(libraryId, snapshotId);
  }

  /**
   * A folder of the snapshot, like a folder listing: its entries by name, a
   * keyset page at a time. `path` is a library path at or under the folder
   * the snapshot was taken of (default: that folder).
   */
  async browse(
    caller: Principal,
    libraryId: string,
    snapshotId: number,
    p: { path?: string; limit: number; cursor?: string },
  ): Promise<{ snapshot: Snapshot; path: string; items: SnapshotItem[]; nextCursor: string | null }> {
    await this.libraries.access(caller, libraryId, 'READER');
    const snapshot = await this.find(libraryId, snapshotId);
    const path = p.path === undefined ? snapshot.path : normalizePath(p.path, 'path');
    const segments = segmentsBelow(snapshot.path, path);
    if (!segments) throw new NotFoundError(`path: '${path}' is not in this snapshot (it was taken of '${snapshot.path}')`, { field: 'path' });
    const tree = await this.folderTree(snapshot, segments, path);
    const after = p.cursor === undefined ? undefined : decodeCursor('snapshot-items', p.cursor, { n: 'string' }).n;
    const entries = await this.entriesOf(snapshot, tree);
    const start = after === undefined ? 0 : entries.findIndex((e) => e.name > after);
    const rest = start < 0 ? [] : entries.slice(start);
    const page = rest.slice(0, p.limit);
    const items = page.map((e) => ({ ...e, path: childPath(path, e.name) }));
    const nextCursor = rest.length > p.limit ? encodeCursor('snapshot-items', { n: page.at(-1)!.name }) : null;
    return { snapshot, path, items, nextCursor };
  }

  /** Forgets the snapshot (library ADMIN): it and what only it held are released. */
  async delete(caller: Principal, libraryId: string, snapshotId: number): Promise<void> {
    await this.libraries.access(caller, libraryId, 'ADMIN');
    await this.store.transaction(async (tx) => {
      const snapshot = await tx.snapshotGetById({ id: snapshotId });
      if (!snapshot || snapshot.libraryId !== libraryId) throw new NotFoundError(`snapshot ${snapshotId} not found in library '${libraryId}'`);
      await tx.snapshotDelete({ id: snapshotId });
    });
  }

  private async find(libraryId: string, snapshotId: number): Promise<Snapshot> {
    const snapshot = await this.store.snapshotGetById({ id: snapshotId });
    if (!snapshot || snapshot.libraryId !== libraryId) throw new NotFoundError(`snapshot ${snapshotId} not found in library '${libraryId}'`);
    return snapshot;
  }

  private async entriesOf(snapshot: Snapshot, hash: string): Promise<SnapshotEntry[]> {
    const tree = await this.store.snapshotTreeGet({ storage: snapshot.storage, hash });
    if (!tree) throw new Error(`snapshot ${snapshot.id}: tree ${hash} is not stored in '${snapshot.storage}'`);
    return tree.entries;
  }

  /** The tree hash of the folder `segments` below the snapshot's root. */
  private async folderTree(snapshot: Snapshot, segments: string[], path: string): Promise<string> {
    let hash = snapshot.rootTree;
    for (const name of segments) {
      const entry = (await this.entriesOf(snapshot, hash)).find((e) => e.name === name);
      if (!entry) throw new NotFoundError(`path: '${path}' is not in this snapshot`, { field: 'path' });
      if (entry.kind !== 'folder' || !entry.tree) throw new InvalidArgumentError(`path: '${path}' is a file in this snapshot, not a folder`, { field: 'path' });
      hash = entry.tree;
    }
    return hash;
  }
}
