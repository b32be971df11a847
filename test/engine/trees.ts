/** Trees for engine tests with contents the test chooses (by default each file's content is its path: a blob of its own). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import nodePath from 'node:path';
import type { EngineFixture } from '../support/engine.js';
import { childPath } from '../../src/domain/item-path.js';
import type { LocalBlobStore } from '../../src/blobs/local-blob-store.js';

/** Stores `content` at its address, once, without the fsyncs of a real write (test trees build fast). */
function putBlob(store: LocalBlobStore, content: Buffer): { sha256: string; size: number } {
  const sha256 = crypto.createHash('sha256').update(content).digest('hex');
  const file = store.objectPath(sha256);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(nodePath.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return { sha256, size: content.length };
}

/** Builds `root` with `folders` folders `d0000…` of `filesPerFolder` files `f00000.txt…`; returns the item count (root included). */
export async function distinctTree(
  f: EngineFixture,
  libraryId: string,
  root: string,
  folders: number,
  filesPerFolder: number,
  contentOf: (path: string, folder: number, file: number) => string = (path) => `content of ${path}`,
): Promise<number> {
  const library = (await f.app.store.libraryGetById(libraryId))!;
  const blobs = f.app.blobStores.get(library.storage) as LocalBlobStore;
  const now = Date.now();
  const [rootFolder] = await f.app.store.itemInsertMany([
    { libraryId, parentId: library.rootFolderId, name: root.slice(1), path: root, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: now, modifiedAt: now },
  ]);
  let count = 1;
  for (let d = 0; d < folders; d++) {
    const folderPath = childPath(root, `d${String(d).padStart(4, '0')}`);
    const files: Array<{ path: string; blob: { sha256: string; size: number } }> = [];
    for (let i = 0; i < filesPerFolder; i++) {
      const path = childPath(folderPath, `f${String(i).padStart(5, '0')}.txt`);
      files.push({ path, blob: putBlob(blobs, Buffer.from(contentOf(path, d, i))) });
    }
    await f.app.store.transaction(async (tx) => {
      const [folder] = await tx.itemInsertMany([
        { libraryId, parentId: rootFolder!.id, name: folderPath.split('/').at(-1)!, path: folderPath, kind: 'folder', size: 0, sha256: null, contentType: null, createdAt: now, modifiedAt: now },
      ]);
      const refs = new Map<string, { size: number; count: number }>();
      for (const { blob } of files) {
        const ref = refs.get(blob.sha256) ?? { size: blob.size, count: 0 };
        ref.count++;
        refs.set(blob.sha256, ref);
      }
      for (const [sha256, { size, count }] of refs) await tx.blobAddRef({ storage: library.storage, sha256, size, count, now });
      const rows = files.map(({ path, blob }) => ({
        libraryId,
        parentId: folder!.id,
        name: path.split('/').at(-1)!,
        path,
        kind: 'file' as const,
        size: blob.size,
        sha256: blob.sha256,
        contentType: 'text/plain',
        createdAt: now,
        modifiedAt: now,
      }));
      for (let i = 0; i < rows.length; i += 500) await tx.itemInsertMany(rows.slice(i, i + 500));
    });
    count += 1 + filesPerFolder;
  }
  return count;
}

/** A gate a test opens when it chooses; `closed` callers wait at `pass()`, and `reached` resolves when the first one does. */
export class Gate {
  private open = true;
  private release: () => void = () => {};
  private opened: Promise<void> = Promise.resolve();
  private signalReached: () => void = () => {};
  /** Resolves once something waited at the closed gate. */
  reached: Promise<void> = new Promise((resolve) => (this.signalReached = resolve));
  waiting = 0;

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.opened = new Promise((resolve) => (this.release = resolve));
  }

  openNow(): void {
    this.open = true;
    this.release();
  }

  get isOpen(): boolean {
    return this.open;
  }

  async pass(): Promise<void> {
    if (this.open) return;
    this.waiting++;
    this.signalReached();
    await this.opened;
    this.waiting--;
  }
}
